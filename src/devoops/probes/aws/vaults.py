"""AWS Backup as the probe reads it: the vaults of a region with their Vault Lock, and where the
backup plans that fill each vault copy its recovery points (a copy action names the destination
vault's ARN, and with it the destination's account)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...importers.aws_session import Session


@dataclass(frozen=True)
class Vault:
    name: str
    region: str
    points: int  # recovery points held
    planned: bool  # a backup plan's rule writes into it
    locked: bool
    min_days: float | None  # the lock's minimum retention
    lock_date: dt.datetime | None  # when a compliance-mode lock became, or becomes, immutable
    copies_to: list[str]  # destination vault ARNs of the copy actions of the rules writing into it

    @property
    def label(self) -> str:
        return f"vault {self.name} ({self.region})"

    def holds(self, now: dt.datetime, min_days: int) -> tuple[bool, str]:
        """Whether no credential can delete a recovery point early, with what was seen."""
        if not self.locked:
            return False, "no Vault Lock"
        if self.lock_date is None:
            return (
                False,
                "Vault Lock in governance mode: a credential allowed to remove it deletes points early",
            )
        if self.lock_date > now:
            return (
                False,
                f"Vault Lock in compliance mode only from {self.lock_date:%Y-%m-%d}: until then it can be removed",
            )
        said = f"Vault Lock in compliance mode, minimum retention {self.min_days or 0:g} days"
        if (self.min_days or 0) < min_days:
            return False, f"{said}, under {min_days} days"
        return True, said


def read(session: Session, region: str) -> list[Vault]:
    """The region's vaults, each with the copy destinations of the plans writing into it."""
    copies: dict[str, list[str]] = {}
    for plan in session.pages("backup", "list_backup_plans", "BackupPlansList", region=region) or []:
        got = session.call("backup", "get_backup_plan", region=region, BackupPlanId=plan["BackupPlanId"])
        for rule in got.get("BackupPlan", {}).get("Rules", []):
            destinations = copies.setdefault(str(rule.get("TargetBackupVaultName", "")), [])
            destinations += [str(c["DestinationBackupVaultArn"]) for c in rule.get("CopyActions", [])]
    vaults = []
    for v in session.pages("backup", "list_backup_vaults", "BackupVaultList", region=region) or []:
        name = str(v["BackupVaultName"])
        lock_date = v.get("LockDate")
        vaults.append(
            Vault(
                name=name,
                region=region,
                points=int(v.get("NumberOfRecoveryPoints") or 0),
                planned=name in copies,
                locked=v.get("Locked") is True,
                min_days=v.get("MinRetentionDays"),
                lock_date=lock_date.astimezone(dt.UTC) if isinstance(lock_date, dt.datetime) else None,
                copies_to=sorted(set(copies.get(name, []))),
            )
        )
    return vaults


def account_of(arn: str) -> str | None:
    """The account of an ARN (arn:partition:service:region:account:…)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None
