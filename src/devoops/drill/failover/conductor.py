"""The conductor: one failover drill, its phases called in order within its budget.

Each phase lives in a module of its own; what stays here is what only the whole drill knows: how
the budget is shared out (writes, replicas, then the reserve that stops the threads and drops the
database), the order of the phases, and that whatever happens, interrupted or broken, the threads
stop and the drill database is dropped before `run` returns. `interrupt` may come from any thread.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from ...backup import pgclient
from .. import scratch
from . import database, figures, replicas
from .command import FailoverCommand
from .connections import Connections
from .outcome import Outcome
from .plan import HALT, Broken, Plan
from .writer import Writer, settle, warm_up

MARGIN = 2.0  # seconds beyond the computed cleanup, for thread hand-offs


class Drill:
    """One failover drill; `run` blocks, `interrupt` (from another thread) cuts it short and
    leaves `run` to clean up."""

    def __init__(self, plan: Plan, now: dt.datetime) -> None:
        if not plan.command.strip():
            raise Broken("give the failover command to run")
        for name, conninfo in (("target", plan.target), ("admin", plan.admin), *_named(plan.replicas)):
            if conninfo is not None:
                try:
                    pgclient.checked(conninfo)
                except ValueError as exc:
                    raise Broken(f"{name}: {exc}") from None
        self.plan = plan
        self.scratch = scratch.new(now, "failover drill")
        self._quit = threading.Event()
        self._conns = Connections(plan)
        self._command = FailoverCommand(plan.command, self._conns.conninfos, self._quit)
        self._writer: Writer | None = None
        self._followers: list[replicas.Follower] = []
        self._interrupted: float | None = None  # monotonic time of the first interrupt

    def cleanup_seconds(self) -> float:
        """What the drill still needs after `interrupt` to drop its database: the step under way
        ends, the writer stops, the drop goes through admin then the target, plus a margin."""
        longest = max(self._conns.step(c) for c in self._conns.conninfos)
        return longest + HALT + self._conns.drop_seconds() + MARGIN

    def interrupt(self) -> None:
        if self._interrupted is None:
            self._interrupted = time.monotonic()
        self._quit.set()
        self._command.kill()
        if self._writer is not None:
            self._writer.interrupt()

    def run(self) -> Outcome:
        """Create the drill database, write through the failover, read the figures, drop it."""
        plan = self.plan
        end = time.monotonic() + plan.budget
        # stop the writer, read the new primary, drop the database
        work_end = end - (2 * HALT + self._conns.step(plan.target) + self._conns.drop_seconds() + 1)
        writes_end = work_end - (plan.follow if plan.replicas else 0)
        if writes_end - time.monotonic() < plan.warmup + plan.settle + 1:
            raise Broken(
                f"a timeout of {plan.budget:g} s leaves too little time for warmup ({plan.warmup:g} s), "
                f"settle ({plan.settle:g} s)"
                + (f", replicas ({plan.follow:g} s)" if plan.replicas else "")
                + " and cleanup"
            )
        outcome = Outcome(self.scratch.name)
        database.create(self._conns, self.scratch, outcome, work_end, end)
        try:
            self._drill(outcome, writes_end, work_end)
        except Broken as exc:
            self._finish(outcome, end)
            raise Broken(f"{exc}; {outcome.cleanup}" if outcome.cleanup else str(exc)) from None
        except BaseException:
            self._finish(outcome, end)
            raise
        self._finish(outcome, end)
        return outcome

    def _drill(self, outcome: Outcome, writes_end: float, work_end: float) -> None:
        """Writes before, through and after the command; then the replicas and the new primary."""
        plan, name = self.plan, self.scratch.name
        replicas.await_table(self._conns, name, writes_end, self._quit)
        self._followers = replicas.followers(self._conns, name)
        for follower in self._followers:
            follower.start()
        writer = self._writer = Writer(self._conns.at(plan.target, name), plan.interval, plan.write_timeout)
        writer.start()
        warm_up(writer, plan.warmup, self._quit)
        outcome.before = writer.servers[-1][1] if writer.servers else None
        outcome.primary_before = self._conns.primary(
            name, min(writes_end, time.monotonic() + self._conns.step(plan.target))
        )
        if self._quit.is_set():
            raise Broken("interrupted before the failover command")
        started = time.monotonic()
        outcome.command = self._command.run(min(plan.command_timeout, max(0.1, writes_end - started)))
        settle(writer, started + outcome.command.seconds, plan.settle, writes_end, self._quit)
        writer.halt(HALT)
        if self._quit.is_set():
            raise Broken("interrupted during the failover; the figures are incomplete")
        acks, resumed_at = figures.writes(outcome, writer, started)
        replicas.follow(self._followers, outcome, acks, resumed_at, plan.follow, work_end, self._quit)
        self._verify(outcome, acks, list(writer.doubt))

    def _verify(self, outcome: Outcome, acks: list[tuple[int, float]], doubt: list[int]) -> None:
        """Read every row the new primary holds and count what it lost."""
        present = database.rows(self._conns, self.scratch, outcome)
        if present is not None:
            figures.losses(outcome, acks, doubt, present)

    def _finish(self, outcome: Outcome, end: float) -> None:
        """Stop the threads and drop the database: within the drill's time, or after an interrupt
        within `cleanup_seconds` of it (what the caller waits for)."""
        if self._writer is not None:
            self._writer.halt(HALT)
        for follower in self._followers:
            follower.stop()
        if self._interrupted is not None:
            end = max(end, self._interrupted + self.cleanup_seconds() - MARGIN)
        database.drop(self._conns, self.scratch, outcome, end)


def _named(given: tuple[str, ...]) -> list[tuple[str, str | None]]:
    return [(f"replicas[{i}]", r) for i, r in enumerate(given)]
