"""Single points of failure and shared-fate groups, on inventories small enough to judge by eye."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.model.inventory import Inventory
from devoops.model.resilience import SharedFate
from devoops.scenarios.graph import shared_fate, spofs
from devoops.scenarios.topology import app_up, required
from tests.scenarios.test_availability import inventories


def inventory(components: dict[str, Any], **extra: Any) -> Inventory:
    defaults = {"provider": "aws", "account": "prod", "region": "eu-west-1"}
    return Inventory.model_validate({"defaults": defaults, "components": components, **extra})


def test_a_lone_database_is_a_spof_a_replicated_one_is_not() -> None:
    lone = inventory(
        {"app": {"kind": "app", "instances": 2, "depends_on": ["db"]}, "db": {"kind": "database"}}
    )
    assert spofs(lone) == ["db"]
    pair = inventory(
        {
            "app": {"kind": "app", "instances": 2, "depends_on": ["db"]},
            "db": {"kind": "database", "instances": 2, "failover": "automatic"},
        }
    )
    assert spofs(pair) == []


def test_k_of_n_without_a_spare_is_a_spof() -> None:
    full = inventory({"app": {"kind": "app", "instances": 3, "needs": 3}})
    assert spofs(full) == ["app"]
    spare = inventory({"app": {"kind": "app", "instances": 3, "needs": 2}})
    assert spofs(spare) == []


def test_alternatives_are_not_spofs_but_what_they_share_is() -> None:
    inv = inventory(
        {
            "app": {"kind": "app", "depends_on": [{"any_of": ["dns-a", "dns-b"]}]},
            "dns-a": {"kind": "dns", "provider": "cloudflare", "depends_on": ["domain"]},
            "dns-b": {"kind": "dns", "provider": "ns1", "depends_on": ["domain"]},
            "domain": {"kind": "registrar", "provider": "gandi"},
        }
    )
    assert spofs(inv) == ["app", "domain"]


def test_what_the_application_does_not_need_is_no_spof() -> None:
    inv = inventory({"app": {"kind": "app", "instances": 2}, "ci": {"kind": "ci_cd", "provider": "github"}})
    assert spofs(inv) == []
    entry = inventory(
        {"web": {"kind": "load_balancer", "depends_on": ["app"]}, "app": {"kind": "app"}}, entry=["web"]
    )
    assert spofs(entry) == ["app", "web"]


def test_shared_fate_groups() -> None:
    inv = inventory(
        {
            "app": {"kind": "app", "instances": 2, "zones": ["a", "b"], "depends_on": ["db"]},
            "db": {"kind": "database", "instances": 2, "zones": ["a", "b"], "failover": "automatic"},
            "vault": {"kind": "backup_target", "account": "vault"},
            "dns": {"kind": "dns", "provider": "cloudflare"},
        }
    )
    assert shared_fate(inv) == [
        SharedFate(by="account", value="aws/prod", components=["app", "db"], takes_app_down=True),
        SharedFate(
            by="region", value="aws/eu-west-1", components=["app", "db", "vault"], takes_app_down=True
        ),
        SharedFate(by="zone", value="aws/eu-west-1/a", components=["app", "db"], takes_app_down=False),
        SharedFate(by="zone", value="aws/eu-west-1/b", components=["app", "db"], takes_app_down=False),
        SharedFate(by="provider", value="aws", components=["app", "db", "vault"], takes_app_down=True),
    ]


def test_a_group_of_components_the_app_can_lose_does_not_take_it_down() -> None:
    inv = inventory(
        {
            "app": {"kind": "app"},
            "ci": {"kind": "ci_cd", "account": "tools"},
            "registry": {"kind": "object_storage", "account": "tools"},
        }
    )
    tools = next(f for f in shared_fate(inv) if f.by == "account" and f.value == "aws/tools")
    assert (tools.components, tools.takes_app_down) == (["ci", "registry"], False)
    # one component alone shares its fate with nobody
    assert not any(f.value == "aws/prod" for f in shared_fate(inv))


@settings(max_examples=60, deadline=None)
@given(
    instances=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    spare=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_spofs_are_exactly_the_components_one_lost_instance_brings_down(
    instances: list[int], spare: list[bool]
) -> None:
    """A chain c0 -> c1 -> ...: a component is a SPOF iff it needs all its instances."""
    components = {
        f"c{n}": {
            "kind": "app" if n == 0 else "worker",
            "instances": count,
            "needs": count - 1 if spare[n] and count > 1 else count,
            "depends_on": [f"c{n + 1}"] if n + 1 < len(instances) else [],
        }
        for n, count in enumerate(instances)
    }
    inv = inventory(components)
    expected = sorted(cid for cid, c in components.items() if c["needs"] == c["instances"])
    assert spofs(inv) == expected
    for cid in inv.components:
        assert (cid in expected) == (not app_up(inv, lambda c, i, cid=cid: (c, i) == (cid, 0)))


@settings(max_examples=80, deadline=None)
@given(model=inventories())
def test_counts_agree_with_every_instance(model: Inventory) -> None:
    """Asked per component and per place on counts, the answers are those of the rule asked
    instance by instance: a SPOF is a component one of whose instances, lost, takes the
    application down; a shared fate takes it down when all the instances placed there are."""
    expected = sorted(
        cid
        for cid in required(model)
        if any(
            not app_up(model, lambda c, j, at=(cid, i): (c, j) == at)
            for i in range(model.components[cid].instances)
        )
    )
    assert spofs(model) == expected
    for fate in shared_fate(model):
        placed = {
            (cid, i)
            for cid, c in model.components.items()
            for i in range(c.instances)
            if (fate.by, fate.value) in where(model, cid, i)
        }
        assert fate.takes_app_down == (not app_up(model, lambda c, j, placed=placed: (c, j) in placed))


def where(model: Inventory, cid: str, i: int) -> set[tuple[str, str]]:
    """The (by, value) places an instance sits in, as shared_fate names them."""
    p, zone = model.placed(cid), model.components[cid].zone_of(i)
    places = {("provider", p.provider)}
    if p.account is not None:
        places.add(("account", f"{p.provider}/{p.account}"))
    if p.region is not None:
        places.add(("region", f"{p.provider}/{p.region}"))
    if zone is not None:
        places.add(("zone", f"{p.provider}/{p.region}/{zone}"))
    return places
