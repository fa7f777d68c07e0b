"""S3 buckets as the probe reads them: the account's own bucket names, which of them carry the
backup tag, and for each bucket asked about its versioning, Object Lock, replication and public
access block, each read on its own so that one denied call leaves one property unknown.

A bucket name is unique within a partition, so a bucket the account does not list belongs to
another account: that is how a replication destination or a trail's bucket without a stated
account is placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from ...importers.aws_session import Session
from .checks import Got, get

TAGGED = 1000  # buckets whose tags are read at most, when looking for the backup tag
PUBLIC = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
YEAR = 365


@dataclass(frozen=True)
class Lock:
    """A bucket's Object Lock: its default retention's mode and length, when it has one."""

    mode: str | None  # GOVERNANCE, COMPLIANCE, or None without a default retention
    days: float | None

    def holds(self, min_days: int) -> tuple[bool, str]:
        """Whether no credential can delete a copy early, with what was seen."""
        if self.mode is None or self.days is None:
            return False, "Object Lock without a default retention: only copies written with one are locked"
        said = f"Object Lock in {self.mode.lower()} mode for {self.days:g} days"
        if self.mode != "COMPLIANCE":
            return False, f"{said}: a credential allowed s3:BypassGovernanceRetention deletes copies early"
        if self.days < min_days:
            return False, f"{said}, under {min_days} days"
        return True, said


@dataclass(frozen=True)
class Replica:
    bucket: str
    account: str | None  # as the rule states it (the destination's owner), else None


@dataclass(frozen=True)
class Bucket:
    name: str
    versioning: Got[str]  # Enabled, Suspended, or "" when never turned on
    lock: Got[Lock | None]
    replicas: Got[list[Replica]]  # the enabled rules' destinations
    public_blocked: Got[bool]  # every public access setting blocked on the bucket itself


def owned(session: Session) -> list[str]:
    return [str(b["Name"]) for b in session.pages("s3", "list_buckets", "Buckets") or []]


def tagged(session: Session, names: list[str], key: str, value: str | None) -> tuple[list[str], list[str]]:
    """The buckets carrying the tag (and value, when given), and the reasons some could not be read."""
    found, troubles = [], []
    for name in names[:TAGGED]:
        got = get(partial(session.call, "s3", "get_bucket_tagging", Bucket=name, absent=("NoSuchTagSet",)))
        if got.trouble:
            troubles.append(f"{name}: {got.trouble}")
            continue
        tags = {t["Key"]: t.get("Value", "") for t in (got.value or {}).get("TagSet", [])}
        if key in tags and (value is None or tags[key] == value):
            found.append(name)
    if len(names) > TAGGED:
        troubles.append(f"only the first {TAGGED} of {len(names)} buckets' tags were read")
    return found, troubles


def read(session: Session, name: str) -> Bucket:
    return Bucket(
        name,
        versioning=get(
            lambda: str(session.call("s3", "get_bucket_versioning", Bucket=name).get("Status", ""))
        ),
        lock=get(lambda: lock(session, name)),
        replicas=get(lambda: _replicas(session, name)),
        public_blocked=get(
            lambda: _blocked(session.call("s3", "get_public_access_block", Bucket=name, absent=_NO_BLOCK))
        ),
    )


def lock(session: Session, name: str) -> Lock | None:
    """The bucket's Object Lock, or None when it has none."""
    got = session.call(
        "s3", "get_object_lock_configuration", Bucket=name, absent=("ObjectLockConfigurationNotFoundError",)
    )
    config = (got or {}).get("ObjectLockConfiguration", {})
    if config.get("ObjectLockEnabled") != "Enabled":
        return None
    retention = config.get("Rule", {}).get("DefaultRetention", {})
    span = (retention.get("Days") or 0) + (retention.get("Years") or 0) * YEAR
    return Lock(retention.get("Mode"), span or None)


def account_blocked(session: Session, account: str) -> bool:
    """Every public access setting blocked for the whole account."""
    return _blocked(session.call("s3control", "get_public_access_block", AccountId=account, absent=_NO_BLOCK))


_NO_BLOCK = ("NoSuchPublicAccessBlockConfiguration",)


def _blocked(got: dict[str, object] | None) -> bool:
    config = (got or {}).get("PublicAccessBlockConfiguration", {})
    return isinstance(config, dict) and all(config.get(k) is True for k in PUBLIC)


def _replicas(session: Session, name: str) -> list[Replica]:
    got = session.call(
        "s3", "get_bucket_replication", Bucket=name, absent=("ReplicationConfigurationNotFoundError",)
    )
    rules = (got or {}).get("ReplicationConfiguration", {}).get("Rules", [])
    return [
        Replica(str(r["Destination"]["Bucket"]).rsplit(":", 1)[-1], r["Destination"].get("Account"))
        for r in rules
        if r.get("Status") == "Enabled" and r.get("Destination", {}).get("Bucket")
    ]
