"""The AWS account an attacker would take: root, MFA, standing administrators and old keys, CI
holding long-lived keys, CloudTrail in every region, and where the backups go and whether the
account's own credentials could delete them.

Read only, through boto3 with the standard credential chain or a named profile (never secrets in
devoops.yaml). The target is the account's id, and the credentials must reach that account, so a
wrong profile cannot audit another. Every part is read on its own: a call the credentials may
not make leaves that one check unknown, naming the IAM action, and the rest stands; only
credentials or an endpoint that do not work at all make the probe an ERROR. Parts are read in
parallel daemon threads; a cancelled probe stops before its next call, and no call outlives its
timeout by more than one answer. Credentials, headers and signatures never reach a message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from pydantic import Field, field_validator

from ...backup.location import s3_location
from ...importers.aws_session import Denied, Failed, Session, Settings
from ...model.evidence import Evidence
from ...model.inventory import Kind
from ...model.workload import Workload
from ..base import Context, Decision, Options, Probe
from ..found import Found
from . import admins as aws_admins
from . import backups as aws_backups
from . import buckets as aws_buckets
from . import iam as aws_iam
from . import rds as aws_rds
from . import root as aws_root
from . import trail as aws_trail
from . import vaults as aws_vaults
from .checks import Checks, Got, get, together

ACCOUNT = re.compile(r"^\d{12}$")
REGION = r"^[a-z]{2}(-[a-z]+)+-\d+$"
BUCKET = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
CI = r"(?i)(^|[^a-z0-9])(ci|cd|cicd|deploy|deployer|deployment|github|gitlab|circleci|jenkins|buildkite|travis|bitbucket|pipelines?|actions)([^a-z0-9]|$)"
S3_URL = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])")
WORKERS = 8  # calls under way at once


class AwsAccountOptions(Options):
    profile: str | None = Field(
        default=None,
        min_length=1,
        description="a profile of the AWS config files; default: the standard chain (environment, default "
        "profile, role)",
    )
    regions: list[str] = Field(
        default=[],
        max_length=40,
        description="regions whose CloudTrail, RDS and AWS Backup are read; default: every region enabled "
        "for the account, else the profile's",
    )
    endpoint_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="one endpoint for every service: an emulator or a private endpoint; default: AWS's own",
    )
    backup_buckets: list[str] | None = Field(
        default=None,
        max_length=200,
        description="S3 buckets holding backups; default: those the workload's backups probes and "
        "inventory backup targets name",
    )
    backup_tag: str | None = Field(
        default=None,
        min_length=1,
        description="KEY or KEY=VALUE: the account's buckets carrying this tag hold backups too",
    )
    key_age_days: int = Field(
        default=90, ge=1, le=3650, description="an active access key older than this fails"
    )
    root_quiet_days: int = Field(
        default=30, ge=0, le=3650, description="root used more recently than this many days ago fails"
    )
    min_lock_days: int = Field(
        default=30, ge=1, le=36500, description="the shortest lock retention that counts as write-once"
    )
    ci_pattern: str = Field(
        default=CI,
        min_length=1,
        description="regular expression: a user whose name or tag (key=value) matches is a CI user",
    )
    connect_timeout: float = Field(
        default=10.0, gt=0, le=300, description="seconds to connect and to wait for each answer"
    )

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        wrong = [r for r in value if not re.fullmatch(REGION, r)]
        if wrong:
            raise ValueError(f"not a region name: {', '.join(wrong)} (e.g. eu-west-1)")
        return list(dict.fromkeys(value))

    @field_validator("backup_buckets")
    @classmethod
    def _buckets(cls, value: list[str] | None) -> list[str] | None:
        wrong = [b for b in value or [] if not re.fullmatch(BUCKET, b)]
        if wrong:
            raise ValueError(f"not a bucket name: {', '.join(wrong)}")
        return value

    @field_validator("ci_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


@dataclass(frozen=True)
class Seen:
    """Everything read, each part with the reason it could not be, when it could not."""

    account: str
    regions: list[str]
    regions_trouble: str | None
    iam: aws_iam.Iam
    trails: aws_trail.Trails
    own: Got[list[str]]
    rds: list[aws_rds.Rds]
    rds_troubles: list[str]
    backups: aws_backups.Backups


class AwsAccountProbe(Probe[AwsAccountOptions]):
    """The AWS account an attacker would take: root MFA and keys, console users without MFA, old
    keys, standing administrators, CI keys, CloudTrail in every region, and whether the backups
    leave the account and are write-once."""

    kind: ClassVar[str] = "aws_account"
    decides: ClassVar[Mapping[str, Decision]] = {
        "iam.mfa": Decision("none", "some", "all-humans", when="root and console users"),
        "iam.root-locked": Decision("daily", "shared", "rarely-mfa", when="root's keys and MFA"),
        "iam.least-privilege": Decision("admin-everyone", "broad-roles", when="administrators seen"),
        "ci.credentials-scoped": Decision(
            "admin-long-lived", "scoped-long-lived", when="a CI user holds access keys"
        ),
        "audit.logging": Decision("provider-default", "central", when="CloudTrail in every region"),
        "backups.offsite": Decision("same-account", "separate-account", when="where backup locations copy"),
        "backups.immutable": Decision("none", "some", "all", when="Object Lock and Vault Lock"),
    }
    docs: ClassVar[str] = "docs/probes/aws_account.md"
    default_timeout: ClassVar[float] = 180.0

    @classmethod
    def check(cls, target: str, options: AwsAccountOptions) -> str:
        if not ACCOUNT.fullmatch(target.strip()):
            raise ValueError("give the AWS account's 12-digit id, e.g. 123456789012")
        return target.strip()

    async def collect(self, ctx: Context) -> Evidence:
        o = self.options
        wait = min(o.connect_timeout, ctx.timeout / 3) if ctx.timeout > 0 else o.connect_timeout
        home = o.regions[0] if o.regions else None
        session = Session(Settings(o.profile, home, o.endpoint_url, wait))
        definite, maybe = backup_buckets(ctx.workload, self.target, o.backup_buckets)
        production, places = production_accounts(ctx.workload), backup_targets(ctx.workload, self.target)
        try:
            seen = await ctx.blocking(
                lambda: self._read(session, definite, maybe, production, places), interrupt=session.stop
            )
        except Failed as exc:
            return Found().error(str(exc))
        return self._judge(seen, ctx.now)

    def _read(
        self,
        session: Session,
        definite: dict[str, str],
        maybe: dict[str, str],
        production: list[str],
        places: dict[str, str],
    ) -> Seen:
        o = self.options
        who = session.identity()
        if who.account != self.target:
            raise Failed(
                f"the credentials reach AWS account {who.account}, not the target {self.target}: give the "
                "profile or credentials of the target account"
            )
        regions, regions_trouble = list(o.regions), None
        if not regions:
            try:
                regions = session.regions() or [session.home]
            except Denied as exc:
                regions, regions_trouble = [session.home], f"{exc}: only {session.home} was read"
        own: Got[list[str]]
        org: Got[aws_backups.Organisation | None]
        blocked: Got[bool]
        iam: aws_iam.Iam
        own, org, blocked, iam, *by_region = together(
            [
                partial(get, partial(aws_buckets.owned, session)),
                partial(get, partial(aws_backups.organisation, session, who.account)),
                partial(get, partial(aws_buckets.account_blocked, session, who.account)),
                partial(aws_iam.read, session),
                *(partial(get, partial(aws_rds.read, session, r)) for r in regions),
                *(partial(get, partial(aws_vaults.read, session, r)) for r in regions),
            ],
            WORKERS,
        )
        rds, vaults = by_region[: len(regions)], by_region[len(regions) :]
        asked, troubles = dict(definite), list[str]()
        asked |= {b: why for b, why in maybe.items() if b in (own.value or [])}
        if o.backup_tag is not None and own.value is not None:
            key, _, value = o.backup_tag.partition("=")
            tagged, troubles = aws_buckets.tagged(
                session, own.value, key, value if "=" in o.backup_tag else None
            )
            asked |= {b: f"tagged {o.backup_tag}" for b in tagged if b not in asked}
        mine = [b for b in asked if own.value is None or b in own.value]
        trails: aws_trail.Trails
        buckets: list[aws_buckets.Bucket]
        trails, *buckets = together(
            [
                partial(aws_trail.read, session, regions, own.value),
                *(partial(aws_buckets.read, session, b) for b in mine),
            ],
            WORKERS,
        )
        troubles += [
            f"AWS Backup in {r}: {v.trouble}" for r, v in zip(regions, vaults, strict=True) if v.trouble
        ]
        backups = aws_backups.Backups(
            production,
            own,
            asked,
            buckets,
            troubles,
            blocked,
            [vault for v in vaults for vault in v.value or []],
            org,
            places,
        )
        return Seen(
            who.account,
            regions,
            regions_trouble,
            iam,
            trails,
            own,
            [p.value for p in rds if p.value is not None],
            [f"{r}: {p.trouble}" for r, p in zip(regions, rds, strict=True) if p.trouble],
            backups,
        )

    def _judge(self, seen: Seen, now: dt.datetime) -> Evidence:
        o = self.options
        found = Found()
        checks = Checks(found)
        if seen.regions_trouble:
            checks.unknown("regions", seen.regions_trouble)
        aws_root.judge(seen.iam, checks, found, now, o.root_quiet_days, seen.account)
        aws_admins.judge(seen.iam, checks, found, now, o.key_age_days, o.ci_pattern, seen.account)
        aws_trail.judge(seen.trails, seen.regions, seen.own.value, checks, found, o.min_lock_days)
        aws_rds.judge(seen.rds, seen.rds_troubles, checks, found)
        aws_backups.judge(seen.backups, checks, found, now, o.min_lock_days, seen.account)
        found.table("checks", ["check", "result", "what was seen"], checks.rows)
        found.tables.insert(0, found.tables.pop())
        regions = f"{len(seen.regions)} region{'s' if len(seen.regions) != 1 else ''}"
        return found.evidence(f"AWS account {seen.account} ({regions})")


def backup_buckets(
    workload: Workload, account: str, chosen: list[str] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The backup buckets to judge, each with why: those the option names; else those the
    workload names for certain (a backups probe's `s3://` target, an `s3://NAME` in the
    description of an inventory backup target in this account), and those it may name (such a
    target's id, when the account has a bucket of that name)."""
    if chosen is not None:
        return {b: "the backup_buckets option" for b in chosen}, {}
    definite: dict[str, str] = {}
    for name, config in workload.probes.items():
        if config.type == "backups" and (s3 := s3_location(config.target)) is not None:
            definite.setdefault(s3[0], f"the backups probe {name}")
    maybe: dict[str, str] = {}
    for cid, named in _targets_here(workload, account).items():
        for bucket in named:
            definite.setdefault(bucket, f"inventory component {cid}")
        maybe.setdefault(cid, f"inventory component {cid}")
    return definite, {b: why for b, why in maybe.items() if b not in definite}


def backup_targets(workload: Workload, account: str) -> dict[str, str]:
    """The inventory's backup targets in this account by the bucket each stands for (an
    `s3://NAME` in its description, else its id): what the probe sees of a bucket, the scenarios
    then see of that target."""
    found: dict[str, str] = {}
    for cid, named in _targets_here(workload, account).items():
        for bucket in named or [cid]:
            found.setdefault(bucket, cid)
    return found


def _targets_here(workload: Workload, account: str) -> dict[str, list[str]]:
    """The inventory's backup targets in this AWS account, each with the buckets its description
    names (`s3://NAME`)."""
    inventory = workload.inventory
    if inventory is None:
        return {}
    targets = {b.to for c in inventory.components.values() for b in c.backups}
    return {
        cid: S3_URL.findall(c.description)
        for cid, c in inventory.components.items()
        if (cid in targets or c.kind == Kind.BACKUP_TARGET)
        and inventory.placed(cid).provider == "aws"
        and inventory.placed(cid).account in (None, account)
    }


def production_accounts(workload: Workload) -> list[str]:
    """The AWS accounts where the inventory keeps the datasets (components holding one, backup
    targets aside); [] without an inventory or when none of them names an AWS account."""
    inventory = workload.inventory
    if inventory is None:
        return []
    placed = [
        inventory.placed(cid)
        for cid, c in inventory.components.items()
        if c.datasets and c.kind != Kind.BACKUP_TARGET
    ]
    return sorted({p.account for p in placed if p.provider == "aws" and p.account})
