"""The zone judged from what `zone` read: the delegation and the zone agreeing on their
nameservers, every nameserver answering with the same serial, glue for the nameservers inside
the zone, TTLs, DNSSEC, CAA, SPF and DMARC, and how many providers serve it. Each check adds
its clause to the Found (failed, unknown or said) and, where it can, its practice's verdict.

What fails the probe is what is broken or about to break (a nameserver silent or lame, the
parent and the zone disagreeing, a missing glue record, a broken or expiring DNSSEC chain, a
TTL far out of range) and mail anyone can forge in the company's name. Choices the lens weighs
by importance (signed or not, CAA or not, one provider or two) are said and decided, not failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...importers.dns import family
from ..found import Found
from . import mailauth
from .chain import chain
from .zone import Answer, Zone, dmarc_name, host, rrset_and_sigs

if TYPE_CHECKING:
    import dns.message
    import dns.name

NS_TTL = (300, 604_800)  # under 5 minutes or over a week
NEGATIVE_TTL = 86_400  # RFC 2308 suggests one to three hours; over a day hides new records
CLOUDS = frozenset({"aws", "gcp", "azure"})
SHOWN = 300  # characters of a record shown in the records table


@dataclass(frozen=True)
class Settings:
    """What the checks take from the probe's options and the workload."""

    signature_warning_days: float
    mail: bool
    production: Collection[str] | None  # providers production runs on, per the inventory
    providers: Mapping[str, str]  # the provider behind a nameserver whose name does not say it

    def family(self, nameserver: str) -> str:
        return self.providers.get(nameserver) or family(nameserver)


def judge(found: Found, zone: Zone, domain: dns.name.Name, now: dt.datetime, settings: Settings) -> None:
    """Every zone check, in the order the result shows them."""
    d = zone.delegation
    if d is None:
        (found.failed if zone.missing else found.unknown).append(f"the zone: {zone.cause}")
        return
    answers = list(zone.answers)
    name = host(domain)
    _nameservers(found, d.nameservers, answers)
    if zone.unasked:
        found.said.append(
            f"{len(zone.unasked)} more nameservers listed, not asked: {', '.join(zone.unasked[:3])}…"
        )
    found.table(
        "nameservers",
        ["nameserver", "listed by", "address", "provider", "answered", "SOA serial", "NS set", "problem"],
        [_row(a, d.nameservers, settings.family(a.name)) for a in answers],
    )
    _agreement(found, d.nameservers, answers)
    _serials(found, answers)
    _glue(found, name, d.nameservers, d.glue, zone.records.addresses if zone.records else {})
    _ttls(found, d.ttl, answers)
    if zone.records is None:
        found.unknown.append("no nameserver answered, so DNSSEC, CAA and mail records could not be read")
    else:
        records = zone.records
        if records.truncated:
            found.said.append(
                f"answers read over TCP after a truncated UDP answer: {', '.join(records.truncated)}"
            )
        _dnssec(found, domain, zone, now, settings.signature_warning_days)
        _caa(found, domain, records.caa, records.problems.get("caa"))
        if settings.mail:
            _mail(found, domain, records.txt, records.dmarc, records.problems)
    listed = {settings.family(n) for n in d.nameservers}
    inside = all((n == name or n.endswith("." + name)) and n not in settings.providers for n in d.nameservers)
    _vendors(found, name, sorted(listed), inside, answers, settings.production)


def _row(a: Answer, parent: Sequence[str], provider: str) -> list[str | int | None]:
    zone = a.nameservers
    agrees = None if zone is None else ("as the parent" if set(zone) == set(parent) else ", ".join(zone))
    by = "parent" if a.name in parent else "zone only"
    return [a.name, by, a.host, provider, "yes" if a.answered else "no", a.serial, agrees, a.error]


def _nameservers(found: Found, parent: Sequence[str], answers: Sequence[Answer]) -> None:
    silent = [a for a in answers if not a.answered]
    found.measure("nameservers", len(answers), "count", detail="listed by the parent or by the zone")
    found.measure("nameservers not answering", len(silent), "count", target=0, bound="max")
    for a in silent:
        found.failed.append(f"nameserver {a.name}{f' ({a.host})' if a.host else ''}: {a.error}")
    if answers and not silent:
        every = {1: "the one nameserver answers", 2: "both nameservers answer"}.get(
            len(answers), f"all {len(answers)} nameservers answer"
        )
        found.said.append(f"{every} authoritatively")


def _agreement(found: Found, parent: Sequence[str], answers: Sequence[Answer]) -> None:
    """The parent's NS set against the zone's own, as each answering nameserver gives it."""
    sets = {a.nameservers for a in answers if a.nameservers is not None}
    if not sets:
        return
    differ = [s for s in sets if set(s) != set(parent)]
    if not differ:
        found.said.append("the parent and the zone list the same nameservers")
        return
    for zone in sorted(differ):
        only_parent = sorted(set(parent) - set(zone))
        only_zone = sorted(set(zone) - set(parent))
        by = ", ".join(a.name for a in answers if a.nameservers == zone)
        parts = [f"only the parent lists {', '.join(only_parent)}"] if only_parent else []
        parts += [f"only the zone lists {', '.join(only_zone)}"] if only_zone else []
        found.failed.append(
            f"the parent and the zone (as {by} serve it) disagree on the nameservers: {'; '.join(parts)}"
        )


def _serials(found: Found, answers: Sequence[Answer]) -> None:
    serials: dict[int, list[str]] = {}
    for a in answers:
        if a.serial is not None:
            serials.setdefault(a.serial, []).append(a.name)
    if not serials:
        return
    found.measure(
        "SOA serials", len(serials), "count", target=1, bound="max", detail="distinct serials served"
    )
    if len(serials) == 1:
        found.said.append(f"one SOA serial, {next(iter(serials))}")
        return
    listing = "; ".join(
        f"{serial} at {', '.join(names)}" for serial, names in sorted(serials.items(), reverse=True)
    )
    found.failed.append(
        f"the nameservers serve different versions of the zone (SOA serials {listing}): a secondary is not "
        "getting updates, or one is still spreading"
    )


def _glue(
    found: Found,
    name: str,
    parent: Sequence[str],
    glue: Mapping[str, Sequence[str]],
    zone: Mapping[str, Sequence[str]],
) -> None:
    """A nameserver inside the zone it serves can only be found through the parent's glue."""
    inside = [ns for ns in parent if ns == name or ns.endswith("." + name)]
    for ns in inside:
        given = sorted(glue.get(ns, ()))
        if not given:
            found.failed.append(
                f"{ns} is inside the zone it serves, but the parent gives no address for it (glue)"
            )
        elif ns in zone and zone[ns] and set(zone[ns]) != set(given):
            found.failed.append(
                f"the parent's glue for {ns} ({', '.join(given)}) differs from the zone's own ({', '.join(sorted(zone[ns]))})"
            )
    if inside and all(glue.get(ns) for ns in inside):
        found.said.append(f"glue at the parent for {', '.join(inside)}")


def _ttls(found: Found, parent_ttl: int, answers: Sequence[Answer]) -> None:
    """TTLs in minutes (a day is 1,440), each with its seconds as served."""

    def ttl(name: str, seconds: int, **held: Any) -> None:
        found.measure(name, round(seconds / 60, 2), "min", detail=f"{seconds} s", **held)

    ttl("NS TTL at the parent", parent_ttl)
    soa = next((a for a in answers if a.soa_ttl is not None and a.negative_ttl is not None), None)
    if soa is not None and soa.soa_ttl is not None and soa.negative_ttl is not None:
        ttl("SOA TTL", soa.soa_ttl)
        ttl("negative-caching TTL", soa.negative_ttl, target=NEGATIVE_TTL / 60, bound="max")
        if soa.negative_ttl > NEGATIVE_TTL:
            found.failed.append(
                f"the negative-caching TTL is {soa.negative_ttl} s: a name added to the zone stays unknown for "
                "over a day to resolvers that asked before (RFC 2308 suggests 1 to 3 hours)"
            )
    first = next((a for a in answers if a.ns_ttl is not None), None)
    if first is None or first.ns_ttl is None:
        return
    ttl("NS TTL", first.ns_ttl, target=NS_TTL[0] / 60, bound="min")
    if first.ns_ttl < NS_TTL[0]:
        found.failed.append(
            f"the zone's NS TTL is {first.ns_ttl} s: resolvers forget the nameservers within minutes, so a "
            "provider outage reaches users at once instead of being ridden out on cached answers"
        )
    elif first.ns_ttl > NS_TTL[1]:
        found.failed.append(
            f"the zone's NS TTL is {first.ns_ttl} s (over a week): moving to another DNS provider takes that "
            "long to reach every resolver"
        )


def _dnssec(found: Found, domain: dns.name.Name, zone: Zone, now: dt.datetime, warning_days: float) -> None:
    d, records = zone.delegation, zone.records
    assert d is not None and records is not None
    if d.ds_problem is not None:
        found.unknown.append(f"DNSSEC: {d.ds_problem}")
        return
    if "dnskey" in records.problems:
        found.unknown.append(f"DNSSEC: {records.problems['dnskey']}")
        return
    signed = [
        ("the SOA", *rrset_and_sigs(records.soa, domain, "SOA")),
        ("the CAA set", *rrset_and_sigs(records.caa, domain, "CAA")),
        ("the TXT set", *rrset_and_sigs(records.txt, domain, "TXT")),
    ]
    result = chain(
        domain, d.ds_rrset, rrset_and_sigs(records.dnskey, domain, "DNSKEY"), signed, now, warning_days
    )
    if result.soonest is not None:
        found.measure(
            "days to signature expiry",
            round(result.soonest[2], 2),
            "days",
            target=warning_days,
            bound="min",
            detail=f"the signature over {result.soonest[0]}",
        )
    if result.state == "unchecked":
        found.unknown.append(f"DNSSEC: {result.why}")
        return
    found.verdict("dns.dnssec", "unsigned" if result.state == "island" else result.state, result.why)
    (found.failed if result.state in ("broken", "expiring") else found.said).append(f"DNSSEC: {result.why}")


def _caa(
    found: Found, domain: dns.name.Name, message: dns.message.Message | None, problem: str | None
) -> None:
    if problem is not None:
        found.unknown.append(f"CAA: {problem}")
        return
    rrset, _ = rrset_and_sigs(message, domain, "CAA")
    values = sorted(
        (r.tag.decode(errors="replace").lower(), r.value.decode(errors="replace")) for r in rrset or []
    )
    issuers = [v for t, v in values if t in ("issue", "issuewild")]
    found.table("CAA", ["tag", "value"], [[t, v[:SHOWN]] for t, v in values])
    if not issuers:
        tags = ", ".join(sorted({t for t, _ in values}))
        why = f"no CAA record with issue or issuewild{f' (only {tags})' if tags else ''}: any public authority may issue"
        found.verdict("dns.caa", "none", why)
        found.said.append(why)
        return
    named = sorted({v.split(";")[0].strip() for v in issuers} - {""})
    bound = all("accounturi=" in v.replace(" ", "") or not v.split(";")[0].strip() for v in issuers)
    choice = "account-bound" if bound else "issuers-listed"
    if not named:
        why = "CAA forbids every certificate authority to issue"
    else:
        why = f"CAA lets {', '.join(named)} issue" + (", each only for the account it names" if bound else "")
    found.verdict("dns.caa", choice, why)
    found.said.append(why)


def _mail(
    found: Found,
    domain: dns.name.Name,
    txt: dns.message.Message | None,
    dmarc_message: dns.message.Message | None,
    problems: Mapping[str, str],
) -> None:
    missing = [problems[k] for k in ("txt", "dmarc") if k in problems]
    if missing:
        found.unknown.append(f"mail: {'; '.join(missing)}")
        return
    apex, _ = rrset_and_sigs(txt, domain, "TXT")
    policy, _ = rrset_and_sigs(dmarc_message, dmarc_name(domain), "TXT")
    spf = mailauth.spf([mailauth.text_of(r.strings) for r in apex or []])
    dmarc = mailauth.dmarc([mailauth.text_of(r.strings) for r in policy or []])
    choice = mailauth.choice(spf, dmarc)
    said = mailauth.says(spf, dmarc)
    found.table(
        "mail",
        ["record", "value"],
        [["SPF", (spf.record or "none")[:SHOWN]], ["DMARC", (dmarc.record or "none")[:SHOWN]]],
    )
    if choice in ("none", "partial"):
        why = f"{said}: mail forged with {host(domain)} is still delivered"
        found.failed.append(why)
    else:
        why = f"{said}: receivers {'refuse' if choice == 'reject' else 'quarantine'} mail forged with {host(domain)}"
        found.said.append(why)
    found.verdict("email.anti-spoofing", choice, why)


def _vendors(
    found: Found,
    name: str,
    listed: Sequence[str],
    inside: bool,
    answers: Sequence[Answer],
    production: Collection[str] | None,
) -> None:
    """`dns.vendor-independent` from the provider families of the parent's nameservers."""
    found.measure("DNS providers", len(listed), "count", detail=", ".join(listed))
    if not listed:
        return
    serials = {a.serial for a in answers if a.serial is not None}
    many = (
        f"{len(listed)} providers ({', '.join(listed)})" if len(listed) > 1 else f"one provider, {listed[0]}"
    )
    if len(listed) > 1 and len(serials) > 1:
        choice, said = "secondary-unsynced", f"DNS from {many}, but they serve different serials"
    elif len(listed) > 1:
        choice, said = "multi-provider", f"DNS from {many}, at one serial"
    elif inside:
        choice = "self-hosted"
        said = f"DNS from the domain's own nameservers, inside {name} (no `providers` names another operator)"
    elif production is not None and listed[0] in production:
        choice, said = "cloud-vendor-only", f"DNS from {many}, which also runs production (the inventory)"
    elif production is None and listed[0] in CLOUDS:
        choice = "cloud-vendor-only"
        said = f"DNS from {many}, a cloud's own DNS (no inventory places production elsewhere)"
    else:
        choice = "single-independent"
        said = f"DNS from {many}" + (", not the one that runs production" if production is not None else "")
    found.verdict("dns.vendor-independent", choice, said)
    found.said.append(said)
