"""Whether mail from a domain can be forged: its SPF record (RFC 7208) and its DMARC policy
(RFC 7489), read from the TXT records the zone publishes.

Only what a receiver does with a forgery matters here, so the parsers read exactly that: SPF's
final `all` (or its `redirect`), and DMARC's policy, subdomain policy and `pct`. The records are
the domain's own, taken from its authoritative servers; nothing here looks anything up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SpfState = Literal["none", "invalid", "open", "neutral", "softfail", "fail", "redirect"]
Policy = Literal["none", "quarantine", "reject"]
Choice = Literal["none", "partial", "quarantine", "reject"]
MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
LEVEL: dict[Policy, int] = {"none": 0, "quarantine": 1, "reject": 2}
POLICIES: dict[str, Policy] = {"none": "none", "quarantine": "quarantine", "reject": "reject"}
QUALIFIERS: dict[str, SpfState] = {"+": "open", "?": "neutral", "~": "softfail", "-": "fail"}
STOPS: frozenset[str] = frozenset({"softfail", "fail", "redirect"})
"""SPF states under which a receiver turns away (or marks) mail from servers it does not list."""


@dataclass(frozen=True)
class Spf:
    state: SpfState
    record: str | None = None
    detail: str = ""

    @property
    def stops(self) -> bool:
        return self.state in STOPS


@dataclass(frozen=True)
class Dmarc:
    """A DMARC record's policy for the domain (`p`), for its subdomains (`sp`, else `p`), and
    the share of failing mail it applies to. `policy` None: no usable record, and `detail` says
    why."""

    policy: Policy | None
    subdomains: Policy | None = None
    pct: int = 100
    record: str | None = None
    detail: str = ""

    @property
    def enforced(self) -> Policy:
        """What happens to all forged mail: `pct` under 100 lets the rest through one step
        lower (RFC 7489 section 6.6.4), and a weaker subdomain policy is where forgers go."""
        if self.policy is None:
            return "none"
        level = LEVEL[self.policy] - (1 if self.pct < 100 and self.policy != "none" else 0)
        if self.subdomains is not None:
            level = min(level, LEVEL[self.subdomains])
        return next(p for p, n in LEVEL.items() if n == level)


def text_of(strings: Sequence[bytes]) -> str:
    """A TXT record's character-strings joined as SPF and DMARC read them: without spaces."""
    return b"".join(strings).decode("utf-8", "replace")


def spf(records: Sequence[str]) -> Spf:
    """The domain's SPF from its TXT records: more than one `v=spf1` record is an error
    (permerror), as is a term no receiver understands."""
    found = [r for r in records if re.match(r"v=spf1(\s|$)", r, re.I)]
    if not found:
        return Spf("none")
    if len(found) > 1:
        return Spf("invalid", found[0], f"{len(found)} SPF records: receivers treat that as an error")
    record = found[0]
    final: SpfState = "neutral"
    for term in record.split()[1:]:
        name, _, value = term.partition("=")
        if value and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", name):
            if name.lower() == "redirect":
                final = "redirect"
            continue
        qualifier, rest = (term[0], term[1:]) if term[0] in QUALIFIERS else ("+", term)
        mechanism = re.split(r"[:/]", rest, maxsplit=1)[0].lower()
        if mechanism not in MECHANISMS:
            return Spf(
                "invalid", record, f"unknown term {term[:40]!r}: receivers treat the record as an error"
            )
        if mechanism == "all":
            return Spf(QUALIFIERS[qualifier], record, f"ends in {term}")
    return Spf(final, record, "redirects to another record" if final == "redirect" else "has no `all` term")


def dmarc(records: Sequence[str]) -> Dmarc:
    """The policy of the `_dmarc` TXT records: one record starting `v=DMARC1`, its `p` one of
    none, quarantine, reject (a record without a valid `p` counts as `none` when it asks for
    reports, else is ignored, RFC 7489 section 6.6.3)."""
    found = [r for r in records if re.match(r"v\s*=\s*DMARC1\s*(;|$)", r)]
    if not found:
        return Dmarc(None, detail="no DMARC record")
    if len(found) > 1:
        return Dmarc(None, record=found[0], detail=f"{len(found)} DMARC records: receivers apply none")
    record = found[0]
    tags: dict[str, str] = {}
    for part in record.split(";")[1:]:
        name, sep, value = part.partition("=")
        if sep and name.strip():
            tags.setdefault(name.strip().lower(), value.strip())
    policy = _policy(tags.get("p"))
    if policy is None:
        if "rua" in tags:
            policy = "none"
        else:
            return Dmarc(None, record=record, detail="the record has no valid p= policy and is ignored")
    pct = tags.get("pct", "100")
    share = int(pct) if pct.isdigit() and int(pct) <= 100 else 100
    return Dmarc(policy, _policy(tags.get("sp")), share, record, f"p={policy}")


def _policy(value: str | None) -> Policy | None:
    return POLICIES.get((value or "").lower())


def choice(spf_found: Spf, dmarc_found: Dmarc) -> Choice:
    """The `email.anti-spoofing` choice: forged mail is refused only with an SPF record that
    stops unlisted senders and a DMARC policy that enforces; without SPF, receivers that check
    SPF alone still deliver forgeries."""
    if spf_found.state == "none" and dmarc_found.policy is None:
        return "none"
    enforced = dmarc_found.enforced
    if not spf_found.stops or enforced == "none":
        return "partial"
    return "reject" if enforced == "reject" else "quarantine"


def says(spf_found: Spf, dmarc_found: Dmarc) -> str:
    """What the records say, in a clause."""
    if spf_found.state == "none":
        spf_text = "no SPF record"
    elif spf_found.state == "invalid":
        spf_text = f"an SPF record in error ({spf_found.detail})"
    else:
        spf_text = f"SPF {spf_found.detail}"
    if dmarc_found.policy is None:
        dmarc_text = dmarc_found.detail
    else:
        extra = [f"pct={dmarc_found.pct}"] if dmarc_found.pct < 100 else []
        if dmarc_found.subdomains is not None and dmarc_found.subdomains != dmarc_found.policy:
            extra.append(f"sp={dmarc_found.subdomains}")
        dmarc_text = f"DMARC p={dmarc_found.policy}" + (f" ({', '.join(extra)})" if extra else "")
    return f"{spf_text}; {dmarc_text}"
