"""A domain's registration judged: how long until it expires, whether it is locked against
transfer, whether it has lapsed, and who holds it; and from that the `dns.owner-known` choice.

The verdict is the weaker of two readings. *Who holds it*: the registrant the registry or
registrar publishes, set beside the company the workload names (`company`, else the app's
name); a published holder that is not the company is `personal`, the lens's choice for a
domain held outside the company. Where nothing is published (redacted for privacy, as most
registrars do), the probe cannot see the holder and keeps what devoops.yaml answers; without
an answer it decides nothing about the holder. *How it is kept*: lapsed (expired, in
redemption, pending delete, on hold) is `unknown`, since nobody is renewing it; no transfer lock
is at best `company-unlocked`; an expiry inside `expiry_warning_days`, or a domain already in its
auto-renew grace period, is at best `company-locked-unwatched`; locked and far from expiry is
`company-locked`. The registrar account's MFA and admins cannot be seen from outside; the lock,
the term and the expiry are what a lapse or a hijack needs, and this probe, run regularly, is
the external expiry watch the best choice asks for.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Literal

from ...importers.dns import LEGAL
from ..found import Found
from .rdap import LOCKS, Registration

PRACTICE = "dns.owner-known"
Choice = Literal["unknown", "personal", "company-unlocked", "company-locked-unwatched", "company-locked"]
ORDER: tuple[Choice, ...] = (
    "unknown",
    "personal",
    "company-unlocked",
    "company-locked-unwatched",
    "company-locked",
)
DAY = 86_400.0
GRACE = "auto renew period"


def words(name: str) -> list[str]:
    """A company name's distinctive words: accents, case, punctuation and legal forms dropped."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return [w for w in re.split(r"[^a-z0-9]+", plain) if w and w not in LEGAL]


def same_company(registrant: str, company: str) -> bool:
    """Whether a registrant names the company: its distinctive words appear together in the
    registrant's (`Linkpile` in `Linkpile Labs Ltd`), or both read the same once spaces go
    (`LinkPile` and `Link Pile GmbH`)."""
    theirs, ours = words(registrant), words(company)
    if not theirs or not ours:
        return False
    if "".join(theirs) == "".join(ours):
        return True
    return any(theirs[i : i + len(ours)] == ours for i in range(len(theirs) - len(ours) + 1))


def weaker(a: Choice, b: Choice) -> Choice:
    return min(a, b, key=ORDER.index)


def judge(
    found: Found,
    reg: Registration,
    now: dt.datetime,
    company: str,
    answered: str | None,
    warning_days: float,
) -> None:
    """Measure and say what the registration shows, and decide `dns.owner-known` when the
    evidence is enough (see the module's docstring)."""
    days = None if reg.expires is None else (reg.expires - now).total_seconds() / DAY
    found.measure(
        "days to domain expiry",
        None if days is None else round(days, 1),
        "days",
        target=warning_days,
        bound="min",
        detail=f"expires {reg.expires:%Y-%m-%d}" if reg.expires else "the expiration date is not published",
    )
    registrar = reg.registrar or "an unnamed registrar"
    since = f" since {reg.created:%Y-%m-%d}" if reg.created else ""
    found.said.append(f"registered with {registrar}{since}")
    for problem in reg.problems:
        found.unknown.append(f"the registration data: {problem}")
    kept, kept_why = _kept(found, reg, days, warning_days)
    holder, holder_why = _holder(found, reg, company, answered)
    if kept == "unknown":
        found.verdict(PRACTICE, kept, f"{kept_why}; {holder_why}")
    elif holder is not None and (kept is not None or ORDER.index(holder) < ORDER.index("company-unlocked")):
        found.verdict(PRACTICE, weaker(holder, kept or holder), f"{holder_why}; {kept_why}")


def _kept(
    found: Found, reg: Registration, days: float | None, warning_days: float
) -> tuple[Choice | None, str]:
    """How the domain is kept, as the best choice it allows (None: not enough is published)."""
    statuses = ", ".join(reg.statuses) or "none published"
    if reg.lapsed:
        why = f"the domain is in {' and '.join(reg.lapsed)}: it has lapsed or been taken out of the DNS"
        found.failed.append(why)
        return "unknown", why
    if days is not None and days < 0:
        why = f"the domain expired on {reg.expires:%Y-%m-%d}, {-days:.0f} days ago"
        found.failed.append(why)
        return "unknown", why
    if days is None:
        found.unknown.append("the expiration date is not published")
    elif days < warning_days:
        found.failed.append(
            f"the domain expires in {days:.0f} days (on {reg.expires:%Y-%m-%d}), under the {warning_days:g} days wanted"
        )
    else:
        found.said.append(f"expires {reg.expires:%Y-%m-%d}, in {days:.0f} days")
    if GRACE in reg.statuses:
        found.failed.append(
            "the domain is in its auto-renew grace period: it passed its expiry unrenewed, and the registrar "
            "may still delete it unless the renewal is paid"
        )
    if not reg.statuses:
        found.unknown.append("no status codes are published, so the transfer lock cannot be seen")
        return None, "no status codes published"
    best: Choice = "company-locked"
    if reg.locked:
        lock = next(s for s in LOCKS if s in reg.statuses)
        found.said.append(f"locked against transfer ({lock})")
        reasons = [f"locked ({lock})"]
    else:
        found.failed.append(
            f"no transfer lock (statuses: {statuses}): a social-engineered or mistaken transfer takes the domain away"
        )
        best, reasons = "company-unlocked", [f"no transfer lock (statuses: {statuses})"]
    if (days is not None and days < warning_days) or GRACE in reg.statuses:
        best = weaker(best, "company-locked-unwatched")
        reasons.append(
            f"expires in {days:.0f} days" if days is not None else "past its expiry, in the grace period"
        )
    elif days is None:
        if best == "company-locked":
            return None, f"{reasons[0]}, expiry not published"
        reasons.append("expiry not published")
    else:
        reasons.append(f"{days:.0f} days from expiry")
    return best, ", ".join(reasons)


def _holder(found: Found, reg: Registration, company: str, answered: str | None) -> tuple[Choice | None, str]:
    """Who holds the domain, as the best choice it allows (None: neither published nor answered)."""
    if reg.registrant is not None:
        if same_company(reg.registrant, company):
            found.said.append(f"registered to {reg.registrant}")
            return "company-locked", f"registered to {reg.registrant}, the company"
        found.failed.append(
            f"registered to {reg.registrant!r}, not to {company!r}: whoever holds that registration holds the domain"
        )
        return "personal", f"registered to {reg.registrant}, not to {company}"
    if reg.unread_related is not None:
        shown = f"not read (the registrar's record: {reg.unread_related})"
    else:
        shown = "redacted" if reg.redacted else "not published"
    if answered in ORDER:
        found.said.append(f"the registrant is {shown}; devoops.yaml answers {answered} for who holds it")
        return ORDER[ORDER.index(answered)], f"the registrant is {shown}, and the answer is {answered}"
    found.said.append(f"the registrant is {shown}, and devoops.yaml does not say who holds the domain")
    return None, f"the registrant is {shown}"
