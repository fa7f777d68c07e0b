"""What the inventory says about one component in the words of a practice: where it declares
its exposure or its authentication, that decides the practice for this component, whatever
the answers say of the fleet."""

from __future__ import annotations

from ..model.inventory import Component, Exposure, Kind

PRIVATE_DATASTORES = "network.private-datastores"
AUTHENTICATION = "datastores.authentication"
DATASTORES = frozenset({Kind.DATABASE, Kind.CACHE, Kind.QUEUE})

EXPOSED = {
    Exposure.PRIVATE: "private",
    Exposure.ALLOWLISTED: "public-allowlisted",
    Exposure.INTERNET: "public-open",
}
AUTHENTICATED = ("shared", "per-service")


def component_choice(c: Component, practice: str, answered: str | None) -> str | None:
    """The practice's choice for this component when its inventory entry settles it; an
    authenticated datastore keeps the answer's way of authenticating (shared or per service),
    which the inventory cannot tell, and is `shared` when the answer says it does not."""
    if practice == PRIVATE_DATASTORES and c.exposure is not None:
        return EXPOSED[c.exposure]
    if practice == AUTHENTICATION and c.authentication is not None:
        if not c.authentication:
            return "none"
        return answered if answered in AUTHENTICATED else AUTHENTICATED[0]
    return None
