"""Where the account's backups go, and whether its own credentials could delete them: the backup
buckets (named, or found by tag) and the AWS Backup vaults that plans fill or that hold recovery
points, each a backup location; and the AWS Organization the account belongs to.

`backups.offsite`, from the destinations actually seen, held against production's account as
the backups probe does: the audited account is production's, unless the inventory places the
datasets only in other AWS accounts (then every location here is apart from production). In
production's account, a location whose copies (S3 replication, a backup plan's copy action) go to
another account is apart; one whose copies stay here is `same-account`, and one such location
decides it (the weakest stands). Every location apart is `separate-account`, with the backups
probe's caveat: whether production can delete those copies, and where they are kept, is not
visible from here.

`backups.immutable`: a location is write-once under Object Lock or Vault Lock in compliance mode
kept at least `min_lock_days`; one unlocked here whose copies go to another account is not
judged (the copies' own lock is not visible). All write-once is `all`, none `none`, a mix `some`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...importers.aws_session import Session
from ..found import Found
from .buckets import Bucket
from .checks import ROWS, Checks, Got, count, names
from .vaults import Vault, account_of

OFFSITE, IMMUTABLE, VERSIONED, PUBLIC, MANAGEMENT = (
    "backups in another account",
    "backups write-once",
    "backup buckets versioned",
    "backup buckets public access",
    "organisation",
)


@dataclass(frozen=True)
class Organisation:
    id: str
    management: str  # the management account's id
    members: dict[str, str] | None  # id -> name, when this account may list them


@dataclass(frozen=True)
class Backups:
    production: list[str]  # the AWS accounts the inventory places the datasets in; [] unknown
    own: Got[list[str]]  # the account's bucket names
    asked: dict[str, str]  # backup bucket -> why it is one
    buckets: list[Bucket]  # those of `asked` in this account, read
    troubles: list[str]  # what could not be read while finding them (tags, vaults)
    account_blocked: Got[bool]
    vaults: list[Vault]
    org: Got[Organisation | None]
    targets: dict[str, str]  # bucket -> the inventory's backup target it stands for


def organisation(session: Session, account: str) -> Organisation | None:
    """The account's organisation (None outside one); its members when this is the management account."""
    got = session.call(
        "organizations", "describe_organization", absent=("AWSOrganizationsNotInUseException",)
    )
    if got is None:
        return None
    org = got["Organization"]
    members = None
    if org.get("MasterAccountId") == account:
        listed = session.pages("organizations", "list_accounts", "Accounts") or []
        members = {str(a["Id"]): str(a.get("Name", "")) for a in listed}
    return Organisation(str(org.get("Id", "")), str(org.get("MasterAccountId", "")), members)


@dataclass(frozen=True)
class Location:
    label: str
    copies: list[str] | None  # the other accounts holding copies; None: could not tell
    held: tuple[bool, str] | None  # write-once here, with what was seen; None: could not tell
    target: str | None = None  # the inventory's backup target it stands for


def judge(b: Backups, checks: Checks, found: Found, now: dt.datetime, min_days: int, account: str) -> None:
    for trouble in b.troubles:
        checks.unknown("backup locations", trouble)
    locations = [*_buckets(b, checks, account, min_days), *_vaults(b, now, min_days, account)]
    found.measure(
        "backup locations", len(locations), "count", detail="backup buckets and AWS Backup vaults in use"
    )
    if locations:
        found.table(
            "backup locations",
            ["location", "copies in", "write-once"],
            [
                [
                    loc.label,
                    "could not tell" if loc.copies is None else ", ".join(loc.copies) or "this account only",
                    "could not tell" if loc.held is None else loc.held[1],
                ]
                for loc in locations[:ROWS]
            ],
        )
        _offsite(locations, checks, found, account, b.production)
        _immutable(locations, checks, found)
    else:
        checks.seen(
            OFFSITE, "no backup bucket or AWS Backup vault in use seen: offsite and write-once not judged"
        )
    _organisation(b, checks, found, account, sorted({a for loc in locations for a in loc.copies or []}))


def _buckets(b: Backups, checks: Checks, account: str, min_days: int) -> list[Location]:
    """Each backup bucket as a location; versioning and the public access block checked."""
    own = b.own.value
    if b.own.trouble:
        checks.unknown("backup buckets", f"the account's buckets could not be listed: {b.own.trouble}")
    elsewhere = [name for name in b.asked if own is not None and name not in own]
    if elsewhere:
        checks.seen(
            "backup buckets", f"{names(elsewhere)} not in this account: judged where they live, not here"
        )
    unversioned, exposed, locations = [], [], []
    untold: dict[str, list[str]] = {VERSIONED: [], PUBLIC: []}
    for bucket in b.buckets:
        if bucket.versioning.trouble:
            untold[VERSIONED].append(f"{bucket.name}'s versioning: {bucket.versioning.trouble}")
        elif bucket.versioning.value != "Enabled":
            unversioned.append(bucket.name)
        blocked = [bucket.public_blocked.value, b.account_blocked.value]
        if blocked == [False, False]:
            exposed.append(bucket.name)
        elif True not in blocked:
            why = bucket.public_blocked.trouble or b.account_blocked.trouble
            untold[PUBLIC].append(f"{bucket.name}'s public access block: {why}")
        locations.append(
            Location(
                f"s3://{bucket.name}",
                _copies(bucket, own, account),
                _held(bucket, min_days),
                b.targets.get(bucket.name),
            )
        )
    for check, whys in untold.items():
        for why in whys:
            checks.unknown(check, why)
    if unversioned:
        checks.failed(
            VERSIONED,
            f"backup bucket {names(unversioned)} not versioned: one overwrite or delete loses a copy",
        )
    elif b.buckets and not untold[VERSIONED]:
        checks.passed(VERSIONED, f"{count(len(b.buckets), 'backup bucket')} versioned")
    if exposed:
        checks.failed(
            PUBLIC,
            f"backup bucket {names(exposed)} not blocked from public access, on the bucket or the account",
        )
    elif b.buckets and not untold[PUBLIC]:
        checks.passed(PUBLIC, f"{count(len(b.buckets), 'backup bucket')} blocked from public access")
    return locations


def _copies(bucket: Bucket, own: list[str] | None, account: str) -> list[str] | None:
    """The other accounts its replication rules copy into: a destination with no account stated
    belongs to another account exactly when this account does not list it."""
    if bucket.replicas.value is None:
        return None
    found = set()
    for r in bucket.replicas.value:
        if r.account is not None:
            found.add(r.account)
        elif own is None:
            return None
        elif r.bucket not in own:
            found.add(f"the owner of bucket {r.bucket}")
    return sorted(found - {account})


def _held(bucket: Bucket, min_days: int) -> tuple[bool, str] | None:
    if bucket.lock.trouble is not None:
        return None
    return bucket.lock.value.holds(min_days) if bucket.lock.value is not None else (False, "no Object Lock")


def _vaults(b: Backups, now: dt.datetime, min_days: int, account: str) -> list[Location]:
    """Vaults in use (a plan writes into them, or they hold recovery points) as locations."""
    return [
        Location(
            v.label,
            sorted({a for arn in v.copies_to if (a := account_of(arn) or arn) != account}),
            v.holds(now, min_days),
        )
        for v in b.vaults
        if v.planned or v.points
    ]


def _offsite(
    locations: list[Location], checks: Checks, found: Found, account: str, production: list[str]
) -> None:
    """The weakest location decides; an account the inventory keeps the datasets out of holds
    every one of its locations apart from production."""
    caveat = "whether production can delete those copies, and where they are kept, is not visible from here"
    apart = sum(bool(loc.copies) for loc in locations)
    found.measure(
        "backup locations copying to another account", apart, "count", target=len(locations), bound="min"
    )
    if production and account not in production:
        saw = (
            f"the backups here live apart from production, in AWS account {names(production)} (the inventory)"
        )
        checks.passed(OFFSITE, saw)
        found.verdict("backups.offsite", "separate-account", f"{saw}; {caveat}")
        return
    here = [loc.label for loc in locations if loc.copies == []]
    untold = [loc.label for loc in locations if loc.copies is None]
    if here:
        keeps = "keeps its" if len(here) == 1 else "keep their"
        reason = f"{names(here)} {keeps} copies only in AWS account {account}, where production runs"
        checks.failed(OFFSITE, reason)
        found.verdict("backups.offsite", "same-account", reason)
    elif untold:
        checks.unknown(OFFSITE, f"where {names(untold)} copy to could not be read")
    else:
        into = sorted({a for loc in locations for a in loc.copies or []})
        saw = f"every backup location copies to another account ({names(into)})"
        checks.passed(OFFSITE, saw)
        found.verdict("backups.offsite", "separate-account", f"{saw}; {caveat}")


def _immutable(locations: list[Location], checks: Checks, found: Found) -> None:
    """Write-once per location; unlocked here with copies elsewhere is not judged. A location
    that stands for an inventory backup target is a proof the scenarios take over its claim."""
    held, loose, untold = [], [], []
    for loc in locations:
        if loc.target is not None and loc.held is not None:
            found.prove(loc.target, "write-once", loc.held[0], f"{loc.label}: {loc.held[1]}")
        if loc.held is None:
            untold.append(f"{loc.label}'s lock could not be read")
        elif loc.held[0]:
            held.append(loc.label)
        elif loc.copies:
            untold.append(
                f"{loc.label} has {loc.held[1]}, and its copies' lock in {names(loc.copies)} is not visible"
            )
        else:
            loose.append(f"{loc.label} ({loc.held[1]})")
    found.measure("backup locations write-once", len(held), "count", target=len(locations), bound="min")
    if loose:
        checks.failed(
            IMMUTABLE, f"the production account's credentials can delete the copies in {names(loose)}"
        )
    for why in untold:
        checks.unknown(IMMUTABLE, why)
    if held and not loose and not untold:
        checks.passed(IMMUTABLE, f"every backup location is write-once ({names(held)})")
    if held and loose:
        choice, reason = "some", f"{names(held)} write-once; {names(loose)} not"
    elif loose and not untold:
        choice, reason = "none", f"no backup location seen is write-once: {names(loose)}"
    elif held and not untold:
        choice, reason = "all", f"every backup location seen is write-once: {names(held)}"
    else:
        return
    found.verdict(
        "backups.immutable", choice, reason + "; datasets backed up elsewhere are not seen from here"
    )


def _organisation(b: Backups, checks: Checks, found: Found, account: str, destinations: list[str]) -> None:
    if b.org.trouble is not None:
        checks.unknown(MANAGEMENT, b.org.trouble)
        return
    org = b.org.value
    if org is None:
        checks.seen(MANAGEMENT, "not in an AWS Organization")
        return
    management = org.management == account
    found.measure("management account of its organisation", int(management), "bool", target=0, bound="max")
    members = org.members or {}
    placed = [
        f"{d} (member {members[d]!r})"
        if d in members
        else (f"{d} (the management account)" if d == org.management else d)
        for d in destinations
    ]
    into = f"; backups copy into {names(placed)}" if placed else ""
    if not management:
        checks.seen(
            MANAGEMENT, f"a member account of organisation {org.id}, managed from {org.management}{into}"
        )
        return
    reached = [d for d in destinations if d in members]
    saw = (
        f"this is the management account of organisation {org.id}: no service control policy restricts it, "
        "and by default it can enter the member accounts it created (OrganizationAccountAccessRole)"
    )
    if reached:
        saw += f", the backup {'account' if len(reached) == 1 else 'accounts'} {names(reached)} among them"
    elif placed:
        saw += f"; backups copy into {names(placed)}"
    checks.failed(MANAGEMENT, saw)
