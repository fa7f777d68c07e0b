"""What the aws_account probe's checks share: a part of the account read or the reason it was
not (so one denied call makes one check unknown, never the probe), and the table of checks every
one of them writes its row to, beside its clause in the result's summary."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ...importers.aws_session import Denied, Failed
from ...model.evidence import Cell
from ..found import Found

T = TypeVar("T")
NAMED = 5  # names listed in a clause before "and N more"
ROWS = 50  # rows kept in a detail table


@dataclass(frozen=True)
class Got(Generic[T]):
    """A part of the account as read, or why it could not be: `trouble` is the cause."""

    value: T | None = None
    trouble: str | None = None


def get(work: Callable[[], T]) -> Got[T]:
    """`work`'s answer, or the denial or failure that stopped it, as the reason."""
    try:
        return Got(work())
    except (Denied, Failed) as exc:
        return Got(trouble=str(exc))


@dataclass
class Checks:
    """Each check's row (check, result, what was seen) and its clause: said, failed or unknown."""

    found: Found
    rows: list[list[Cell]] = field(default_factory=list)

    def passed(self, check: str, saw: str) -> None:
        self.rows.append([check, "pass", saw])
        self.found.said.append(saw)

    def failed(self, check: str, saw: str) -> None:
        self.rows.append([check, "FAIL", saw])
        self.found.failed.append(saw)

    def unknown(self, check: str, why: str) -> None:
        self.rows.append([check, "unknown", why])
        self.found.unknown.append(f"{check}: {why}")

    def seen(self, check: str, saw: str) -> None:
        """A fact reported, neither passing nor failing (the last use of root, say)."""
        self.rows.append([check, "seen", saw])


def names(items: Sequence[str], limit: int = NAMED) -> str:
    """`a, b and c`, or the first `limit` and how many more."""
    shown = list(items[:limit])
    if len(items) > limit:
        return f"{', '.join(shown)} and {len(items) - limit} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def days(moment: dt.datetime, now: dt.datetime) -> float:
    return (now - moment).total_seconds() / 86_400


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def together(tasks: Sequence[Callable[[], Any]], workers: int) -> list[Any]:
    """Each task's answer, in order, `workers` at a time in daemon threads: a call still under way
    when its probe is cancelled cannot keep devoops from exiting. The first exception raised is
    raised here, once every task has ended."""
    results: list[Any] = [None] * len(tasks)
    errors: list[BaseException] = []
    slots = threading.Semaphore(workers)

    def run(n: int) -> None:
        try:
            results[n] = tasks[n]()
        except BaseException as exc:
            errors.append(exc)
        finally:
            slots.release()

    threads = []
    for n in range(len(tasks)):
        slots.acquire()
        thread = threading.Thread(target=run, args=(n,), name="aws_account reader", daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
