"""RDS: whether a database can be deleted with one call, whether it keeps automated backups, and
which manual snapshots are shared with other accounts or the public.

No verdict on `db.drop-table-protection`: every one of its choices is about database roles and
credentials (who can DROP), and deletion protection only stops DeleteDBInstance, so it decides
none of them. It is reported as a measurement and a check of its own. A snapshot shared with
another account stays this account's until that account copies it, so sharing is reported, and
counts as no copy elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...importers.aws_session import Session
from ..found import Found
from .checks import ROWS, Checks, count, names

SNAPSHOTS = 100  # manual snapshots per region whose sharing is read, newest first
DELETION, RETENTION, SHARED = "RDS deletion protection", "RDS automated backups", "RDS snapshots shared"


@dataclass(frozen=True)
class Database:
    name: str
    region: str
    cluster: bool
    deletion_protection: bool
    retention_days: int


@dataclass(frozen=True)
class Snapshot:
    name: str
    region: str
    shared_with: list[str]  # account ids, or "all" for the public


@dataclass(frozen=True)
class Rds:
    databases: list[Database]
    shared: list[Snapshot]
    read: int  # manual snapshots whose sharing was read
    unread: int  # manual snapshots beyond SNAPSHOTS, not read


def read(session: Session, region: str) -> Rds:
    """The region's clusters, the instances outside them, and its manual snapshots' sharing."""
    databases = [
        Database(
            str(c["DBClusterIdentifier"]),
            region,
            True,
            c.get("DeletionProtection") is True,
            int(c.get("BackupRetentionPeriod") or 0),
        )
        for c in session.pages("rds", "describe_db_clusters", "DBClusters", region=region) or []
    ]
    databases += [
        Database(
            str(d["DBInstanceIdentifier"]),
            region,
            False,
            d.get("DeletionProtection") is True,
            int(d.get("BackupRetentionPeriod") or 0),
        )
        for d in session.pages("rds", "describe_db_instances", "DBInstances", region=region) or []
        if not d.get("DBClusterIdentifier")  # its cluster's settings are the ones that hold
    ]
    manual = (
        session.pages("rds", "describe_db_snapshots", "DBSnapshots", region=region, SnapshotType="manual")
        or []
    )
    manual.sort(key=lambda s: str(s.get("SnapshotCreateTime", "")), reverse=True)
    shared = []
    for s in manual[:SNAPSHOTS]:
        got = session.call(
            "rds",
            "describe_db_snapshot_attributes",
            region=region,
            DBSnapshotIdentifier=s["DBSnapshotIdentifier"],
        )
        attributes = got.get("DBSnapshotAttributesResult", {}).get("DBSnapshotAttributes", [])
        accounts = [
            str(v)
            for a in attributes
            if a.get("AttributeName") == "restore"
            for v in a.get("AttributeValues", [])
        ]
        if accounts:
            shared.append(Snapshot(str(s["DBSnapshotIdentifier"]), region, sorted(accounts)))
    return Rds(databases, shared, min(len(manual), SNAPSHOTS), max(0, len(manual) - SNAPSHOTS))


def judge(parts: list[Rds], troubles: list[str], checks: Checks, found: Found) -> None:
    for why in troubles:
        for check in (DELETION, RETENTION, SHARED):
            checks.unknown(check, why)
    databases = [d for p in parts for d in p.databases]
    if databases:
        found.table(
            "RDS databases",
            ["database", "region", "deletion protection", "backup retention days"],
            [
                [
                    f"{d.name}{' (cluster)' if d.cluster else ''}",
                    d.region,
                    "on" if d.deletion_protection else "off",
                    d.retention_days,
                ]
                for d in databases[:ROWS]
            ],
        )
    exposed = [d.name for d in databases if not d.deletion_protection]
    found.measure(
        "RDS databases without deletion protection",
        None if troubles and not databases else len(exposed),
        "count",
        target=0,
        bound="max",
        detail="stops DeleteDBInstance, not a DROP TABLE: db.drop-table-protection is left to the answer",
    )
    if exposed:
        checks.failed(DELETION, f"{names(exposed)} can be deleted with one call: deletion protection is off")
    elif databases:
        checks.passed(DELETION, f"{count(len(databases), 'RDS database')} with deletion protection")
    unbacked = [d.name for d in databases if d.retention_days == 0]
    if unbacked:
        keeps = "keeps" if len(unbacked) == 1 else "keep"
        checks.failed(RETENTION, f"{names(unbacked)} {keeps} no automated backups (retention 0 days)")
    elif databases:
        shortest = min(d.retention_days for d in databases)
        checks.passed(RETENTION, f"every RDS database keeps automated backups ({shortest} days or more)")
    if databases:
        found.measure("shortest RDS backup retention", min(d.retention_days for d in databases), "days")
    shared = [s for p in parts for s in p.shared]
    public = [f"{s.name} ({s.region})" for s in shared if "all" in s.shared_with]
    private = [f"{s.name} with {', '.join(s.shared_with)}" for s in shared if "all" not in s.shared_with]
    if public:
        checks.failed(SHARED, f"manual snapshot {names(public)} can be restored by anyone: it is public")
    elif (read := sum(p.read for p in parts)) and not troubles:
        checks.passed(SHARED, f"no manual snapshot is public ({count(read, 'manual snapshot')} read)")
    if private:
        checks.seen(
            SHARED,
            f"manual snapshot {names(private)} shared: it stays this account's, and goes with it, until the other "
            "account copies it",
        )
    cut = sum(p.unread for p in parts)
    if cut:
        checks.unknown(
            SHARED, f"{cut} older manual snapshots beyond the newest {SNAPSHOTS} a region were not read"
        )
