"""Which of devoops's own backups to delete after a new one is made.

Only names devoops writes for this database count (`<database>-<UTC stamp>.dump.zst.age`),
and of those only the ones whose manifest names the same database of the same cluster (its
system identifier): two servers each with a database `app`, or databases `shop db` and
`shop_db` (one file name), may share a location without pruning each other's backups. A backup
whose manifest cannot be read is never pruned. Anything else in the location is never touched.
A backup's time is the stamp in its name, the moment its snapshot was taken, not the storage's
modification time, which a copy or a slow upload changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .manifest import Manifest

SUFFIX = ".dump.zst.age"
STAMP = "%Y%m%dT%H%M%SZ"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def file_stem(database: str) -> str:
    """The database's name as it starts a backup's file name: one path segment, no spaces."""
    return _UNSAFE.sub("_", database).lstrip(".") or "_"


def backup_name(database: str, taken: dt.datetime) -> str:
    return f"{file_stem(database)}-{taken.astimezone(dt.UTC).strftime(STAMP)}{SUFFIX}"


def taken_at(database: str, name: str) -> dt.datetime | None:
    """When the backup `name` was taken, or None when it is not one of this database's."""
    found = re.fullmatch(re.escape(file_stem(database)) + r"-(\d{8}T\d{6}Z)" + re.escape(SUFFIX), name)
    if found is None:
        return None
    try:
        return dt.datetime.strptime(found.group(1), STAMP).replace(tzinfo=dt.UTC)
    except ValueError:  # digits in the right places, but no such date
        return None


def same_source(
    manifests: Mapping[str, Manifest | None], database: str, system_identifier: str
) -> tuple[list[str], list[str]]:
    """(the backups whose manifest says they are `database` of the cluster `system_identifier`,
    the backups that cannot be told: no readable manifest, or one of this database naming no
    cluster), each sorted. A manifest naming another database, cluster or file claims nothing."""
    ours, unverified = [], []
    for name, manifest in manifests.items():
        if manifest is None or (manifest.database == database and manifest.system_identifier is None):
            unverified.append(name)
        elif (
            manifest.system_identifier == system_identifier
            and manifest.database == database
            and manifest.backup == name
        ):
            ours.append(name)
    return sorted(ours), sorted(unverified)


@dataclass(frozen=True)
class Policy:
    keep: int = 7  # the newest this many stay
    keep_days: float | None = None  # and only while younger than this

    def __post_init__(self) -> None:
        if self.keep < 1:
            raise ValueError("--keep must be at least 1: the backup just made is always kept")
        if self.keep_days is not None and not self.keep_days > 0:
            raise ValueError("--keep-days must be more than 0")


def prune(names: list[str], database: str, policy: Policy, now: dt.datetime, made: str) -> list[str]:
    """The names to delete, oldest first: this database's backups beyond the newest `keep`, and
    those older than `keep_days`; never `made`, never a name devoops did not write."""
    ours = sorted(
        ((stamp, name) for name in set(names) if (stamp := taken_at(database, name)) is not None),
        reverse=True,
    )
    cutoff = None if policy.keep_days is None else now - dt.timedelta(days=policy.keep_days)
    doomed = [
        name
        for rank, (stamp, name) in enumerate(ours)
        if name != made and (rank >= policy.keep or (cutoff is not None and stamp < cutoff))
    ]
    return sorted(doomed, key=lambda n: (taken_at(database, n), n))
