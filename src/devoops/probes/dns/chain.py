"""DNSSEC from the parent's DS down, as a validating resolver walks it: a DS at the parent must
match a DNSKEY of the zone, that key must sign the zone's DNSKEY set, and the keys must sign
the zone's answers (its SOA). The signatures are checked at the audit's time, and the one that
lapses first says how long the chain has left.

A signer renews signatures before they expire: BIND when a quarter of their validity is left,
online signers (Cloudflare, Route 53) with every answer and short lifetimes. So a signature is
close to expiry when less than `warning_days` and less than a quarter of its own validity
remain: renewal has stopped or is late, whatever the signer.

The DS itself is the registry's, signed with the parent's keys up to the root; this module
does not walk above the parent.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import dns.name
    import dns.rrset

State = Literal["unsigned", "island", "broken", "expiring", "signed", "unchecked"]
DAY = 86_400.0


@dataclass(frozen=True)
class Chain:
    """The chain's state, why, and the signature that lapses first: its RRset, when, and the
    days it has left."""

    state: State
    why: str
    soonest: tuple[str, dt.datetime, float] | None = None


def _dnssec() -> None:
    """Import dnspython's DNSSEC support without the deprecation notice its DSA code gives
    on import: the probe never uses DSA, and the notice would end up on the user's terminal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import dns.dnssec  # noqa: F401


def chain(
    domain: dns.name.Name,
    ds: dns.rrset.RRset | None,
    dnskey: tuple[dns.rrset.RRset | None, dns.rrset.RRset | None],
    signed: Sequence[tuple[str, dns.rrset.RRset | None, dns.rrset.RRset | None]],
    now: dt.datetime,
    warning_days: float,
) -> Chain:
    """Judge the chain: `ds` the parent's DS RRset (None: there is none), `dnskey` the zone's
    DNSKEY RRset and its signatures, `signed` other RRsets with their signatures, by name."""
    _dnssec()
    import dns.dnssec
    import dns.rrset

    keys, key_sigs = dnskey
    if ds is None or len(ds) == 0:
        if keys is not None and len(keys):
            return Chain(
                "island",
                "the zone publishes DNSKEY records but the parent has no DS: resolvers treat it as unsigned",
            )
        return Chain("unsigned", "no DS at the parent and no DNSKEY in the zone")
    tags = ", ".join(sorted({str(d.key_tag) for d in ds}))
    if keys is None or not len(keys):
        return Chain("broken", f"the parent has a DS (key tag {tags}) but the zone publishes no DNSKEY")
    matching = [k for k in keys if any(_matches(domain, k, d) for d in ds)]
    if not matching:
        have = ", ".join(sorted({str(dns.dnssec.key_id(k)) for k in keys}))
        return Chain(
            "broken", f"no DNSKEY matches the DS at the parent (DS key tag {tags}; DNSKEY tags {have})"
        )
    anchors = dns.rrset.from_rdata_list(domain, keys.ttl, matching)
    at = now.timestamp()
    checks = [(keys, key_sigs, anchors, "the DNSKEY set", "the key the DS names")]
    checks += [
        (rrset, sigs, keys, name, "the zone's keys") for name, rrset, sigs in signed if rrset is not None
    ]
    for rrset, sigs, by, what, whose in checks:
        problem = _verify(rrset, sigs, by, domain, at, what, whose)
        if problem:
            return Chain(*problem)
    every = [("DNSKEY", key_sigs), *((name, sigs) for name, rrset, sigs in signed if rrset is not None)]
    soonest, close = None, False
    for name, sigs in every:
        if not sigs:
            continue
        latest = max(sigs, key=lambda s: s.expiration)
        left = (latest.expiration - at) / DAY
        if soonest is None or left < soonest[2]:
            soonest = (name, dt.datetime.fromtimestamp(latest.expiration, dt.UTC), left)
        validity = (latest.expiration - latest.inception) / DAY
        close = close or left < min(warning_days, validity / 4)
    assert soonest is not None  # the DNSKEY set verified, so it has signatures
    name, when, left = soonest
    said = f"the signature over {name} expires {when:%Y-%m-%d %H:%M} UTC, in {_days(left)}"
    if close:
        return Chain("expiring", f"{said}, and nothing has renewed it", soonest)
    return Chain("signed", f"the chain validates from the DS (key tag {tags}); {said}", soonest)


def _matches(domain: dns.name.Name, key: Any, ds: Any) -> bool:
    import dns.dnssec
    import dns.exception

    try:
        made = dns.dnssec.make_ds(domain, key, ds.digest_type, validating=True)
    except (dns.exception.DNSException, ValueError, TypeError):
        return False  # a digest type this dnspython does not know
    return bool(made == ds)


def _verify(
    rrset: dns.rrset.RRset,
    sigs: dns.rrset.RRset | None,
    keys: dns.rrset.RRset,
    domain: dns.name.Name,
    at: float,
    what: str,
    by: str,
) -> tuple[State, str] | None:
    """Why `rrset`'s signatures do not validate with `keys` at `at`; None when one does."""
    import dns.dnssec
    import dns.exception

    if not sigs:
        return "broken", f"{what} is not signed (no RRSIG)"
    if all(s.expiration < at for s in sigs):
        when = dt.datetime.fromtimestamp(max(s.expiration for s in sigs), dt.UTC)
        return "broken", f"the signature over {what} expired {when:%Y-%m-%d %H:%M} UTC"
    if all(s.inception > at for s in sigs):
        when = dt.datetime.fromtimestamp(min(s.inception for s in sigs), dt.UTC)
        return "broken", f"the signature over {what} is not valid until {when:%Y-%m-%d %H:%M} UTC"
    try:
        dns.dnssec.validate(rrset, sigs, {domain: keys}, now=at)
    except (dns.exception.UnsupportedAlgorithm, dns.exception.DeniedByPolicy) as exc:
        return "unchecked", f"{what} is signed with an algorithm this probe does not validate ({exc})"
    except dns.exception.ValidationFailure:
        return "broken", f"the signature over {what} does not verify with {by}"
    return None


def _days(days: float) -> str:
    return f"{days * 24:.0f} hours" if days < 2 else f"{days:.0f} days"
