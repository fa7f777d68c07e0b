"""The restore drill as a probe: restore the newest backup into a scratch database, check its
rows and the user's assertions, and hold the time it took to the dataset's RTO.

A drill writes (into a database it creates and drops), so it runs only by name:
`devoops drill restore devoops.yaml [--probe NAME]`. The blocking drill lives in
devoops.drill.restore; this module turns its result into evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field, field_validator

from ..backup.location import check_target, open_location
from ..model.evidence import Evidence, Status
from ..model.targets import DatasetTarget
from .backups import S3Options
from .base import Context, Decision, Options, Probe
from .found import Found

MARGIN = 30.0  # at most this many seconds of the timeout are kept to stop and drop
MARGIN_SHARE = 0.2  # nor more than this share of it


class AssertionOption(Options):
    name: str = Field(min_length=1, description="what the assertion checks, shown in the report")
    sql: str = Field(min_length=1, description="a query whose one row's first column must be true")


class RestoreDrillOptions(S3Options):
    server: str = Field(
        description="libpq connection string or URL of a maintenance database on the server to restore "
        "into, as a role with CREATEDB and CREATEROLE, e.g. ${DRILL_DATABASE_URL}"
    )
    pattern: str = Field(
        default="*",
        min_length=1,
        description="glob of backup names relative to the location; manifests (*.manifest.json) and "
        ".partial files are never taken",
    )
    dataset: str | None = Field(
        default=None,
        min_length=1,
        description="the dataset whose RTO the restore time is held to; default: the strictest RTO",
    )
    rto_minutes: float | None = Field(
        default=None, gt=0, description="the restore time allowed, in minutes; overrides the dataset's RTO"
    )
    passphrase: str | None = Field(
        default=None, description="passphrase of age or OpenPGP backups, e.g. ${BACKUP_PASSPHRASE}"
    )
    identities: str | list[str] | None = Field(
        default=None, description="age identity lines (AGE-SECRET-KEY-1…), e.g. ${AGE_IDENTITY}"
    )
    identity_file: str | None = Field(
        default=None, min_length=1, description="a file of age identities, relative to devoops.yaml"
    )
    source: str | None = Field(
        default=None,
        description="connection string of the live database, to compare row counts with when no "
        "manifest is beside the backup (read only)",
    )
    assertions: list[AssertionOption] = Field(
        default_factory=list,
        description="queries run in the restored database: each must return one row whose first column "
        "is true",
    )
    pg_bin: str | None = Field(
        default=None, min_length=1, description="folder of pg_restore and psql; default: PG_BIN, the PATH"
    )
    connect_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="seconds for the servers and S3 to connect and for S3 to answer each request",
    )

    @field_validator("server", "source")
    @classmethod
    def _conninfo(cls, value: str | None) -> str | None:
        from ..backup import pgclient

        return None if value is None else pgclient.checked(value)


class RestoreDrillProbe(Probe[RestoreDrillOptions]):
    """A drill: restores the newest backup into a scratch database devoops creates and drops,
    checks it against its manifest or the live source and your SQL assertions, and times it
    against the RTO."""

    kind: ClassVar[str] = "restore_drill"
    decides: ClassVar[Mapping[str, Decision]] = {
        "backups.restore-drilled": Decision(
            "never", "automated", when="the newest backup does not restore, or restores and verifies"
        ),
    }
    docs: ClassVar[str] = "docs/probes/restore_drill.md"
    default_timeout: ClassVar[float] = 3600.0
    drill: ClassVar[bool] = True
    carry_days: ClassVar[float | None] = 7.0  # backups.restore-drilled asks for a restore each week

    @classmethod
    def check(cls, target: str, options: RestoreDrillOptions) -> str:
        return check_target(target)

    async def collect(self, ctx: Context) -> Evidence:
        from ..backup.stream import Keys
        from ..drill.restore import Assertion, Drill, Settings

        o = self.options
        dataset = ctx.dataset(o.dataset, lambda d: d.rto_minutes)
        if isinstance(dataset, str):
            return Found().error(dataset)
        identities = [o.identities] if isinstance(o.identities, str) else list(o.identities or [])
        if o.identity_file is not None:
            try:
                with open(ctx.path(o.identity_file), encoding="utf-8") as f:
                    identities.append(f.read())
            except OSError as exc:
                return Found().error(f"cannot read identity_file {o.identity_file}: {exc.strerror or exc}")
        lines = tuple(line for text in identities for line in text.splitlines())
        timeout = ctx.timeout if ctx.timeout > 0 else self.default_timeout
        margin = min(MARGIN, MARGIN_SHARE * timeout)
        deadline = timeout - margin
        wait = min(o.connect_timeout, deadline / 3)
        settings = Settings(
            location=open_location(self.target, str(ctx.root), o.s3(wait)),
            server=o.server,
            pattern=o.pattern,
            keys=Keys(passphrase=o.passphrase, identities=lines),
            source=o.source,
            assertions=tuple(Assertion(a.name, a.sql) for a in o.assertions),
            pg_bin=o.pg_bin,
            connect_timeout=wait,
            secrets=tuple(x for x in (o.secret_access_key, o.session_token, *lines) if x),
        )
        drill = Drill(settings, ctx.now)
        result = await ctx.blocking(
            lambda: drill.run(deadline), lambda: drill.interrupt("cancelled"), grace=margin
        )
        return _judge(ctx, result, dataset, o.rto_minutes)


def _judge(ctx: Context, r: Any, dataset: DatasetTarget | None, rto_minutes: float | None) -> Evidence:
    found = Found()
    backup = r.backup
    if backup is not None:
        found.measure("backup size", backup.size, "bytes", detail=backup.name)
        made = r.manifest.created_at if r.manifest is not None else backup.modified
        found.measure(
            "backup age",
            round((ctx.now - made).total_seconds() / 3600, 2),
            "h",
            detail=f"{backup.name}; from the manifest's snapshot time"
            if r.manifest is not None
            else f"{backup.name}; from its modification time",
        )
    if r.layers:
        found.measure("layers", len(r.layers), "count", detail=" > ".join(r.layers))
    if r.error is not None:
        return _done(found, r, error=r.error)
    assert backup is not None
    if r.broken is not None:
        reason = f"the newest backup {backup.name} does not restore: {r.broken}"
        found.verdict("backups.restore-drilled", "never", reason)
        found.failed.append(reason)
        return _done(found, r)
    if rto_minutes is not None:
        rto, source = rto_minutes, "rto_minutes"
    elif dataset is not None:
        rto, source = dataset.rto_minutes, f"RTO of dataset {dataset.name}"
    else:
        rto, source = None, None
    seconds = r.restore_seconds or 0.0
    found.measure(
        "restore time",
        round(seconds, 3),
        "s",
        target=None if rto is None else round(rto * 60, 3),
        bound=None if rto is None else "max",
        detail=f"fetch, decrypt, decompress and restore of {backup.name} into a scratch database"
        + (f"; at most the {source}" if source else ""),
    )
    found.measure("verification time", round(r.verify_seconds or 0.0, 3), "s")
    found.measure("bytes read", r.bytes_read, "bytes")
    if seconds > 0:
        found.measure("throughput", round(r.bytes_read / seconds / 1e6, 3), "MB/s")
    found.measure("tables", len([c for c in r.counts if c.rows is not None]), "count")
    found.measure("rows", sum(c.rows or 0 for c in r.counts), "count")
    found.table(
        f"row counts, restored against {r.compared_with}" if r.compared_with else "row counts restored",
        ["schema", "table", "restored", "expected", "status"],
        [[c.schema, c.table, c.rows, c.expected, c.status] for c in r.counts],
    )
    if r.assertions:
        found.table(
            "assertions",
            ["assertion", "status", "result"],
            [[name, "PASS" if ok else "FAIL", said] for name, ok, said in r.assertions],
        )
    failed = list(r.mismatches) + [f"assertion {name!r} {said}" for name, ok, said in r.assertions if not ok]
    checks = (
        f"row counts equal to {r.compared_with}"
        if r.compared_with and r.compared_with.startswith("the manifest")
        else f"row counts checked against {r.compared_with}"
        if r.compared_with
        else "row counts not compared (no manifest beside the backup, no source given)"
    )
    if r.assertions:
        checks += f", {sum(ok for _, ok, _ in r.assertions)} of {len(r.assertions)} assertions true"
    if failed:
        reason = f"the newest backup {backup.name} restores but does not verify: " + "; ".join(failed)
        found.verdict("backups.restore-drilled", "never", reason)
        found.failed.append(reason)
        return _done(found, r)
    found.verdict(
        "backups.restore-drilled",
        "automated",
        f"{backup.name} restored into a scratch database in {seconds:.1f} s, {checks}",
    )
    found.said.append(f"{backup.name} restored in {seconds:.1f} s; {checks}")
    if rto is not None and seconds > rto * 60:
        found.failed.append(
            f"the restore of {backup.name} took {seconds:.1f} s, longer than the {source} ({rto * 60:g} s)"
        )
    return _done(found, r)


def _done(found: Found, r: Any, error: str | None = None) -> Evidence:
    """The drill's status: ERROR with its cause, FAIL with what failed, else PASS with what was
    said; notes on leftovers of earlier drills follow either way."""
    notes = list(r.notes)
    if r.leftovers:
        notes.append(
            f"{len(r.leftovers)} drill databases left by earlier interrupted drills: {', '.join(r.leftovers)}"
        )
    if r.leftover_roles:
        notes.append(
            f"{len(r.leftover_roles)} drill roles left by earlier interrupted drills: {', '.join(r.leftover_roles)}"
        )
    if error is not None:
        status, summary = Status.ERROR, error
    elif found.failed:
        status, summary = Status.FAIL, " ".join(f"{f.rstrip('.')}." for f in found.failed)
    else:
        status, summary = Status.PASS, "; ".join(found.said)
    if notes:
        summary += " Note: " + " ".join(f"{n.rstrip('.')}." for n in notes)
    return found.error(summary) if status == Status.ERROR else found.concluded(status, summary)
