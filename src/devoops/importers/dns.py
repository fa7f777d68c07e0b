"""The `registrar` and `dns` components of an inventory, from what the `dns` probe finds: who
registers the domain and which providers serve its zone.

A provider is told by the registrable domain of its nameservers (the public suffix list,
offline): `lara.ns.cloudflare.com` is Cloudflare's, `ns-1.awsdns-01.org` is Route 53's. One
provider often spreads its nameservers over several domains (`awsdns-01.org`, `awsdns-02.com`)
so that no single registry can take them all down; they are still one provider, so a family
is the registrable name without its public suffix and without a trailing number, and the
well-known families carry the provider names the rest of the inventory uses (`aws`, `gcp`).
Counting one provider twice would claim an independence that is not there; the families err
the other way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from .inventory import Imported

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

PROVIDERS: Mapping[str, str] = {
    # registrable name of the nameservers, without suffix and trailing number -> provider
    "awsdns": "aws",  # Route 53
    "googledomains": "gcp",  # Cloud DNS: ns-cloud-a1.googledomains.com
    "azure-dns": "azure",
    "cloudflare": "cloudflare",
    "nsone": "ns1",
    "ultradns": "ultradns",
    "dynect": "dyn",
    "akam": "akamai",
    "akamaiedge": "akamai",
    "domaincontrol": "godaddy",
    "registrar-servers": "namecheap",
    "dnsimple-edge": "dnsimple",
    "vercel-dns": "vercel",
}
REGISTRARS: Mapping[str, str] = {
    # Route 53 Domains lives in the AWS account: a takeover of that account reaches it
    "amazon-registrar": "aws",
    "amazon": "aws",
}
LEGAL = frozenset(
    ("inc", "incorporated", "llc", "ltd", "limited", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "plc")
    + ("co", "corp", "corporation", "company", "oy", "ab", "as", "aps", "srl", "spa", "kk", "pty", "pte")
    + ("lp", "llp", "ug", "se", "ehf", "the")
)
"""Words of a company's name that say its legal form, not who it is."""
WEB = frozenset(("com", "net"))  # GoDaddy.com, LLC


@cache
def _suffixes() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True)


def registrable(name: str) -> str | None:
    """The registrable domain of a host name (`ns1.cloudflare.com` -> `cloudflare.com`); None
    for a public suffix itself."""
    host = name.rstrip(".").lower()
    found = _suffixes().privatesuffix(host)
    return str(found) if found else None


def family(nameserver: str) -> str:
    """The provider family a nameserver belongs to: a well-known provider's name, else its
    registrable domain's name without the public suffix or a trailing number."""
    host = nameserver.rstrip(".").lower()
    domain = registrable(host) or host
    suffix = _suffixes().publicsuffix(domain) or ""
    label = domain[: -len(suffix) - 1] if suffix and domain.endswith("." + suffix) else domain
    label = re.sub(r"-?\d+$", "", label.rsplit(".", 1)[-1]) or label
    return PROVIDERS.get(label, label)


def families(nameservers: Iterable[str], providers: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Nameservers by family (`providers` names it for a nameserver whose name does not say
    it), both sorted."""
    grouped: dict[str, list[str]] = {}
    for ns in sorted({n.rstrip(".").lower() for n in nameservers}):
        grouped.setdefault((providers or {}).get(ns) or family(ns), []).append(ns)
    return dict(sorted(grouped.items()))


def registrar_provider(name: str) -> str:
    """A registrar's name as an inventory provider: `NameCheap, Inc.` -> `namecheap`."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in LEGAL | WEB]
    slug = "-".join(words)[:60].strip("-") or "registrar"
    return REGISTRARS.get(slug, slug)


def inventory(
    domain: str, registrar: str | None, nameservers: Iterable[str], providers: Mapping[str, str] | None = None
) -> Imported:
    """The `registrar` and `dns` components for `domain`, in the shape the Terraform import
    has: a component per provider family, each depending on the registrar; with several
    families, the notes say how the entry should depend on them (any one of them suffices)."""
    grouped = families(nameservers, providers)
    components: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    if registrar:
        components["registrar"] = {
            "kind": "registrar",
            "provider": registrar_provider(registrar),
            "description": f"{domain}, registered with {registrar}",
        }
    else:
        notes.append("the registrar is not known (the registration data could not be read): add it by hand")
    below = ["registrar"] if registrar else []
    for name, servers in grouped.items():
        cid = "dns" if len(grouped) == 1 else _component_id(f"dns-{name}")
        components[cid] = {
            "kind": "dns",
            "provider": name,
            "description": f"the {domain} zone, served by {', '.join(servers)}",
            **({"depends_on": below} if below else {}),
        }
    ids = [c for c, v in components.items() if v["kind"] == "dns"]
    if len(ids) > 1:
        notes.append(
            f"{len(ids)} DNS providers serve the zone: make what users reach depend on any one of them, "
            f"`depends_on: [{{any_of: [{', '.join(ids)}]}}]`"
        )
    elif ids:
        notes.append(f"add `{ids[0]}` to the depends_on of what users reach (the load balancer or CDN)")
    else:
        notes.append("no nameserver was found: add the dns component by hand")
    if any(grouped_provider in ("aws", "gcp", "azure") for grouped_provider in grouped):
        notes.append(
            "a cloud's DNS serves the zone from an account the DNS does not name: set its `account` "
            "so an account takeover reaches it in the scenarios"
        )
    return Imported({"components": components}, [], {}, notes)


def _component_id(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")[:64]
    return slug or "dns"
