"""Backups where they are kept: a folder, or S3-compatible storage.

The probe lists the backups matching a pattern, takes the newest by modification time and
holds it to the dataset's RPO; an empty newest backup, or one much smaller than the one before,
fails. It reads the first bytes of the newest backup (a ranged GET on S3) to tell its format:
age, OpenPGP and OpenSSL-salted files are encrypted; pg_dump custom archives, plain SQL dumps and
gzip of either are readable. Where the workload or the options say where the primary database
runs and where the backups live, a backup in the primary's own provider account fails.
boto3 is imported only when an S3 location is probed; credentials come from the environment or
from `${VAR}` options and never reach a message from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field

from ..backup.formats import Format, detect
from ..backup.location import Backup, Location, S3Settings, Unreachable, check_target, newest, open_location
from ..model.evidence import Evidence
from ..model.inventory import Kind
from ..model.targets import DatasetTarget
from .base import Context, Decision, Options, Probe
from .found import Found

ROWS = 20  # table rows kept, newest first
HEAD = 65_536  # bytes read from the start of the newest backup
ACCOUNT = r"^[^/\s]+(/[^/\s]+)?$"
DEFAULT_MAX_AGE_HOURS = 26.0


class S3Options(Options):
    """How to reach S3-compatible storage, for options of probes that read backups there."""

    endpoint_url: str | None = Field(default=None, description="S3-compatible endpoint; default AWS")
    region: str | None = Field(default=None, description="S3 region; default from the environment")
    access_key_id: str | None = Field(default=None, description="S3 key id, e.g. ${BACKUP_KEY_ID}")
    secret_access_key: str | None = Field(default=None, description="S3 secret, e.g. ${BACKUP_SECRET}")
    session_token: str | None = Field(default=None, description="S3 session token, e.g. ${AWS_SESSION_TOKEN}")
    connect_timeout: float = Field(
        default=10.0, gt=0, le=300, description="seconds for S3 to connect and answer each request"
    )

    def s3(self, timeout: float | None = None) -> S3Settings:
        return S3Settings(
            endpoint_url=self.endpoint_url,
            region=self.region,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            session_token=self.session_token,
            timeout=timeout or self.connect_timeout,
        )


class BackupsOptions(S3Options):
    pattern: str = Field(
        default="*",
        min_length=1,
        description="glob of backup names relative to the location: * and ? stay within a folder, **/ "
        "crosses folders",
    )
    dataset: str | None = Field(
        default=None,
        min_length=1,
        description="the workload dataset these backups hold: its RPO bounds the newest backup's age, "
        "its backup policy gives retention and encryption; default: the strictest RPO",
    )
    max_age_hours: float | None = Field(
        default=None,
        gt=0,
        description="oldest acceptable newest backup, in hours; overrides the RPO (default: the "
        f"dataset's RPO, else {DEFAULT_MAX_AGE_HOURS:g})",
    )
    min_size_ratio: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="FAIL when the newest backup is smaller than this share of the previous one",
    )
    require_encryption: bool | None = Field(
        default=None,
        description="FAIL when the newest backup is readable; default: the dataset's backup policy",
    )
    primary: str | None = Field(
        default=None,
        pattern=ACCOUNT,
        description="provider/account of the primary database (aws/123456789012); default: the "
        "inventory component holding the dataset",
    )
    account: str | None = Field(
        default=None,
        pattern=ACCOUNT,
        description="provider/account where these backups live (the bucket's, or the folder's host)",
    )


@dataclass(frozen=True)
class Listing:
    backups: list[Backup]
    head: bytes  # the newest backup's first bytes
    head_error: str | None = None
    at_rest: str | None = None  # the storage's server-side encryption of the newest, when told


class BackupsProbe(Probe[BackupsOptions]):
    """The newest backup in a folder or on S3 against the RPO, its size against the previous
    one, retention kept, encryption read from the file, and whether it lives in the primary
    database's account."""

    kind: ClassVar[str] = "backups"
    decides: ClassVar[Mapping[str, Decision]] = {
        "backups.automated": Decision("none", when="nothing matches"),
        "backups.encrypted": Decision("plaintext", "provider-at-rest", when="the newest is readable"),
        "backups.offsite": Decision(
            "same-account", "separate-account", when="its account against the primary's"
        ),
    }
    docs: ClassVar[str] = "docs/probes/backups.md"
    default_timeout: ClassVar[float] = 60.0

    @classmethod
    def check(cls, target: str, options: BackupsOptions) -> str:
        return check_target(target)

    async def collect(self, ctx: Context) -> Evidence:
        o = self.options
        dataset = ctx.dataset(o.dataset, lambda d: d.rpo_minutes)
        if isinstance(dataset, str):
            return Found().error(dataset)
        wait = min(o.connect_timeout, ctx.timeout / 3) if ctx.timeout > 0 else o.connect_timeout
        location = open_location(self.target, str(ctx.root), o.s3(wait))
        try:
            listing = await ctx.blocking(lambda: _listing(location, o.pattern), interrupt=location.stop)
        except Unreachable as exc:
            return Found().error(str(exc))
        return self._judge(ctx, dataset, listing)

    def _primary(self, ctx: Context, dataset: DatasetTarget | None) -> tuple[str, str] | None:
        """provider/account of the primary database and where that comes from."""
        if self.options.primary is not None:
            return self.options.primary, "the primary option"
        inventory = ctx.workload.inventory
        if inventory is None or dataset is None:
            return None
        holders = [
            cid
            for cid, c in inventory.components.items()
            if dataset.name in c.datasets and c.kind != Kind.BACKUP_TARGET
        ]
        holders.sort(key=lambda cid: inventory.components[cid].kind != Kind.DATABASE)
        if not holders:
            return None
        placed = inventory.placed(holders[0])
        text = placed.provider + (f"/{placed.account}" if placed.account else "")
        return text, f"inventory component {holders[0]}"

    def _judge(self, ctx: Context, dataset: DatasetTarget | None, listing: Listing) -> Evidence:
        o = self.options
        found = Found()
        backups = sorted(listing.backups, key=lambda b: (b.modified, b.name), reverse=True)
        found.measure("backups kept", len(backups), "count", detail=f"matching {o.pattern!r}")
        if not backups:
            reason = f"no backup matching {o.pattern!r} in {self.target}"
            found.verdict("backups.automated", "none", reason)
            found.failed.append(reason)
            return found.evidence()
        newest = backups[0]
        # freshness against the RPO
        if o.max_age_hours is not None:
            limit, source = o.max_age_hours, "max_age_hours"
        elif dataset is not None:
            limit, source = dataset.rpo_minutes / 60, f"RPO of dataset {dataset.name}"
        else:
            limit, source = DEFAULT_MAX_AGE_HOURS, "default max_age_hours"
        age = (ctx.now - newest.modified).total_seconds() / 3600
        found.measure(
            "newest backup age",
            round(age, 2),
            "h",
            target=round(limit, 4),
            bound="max",
            detail=f"{newest.name}; at most the {source}",
        )
        if age > limit:
            found.failed.append(
                f"the newest backup {newest.name} is {_hours(age)} old, older than the {source} ({_hours(limit)})"
            )
        found.said.append(f"newest {newest.name}, {_hours(age)} old")
        # size against the previous one
        found.measure("newest backup size", newest.size, "bytes", detail=newest.name)
        if newest.size == 0:
            found.failed.append(f"the newest backup {newest.name} is empty (0 bytes)")
        elif len(backups) > 1 and backups[1].size > 0:
            previous = backups[1]
            ratio = newest.size / previous.size
            found.measure(
                "size against previous",
                round(ratio, 4),
                "ratio",
                target=o.min_size_ratio,
                bound="min",
                detail=f"{newest.size} bytes against {previous.size} ({previous.name})",
            )
            if ratio < o.min_size_ratio:
                found.failed.append(
                    f"the newest backup {newest.name} is {newest.size} bytes, {ratio:.0%} of the previous "
                    f"({previous.name}, {previous.size} bytes), under {o.min_size_ratio:.0%}"
                )
        # retention kept
        oldest = (ctx.now - backups[-1].modified).total_seconds() / 86_400
        policy = f"the policy keeps {dataset.backup.retention_days} days" if dataset is not None else None
        found.measure("oldest backup age", round(oldest, 2), "days", detail=policy)
        found.said.append(f"{len(backups)} kept over {oldest:.1f} days" + (f" ({policy})" if policy else ""))
        self._encryption(found, newest, listing, dataset)
        self._offsite(ctx, found, dataset)
        rows: list[list[Any]] = [
            [
                b.name,
                b.modified.isoformat(timespec="seconds"),
                round((ctx.now - b.modified).total_seconds() / 3600, 2),
                b.size,
            ]
            for b in backups[:ROWS]
        ]
        title = "backups, newest first" + (
            f" (first {ROWS} of {len(backups)})" if len(backups) > ROWS else ""
        )
        found.table(title, ["name", "modified", "age h", "bytes"], rows)
        return found.evidence()

    def _encryption(
        self, found: Found, newest: Backup, listing: Listing, dataset: DatasetTarget | None
    ) -> None:
        o = self.options
        if o.require_encryption is not None:
            required, why = o.require_encryption, "require_encryption"
        elif dataset is not None:
            required, why = dataset.backup.encrypted, f"the backup policy of dataset {dataset.name}"
        else:
            required, why = False, "no policy"
        if listing.head_error is not None:
            found.measure("encrypted", None, "bool", detail=listing.head_error)
            if required:
                found.unknown.append(
                    f"cannot read {newest.name} to tell its encryption: {listing.head_error}"
                )
            return
        fmt = detect(listing.head) if newest.size else Format("empty", None)
        value = None if fmt.encrypted is None else int(fmt.encrypted)
        found.measure(
            "encrypted",
            value,
            "bool",
            target=1 if required else None,
            bound="min" if required else None,
            detail=f"{fmt.name}" + (f"; storage encryption {listing.at_rest}" if listing.at_rest else ""),
        )
        found.said.append(fmt.name)
        if fmt.encrypted is True:
            return  # whether the key is kept apart is not in the file: the answer stands
        if fmt.encrypted is None:
            if required and newest.size:
                found.unknown.append(
                    f"the format of {newest.name} is {fmt.name}, so whether it is encrypted cannot be told"
                )
            return
        if listing.at_rest:
            found.verdict(
                "backups.encrypted",
                "provider-at-rest",
                f"the newest backup {newest.name} is a readable {fmt.name}, encrypted only by the storage "
                f"({listing.at_rest})",
            )
        else:
            found.verdict(
                "backups.encrypted", "plaintext", f"the newest backup {newest.name} is a readable {fmt.name}"
            )
        if required:
            found.failed.append(
                f"the newest backup {newest.name} is a readable {fmt.name}; {why} asks for encryption"
            )

    def _offsite(self, ctx: Context, found: Found, dataset: DatasetTarget | None) -> None:
        primary = self._primary(ctx, dataset)
        mine = self.options.account
        if primary is None or mine is None:
            missing = " and ".join(
                n
                for n, v in (
                    ("the primary's account (primary)", primary),
                    ("the backups' account (account)", mine),
                )
                if v is None
            )
            found.said.append(f"offsite not judged: {missing} unknown")
            return
        theirs, source = primary
        p_provider, _, p_account = theirs.partition("/")
        b_provider, _, b_account = mine.partition("/")
        same_provider = p_provider.lower() == b_provider.lower()
        found.measure(
            "separate account from primary",
            None
            if same_provider and not (p_account and b_account)
            else int(not same_provider or p_account != b_account),
            "bool",
            target=1,
            bound="min",
            detail=f"backups in {mine}, primary in {theirs} ({source})",
        )
        if same_provider and p_account and b_account and p_account == b_account:
            reason = (
                f"the backups live in {mine}, the same provider account as the primary database ({source})"
            )
            found.verdict("backups.offsite", "same-account", reason)
            found.failed.append(reason)
            found.said.append("same account as the primary")
        elif not same_provider or (p_account and b_account):
            found.verdict(
                "backups.offsite",
                "separate-account",
                f"the backups live in {mine}, apart from the primary database in {theirs} ({source}); "
                "whether production can delete them is not visible from here",
            )
            found.said.append("separate from the primary's account")
        else:
            found.said.append(f"offsite not judged: {theirs} or {mine} names no account")


def _listing(location: Location, pattern: str) -> Listing:
    backups = location.list(pattern)
    last = newest(backups)
    if last is None or last.size == 0:
        return Listing(backups, b"")
    try:
        head, at_rest = location.head(last.name, HEAD)
    except Unreachable as exc:
        return Listing(backups, b"", head_error=str(exc).removeprefix(f"cannot read {last.name}: "))
    return Listing(backups, head, at_rest=at_rest)


def _hours(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.1f} days"
    if hours >= 1:
        return f"{hours:.1f} h"
    return f"{hours * 60:.0f} min"
