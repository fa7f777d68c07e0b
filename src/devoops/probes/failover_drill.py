"""The failover drill as a probe kind: writes through the application's connection string while a
command fails the primary over, held against the dataset's RTO and RPO.

Downtime is held against the RTO (or max_downtime_seconds). An acknowledged write the new
primary lacks is data lost: with an RPO of 0 (or no dataset) none may be lost; otherwise the
seconds of writes lost are held against the RPO. max_lost_rows, when given, bounds the count too.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ..backup.pgclient import checked, describe
from ..drill.failover import Broken, Drill, Outcome, Plan
from ..model.evidence import Evidence, Measurement, Status, Table, Verdict
from ..model.targets import DatasetTarget
from .base import Context, Options, Probe

PRACTICE = "db.failover-drilled"
ROWS = 20  # lost rows listed


class FailoverDrillOptions(Options):
    command: str = Field(
        min_length=1,
        description="the failover, run with /bin/sh -c: e.g. patronictl switchover --force, aws rds "
        "reboot-db-instance --force-failover ..., pg_ctl promote -D ...",
    )
    admin: str | None = Field(
        default=None,
        description="connection string of a role with CREATEDB on the primary, to create and drop the "
        "drill database; default: the target",
    )
    replicas: list[str] = Field(
        default=[], description="connection strings of replicas expected to follow the new primary"
    )
    dataset: str | None = Field(
        default=None,
        min_length=1,
        description="the workload dataset whose RTO and RPO the figures are held to; default: the strictest",
    )
    warmup_seconds: float = Field(
        default=3.0, gt=0, le=600, description="seconds of writes before the command"
    )
    settle_seconds: float = Field(
        default=5.0, gt=0, le=600, description="writes must keep succeeding this long after they resume"
    )
    write_interval_ms: float = Field(default=10.0, ge=0, le=10_000, description="pause between writes, in ms")
    connect_timeout: float = Field(
        default=3.0, gt=0, le=120, description="seconds to connect to each host of a connection string"
    )
    write_timeout: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="seconds a write may wait for its acknowledgement before it is cut (counted in doubt) "
        "and the writer reconnects",
    )
    command_timeout: float = Field(
        default=120.0, gt=0, le=3600, description="seconds the command may take before it is killed"
    )
    follow_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="seconds replicas get to hold the last acknowledged write"
    )
    max_downtime_seconds: float | None = Field(
        default=None, gt=0, description="longest acceptable write downtime; default: the dataset's RTO"
    )
    max_lost_rows: int | None = Field(
        default=None,
        ge=0,
        description="most acknowledged rows that may be lost; default: 0 when the RPO is 0 or no dataset, "
        "else the lost seconds are held to the RPO",
    )


class FailoverDrillProbe(Probe[FailoverDrillOptions]):
    """Fail the primary over while writing, and measure downtime, rows lost and replicas following."""

    kind: ClassVar[str] = "failover_drill"
    Options: ClassVar[type[FailoverDrillOptions]] = FailoverDrillOptions
    default_timeout: ClassVar[float] = 300.0
    drill: ClassVar[bool] = True
    carry_days: ClassVar[float | None] = 92.0  # db.failover-drilled asks for a drill each quarter
    summary: ClassVar[str] = (
        "numbered writes through the application's connection string while a command fails the primary "
        "over: write downtime against the RTO, acknowledged rows lost against the RPO, replicas following"
    )

    @classmethod
    def check_target(cls, target: str) -> str:
        return checked(target)

    async def collect(self, ctx: Context) -> Evidence:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return Evidence(
                status=Status.ERROR,
                summary="the failover drill needs psycopg 3: pip install 'devoops[postgres]'",
            )
        o = self.options
        dataset = ctx.dataset(o.dataset, lambda d: d.rpo_minutes)
        if isinstance(dataset, str):
            return Evidence(status=Status.ERROR, summary=dataset)
        plan = Plan(
            target=self.target,
            command=o.command,
            admin=o.admin,
            replicas=tuple(o.replicas),
            warmup=o.warmup_seconds,
            settle=o.settle_seconds,
            interval=o.write_interval_ms / 1000,
            connect_timeout=o.connect_timeout,
            write_timeout=o.write_timeout,
            command_timeout=o.command_timeout,
            follow=o.follow_seconds,
            budget=(ctx.timeout or self.default_timeout) - 1,
        )
        try:
            drill = Drill(plan, ctx.now)
            outcome = await ctx.blocking(drill.run, drill.interrupt, grace=drill.cleanup_seconds())
        except Broken as exc:
            return Evidence(status=Status.ERROR, summary=str(exc))
        return self._judge(outcome, dataset)

    def _judge(self, out: Outcome, dataset: DatasetTarget | None) -> Evidence:
        o = self.options
        failed: list[str] = []
        said: list[str] = []
        m: list[Measurement] = []
        verdicts: list[Verdict] = []
        if o.max_downtime_seconds is not None:
            down_limit, down_source = o.max_downtime_seconds, "max_downtime_seconds"
        elif dataset is not None:
            down_limit, down_source = dataset.rto_minutes * 60, f"RTO of dataset {dataset.name}"
        else:
            down_limit, down_source = None, None
        rpo = dataset.rpo_minutes * 60 if dataset is not None else None
        if o.max_lost_rows is not None:
            row_limit: int | None = o.max_lost_rows
            row_source = "max_lost_rows"
        elif rpo is None or rpo == 0:
            row_limit = 0
            row_source = (
                "RPO 0 of dataset " + dataset.name if dataset is not None else "no dataset: none may be lost"
            )
        else:
            row_limit, row_source = None, None
        cmd = out.command
        assert cmd is not None
        m.append(
            Measurement(
                name="failover command",
                value=round(cmd.seconds, 3),
                unit="s",
                detail=(f"exit {cmd.exit_code}" if cmd.exit_code is not None else "killed at its timeout")
                + (f": {cmd.output}" if cmd.output and cmd.exit_code != 0 else ""),
            )
        )
        if cmd.exit_code != 0:
            what = (
                f"exited {cmd.exit_code}"
                if cmd.exit_code is not None
                else f"did not finish within {o.command_timeout:g} s"
            )
            failed.append(f"the failover command {what}" + (f" ({cmd.output})" if cmd.output else ""))
        m.append(
            Measurement(
                name="write downtime",
                value=None if out.downtime is None else round(out.downtime, 3),
                unit="s",
                target=down_limit,
                bound="max" if down_limit is not None else None,
                detail="longest gap between acknowledged writes from the command's start"
                + (f"; at most the {down_source}" if down_source else ""),
            )
        )
        moved = (
            f"{out.before} -> {out.after}"
            if out.after and out.after != out.before
            else f"{out.before}, unchanged"
        )
        failed_over = out.failed_over
        if failed_over is False:
            failed.append(
                "the command returned but no failover was observed (same primary, same timeline: "
                f"{out.primary_after})"
            )
        elif out.primary_before is not None and out.primary_after is not None:
            said.append(f"primary {out.primary_before} -> {out.primary_after}")
        if out.resumed:
            said.append(f"writes resumed after {out.downtime:.2f} s ({moved})")
            if down_limit is not None and out.downtime is not None and out.downtime > down_limit:
                failed.append(
                    f"writes stopped for {out.downtime:.2f} s, longer than the {down_source} ({down_limit:g} s)"
                )
        else:
            failed.append(
                f"writes did not resume within the drill's time (down {out.downtime or 0:.1f} s, last on {out.before})"
            )
        m.append(Measurement(name="acknowledged writes", value=out.acknowledged, unit="count"))
        if out.checked:
            m.append(
                Measurement(
                    name="acknowledged rows lost",
                    value=len(out.lost),
                    unit="count",
                    target=row_limit,
                    bound="max" if row_limit is not None else None,
                    detail=f"acknowledged, then missing on the new primary; {row_source or 'seconds held to the RPO'}",
                )
            )
            m.append(
                Measurement(
                    name="data loss window",
                    value=round(out.lost_window or 0.0, 3),
                    unit="s",
                    target=rpo if rpo else None,
                    bound="max" if rpo else None,
                    detail="from the last write kept before the loss to the last write lost"
                    + (f"; at most the RPO of dataset {dataset.name}" if rpo and dataset else ""),
                )
            )
            m.append(
                Measurement(
                    name="writes in doubt",
                    value=len(out.doubt_present) + len(out.doubt_missing),
                    unit="count",
                    detail=f"commit errored or cut after write_timeout ({out.cut} cut): "
                    f"{len(out.doubt_present)} present on the new primary, {len(out.doubt_missing)} missing",
                )
            )
            if out.lost:
                said.append(
                    f"{len(out.lost)} acknowledged rows lost ({out.lost_window or 0:.2f} s of writes)"
                )
                if row_limit is not None and len(out.lost) > row_limit:
                    failed.append(
                        f"{len(out.lost)} acknowledged rows are missing on the new primary "
                        f"(seq {_span(out.lost)}), more than {row_limit} ({row_source})"
                    )
                if rpo and dataset is not None and (out.lost_window or 0) > rpo:
                    failed.append(
                        f"{out.lost_window:.2f} s of acknowledged writes lost, more than the RPO of dataset "
                        f"{dataset.name} ({rpo:g} s)"
                    )
            else:
                said.append("no acknowledged row lost")
        elif out.problem:
            failed.append(out.problem)
        for f in out.follows:
            m.append(
                Measurement(
                    name=f"replica follows {f.replica}",
                    value=None if f.seconds is None else round(f.seconds, 3),
                    unit="s",
                    detail=f"from writes resuming until it held a write made after; {f.detail}",
                )
            )
            if not f.caught_up:
                failed.append(f"replica {f.replica} {f.detail}")
        if out.cleanup:
            said.append(out.cleanup)
        if out.leftovers:
            said.append(
                f"{len(out.leftovers)} drill databases left by earlier interrupted drills: "
                + ", ".join(out.leftovers)
            )
        if out.resumed and cmd.exit_code == 0 and failed_over is not False:
            verdicts.append(
                Verdict(
                    practice=PRACTICE,
                    choice="quarterly",
                    reason=f"failover drilled: writes resumed after {out.downtime:.2f} s ({moved}), "
                    f"{len(out.lost) if out.checked else 'unknown'} acknowledged rows lost; the practice asks "
                    "that it be repeated each quarter",
                )
            )
        elif not out.resumed:
            verdicts.append(
                Verdict(
                    practice=PRACTICE,
                    choice="never",
                    reason="in a failover drill writes never resumed within its time: the failover does not work",
                )
            )
        tables: list[Table] = []
        if out.lost:
            tables.append(
                Table(
                    title=f"acknowledged rows lost (first {ROWS} of {len(out.lost)})",
                    columns=["seq"],
                    rows=[[s] for s in out.lost[:ROWS]],
                )
            )
        findings = "; ".join(said)
        if failed:
            summary = " ".join(f"{f.rstrip('.')}." for f in failed) + (f" ({findings})" if findings else "")
            status = Status.FAIL
        else:
            summary, status = findings, Status.PASS
        return Evidence(status=status, summary=summary, measurements=m, verdicts=verdicts, tables=tables)

    def where(self) -> str:
        return describe(self.target)


def _span(seqs: list[int]) -> str:
    return f"{seqs[0]}" if len(seqs) == 1 else f"{seqs[0]}..{seqs[-1]}"
