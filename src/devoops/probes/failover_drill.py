"""The failover drill as a probe kind: writes through the application's connection string while a
command fails the primary over, held against the dataset's RTO and RPO.

Downtime is held against the RTO (or max_downtime_seconds). An acknowledged write the new
primary lacks is data lost: with an RPO of 0 (or no dataset) none may be lost; otherwise the
seconds of writes lost are held against the RPO. max_lost_rows, when given, bounds the count too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from pydantic import Field

from ..backup.pgclient import checked, describe
from ..drill.failover import Broken, Drill, Outcome, Plan
from ..drill.failover.outcome import Command, Follow
from ..model.evidence import Evidence
from ..model.targets import DatasetTarget
from .base import Context, Decision, Options, Probe
from .found import Found

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
    """A drill: writes numbered rows through the application's connection string while your
    command fails the primary over; write downtime, acknowledged rows lost and replicas
    following, against the RTO and RPO."""

    kind: ClassVar[str] = "failover_drill"
    decides: ClassVar[Mapping[str, Decision]] = {
        PRACTICE: Decision("never", "quarterly", when="writes never resumed, or resumed after the failover"),
    }
    docs: ClassVar[str] = "docs/probes/failover_drill.md"
    default_timeout: ClassVar[float] = 300.0
    drill: ClassVar[bool] = True
    carry_days: ClassVar[float | None] = 92.0  # db.failover-drilled asks for a drill each quarter

    @classmethod
    def check(cls, target: str, options: FailoverDrillOptions) -> str:
        return checked(target)

    async def collect(self, ctx: Context) -> Evidence:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return Found().error("the failover drill needs psycopg 3: pip install 'devoops[postgres]'")
        o = self.options
        dataset = ctx.dataset(o.dataset, lambda d: d.rpo_minutes)
        if isinstance(dataset, str):
            return Found().error(dataset)
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
            return Found().error(str(exc))
        return self._judge(outcome, dataset)

    def _judge(self, out: Outcome, dataset: DatasetTarget | None) -> Evidence:
        """The outcome held to its limits: each figure, what failed, and the verdict."""
        o = self.options
        limits = _Limits.of(o, dataset)
        cmd = out.command
        assert cmd is not None
        found = Found()
        _command(found, cmd, o.command_timeout)
        _failover(found, out)
        _downtime(found, out, limits)
        _losses(found, out, limits, dataset)
        _replicas(found, out.follows)
        _leftovers(found, out)
        _verdict(found, out, cmd)
        _lost_rows(found, out)
        return found.evidence()

    def where(self) -> str:
        return describe(self.target)


@dataclass(frozen=True)
class _Limits:
    """What the figures are held to, and where each limit comes from."""

    downtime: float | None
    downtime_source: str | None
    rpo: float | None  # seconds of writes that may be lost
    rows: int | None
    rows_source: str | None

    @classmethod
    def of(cls, o: FailoverDrillOptions, dataset: DatasetTarget | None) -> _Limits:
        """max_downtime_seconds, else the dataset's RTO; max_lost_rows, else none lost when the RPO
        is 0 or there is no dataset, else the lost seconds held to the RPO."""
        if o.max_downtime_seconds is not None:
            downtime, downtime_source = o.max_downtime_seconds, "max_downtime_seconds"
        elif dataset is not None:
            downtime, downtime_source = dataset.rto_minutes * 60, f"RTO of dataset {dataset.name}"
        else:
            downtime, downtime_source = None, None
        rpo = dataset.rpo_minutes * 60 if dataset is not None else None
        if o.max_lost_rows is not None:
            rows: int | None = o.max_lost_rows
            rows_source: str | None = "max_lost_rows"
        elif rpo is None or rpo == 0:
            rows = 0
            rows_source = (
                "RPO 0 of dataset " + dataset.name if dataset is not None else "no dataset: none may be lost"
            )
        else:
            rows, rows_source = None, None
        return cls(downtime, downtime_source, rpo, rows, rows_source)


def _command(found: Found, cmd: Command, timeout: float) -> None:
    """The failover command's time and exit; anything but 0 fails the drill."""
    found.measure(
        "failover command",
        round(cmd.seconds, 3),
        "s",
        detail=(f"exit {cmd.exit_code}" if cmd.exit_code is not None else "killed at its timeout")
        + (f": {cmd.output}" if cmd.output and cmd.exit_code != 0 else ""),
    )
    if cmd.exit_code != 0:
        what = (
            f"exited {cmd.exit_code}" if cmd.exit_code is not None else f"did not finish within {timeout:g} s"
        )
        found.failed.append(f"the failover command {what}" + (f" ({cmd.output})" if cmd.output else ""))


def _failover(found: Found, out: Outcome) -> None:
    """Whether another primary (or a new timeline) answered after the command: a command that
    returned without failing over does not pass."""
    if out.failed_over is False:
        found.failed.append(
            "the command returned but no failover was observed (same primary, same timeline: "
            f"{out.primary_after})"
        )
    elif out.primary_before is not None and out.primary_after is not None:
        found.said.append(f"primary {out.primary_before} -> {out.primary_after}")


def _downtime(found: Found, out: Outcome, limits: _Limits) -> None:
    """Write downtime against the RTO (or max_downtime_seconds), and whether writes resumed."""
    found.measure(
        "write downtime",
        None if out.downtime is None else round(out.downtime, 3),
        "s",
        target=limits.downtime,
        bound="max" if limits.downtime is not None else None,
        detail="longest gap between acknowledged writes from the command's start"
        + (f"; at most the {limits.downtime_source}" if limits.downtime_source else ""),
    )
    if not out.resumed:
        found.failed.append(
            f"writes did not resume within the drill's time (down {out.downtime or 0:.1f} s, last on {out.before})"
        )
        return
    found.said.append(f"writes resumed after {out.downtime:.2f} s ({_moved(out)})")
    if limits.downtime is not None and out.downtime is not None and out.downtime > limits.downtime:
        found.failed.append(
            f"writes stopped for {out.downtime:.2f} s, longer than the {limits.downtime_source} "
            f"({limits.downtime:g} s)"
        )


def _losses(found: Found, out: Outcome, limits: _Limits, dataset: DatasetTarget | None) -> None:
    """Acknowledged writes, and those the new primary lacks: rows against max_lost_rows (or an RPO
    of 0), seconds against the RPO; the writes in doubt counted apart."""
    found.measure("acknowledged writes", out.acknowledged, "count")
    if not out.checked:
        if out.problem:
            found.failed.append(out.problem)
        return
    rpo = limits.rpo
    found.measure(
        "acknowledged rows lost",
        len(out.lost),
        "count",
        target=limits.rows,
        bound="max" if limits.rows is not None else None,
        detail=f"acknowledged, then missing on the new primary; {limits.rows_source or 'seconds held to the RPO'}",
    )
    found.measure(
        "data loss window",
        round(out.lost_window or 0.0, 3),
        "s",
        target=rpo if rpo else None,
        bound="max" if rpo else None,
        detail="from the last write kept before the loss to the last write lost"
        + (f"; at most the RPO of dataset {dataset.name}" if rpo and dataset else ""),
    )
    found.measure(
        "writes in doubt",
        len(out.doubt_present) + len(out.doubt_missing),
        "count",
        detail=f"commit errored or cut after write_timeout ({out.cut} cut): "
        f"{len(out.doubt_present)} present on the new primary, {len(out.doubt_missing)} missing",
    )
    if not out.lost:
        found.said.append("no acknowledged row lost")
        return
    found.said.append(f"{len(out.lost)} acknowledged rows lost ({out.lost_window or 0:.2f} s of writes)")
    if limits.rows is not None and len(out.lost) > limits.rows:
        found.failed.append(
            f"{len(out.lost)} acknowledged rows are missing on the new primary "
            f"(seq {_span(out.lost)}), more than {limits.rows} ({limits.rows_source})"
        )
    if rpo and dataset is not None and (out.lost_window or 0) > rpo:
        found.failed.append(
            f"{out.lost_window:.2f} s of acknowledged writes lost, more than the RPO of dataset "
            f"{dataset.name} ({rpo:g} s)"
        )


def _replicas(found: Found, follows: list[Follow]) -> None:
    """How soon each replica followed the new primary; one that never held the last write fails."""
    for f in follows:
        found.measure(
            f"replica follows {f.replica}",
            None if f.seconds is None else round(f.seconds, 3),
            "s",
            detail=f"from writes resuming until it held a write made after; {f.detail}",
        )
        if not f.caught_up:
            found.failed.append(f"replica {f.replica} {f.detail}")


def _leftovers(found: Found, out: Outcome) -> None:
    """The drill database this drill may have left, and those earlier drills left."""
    if out.cleanup:
        found.said.append(out.cleanup)
    if out.leftovers:
        found.said.append(
            f"{len(out.leftovers)} drill databases left by earlier interrupted drills: "
            + ", ".join(out.leftovers)
        )


def _verdict(found: Found, out: Outcome, cmd: Command) -> None:
    """Drilled (quarterly) when the command worked, writes resumed and a failover was seen; never
    when writes did not resume; no verdict otherwise."""
    if out.resumed and cmd.exit_code == 0 and out.failed_over is not False:
        found.verdict(
            PRACTICE,
            "quarterly",
            f"failover drilled: writes resumed after {out.downtime:.2f} s ({_moved(out)}), "
            f"{len(out.lost) if out.checked else 'unknown'} acknowledged rows lost; the practice asks "
            "that it be repeated each quarter",
        )
    elif not out.resumed:
        found.verdict(
            PRACTICE,
            "never",
            "in a failover drill writes never resumed within its time: the failover does not work",
        )


def _lost_rows(found: Found, out: Outcome) -> None:
    """The first of the acknowledged rows lost, by seq."""
    if out.lost:
        found.table(
            f"acknowledged rows lost (first {ROWS} of {len(out.lost)})",
            ["seq"],
            [[s] for s in out.lost[:ROWS]],
        )


def _moved(out: Outcome) -> str:
    """Where the writes went: from one server to another, or unchanged."""
    return (
        f"{out.before} -> {out.after}"
        if out.after and out.after != out.before
        else f"{out.before}, unchanged"
    )


def _span(seqs: list[int]) -> str:
    return f"{seqs[0]}" if len(seqs) == 1 else f"{seqs[0]}..{seqs[-1]}"
