"""The probe interface and the registry of probe kinds.

A probe is a class: `validate(target, options)` checks its configuration when the workload is
loaded (errors are located in devoops.yaml), and `async collect(ctx)` measures. Clients come in
through the Context, never built at import time; modules import their heavy libraries inside
`collect`, so listing or validating probes stays cheap. Built-in kinds are registered below by
name; third-party kinds arrive through the entry-point group `devoops.probes`, each entry point
naming a Probe subclass.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from ..model.common import Horizon
from ..model.evidence import Evidence, Measurement, Status, Table, Verdict
from ..model.targets import DatasetTarget, Targets
from ..model.workload import Workload

if TYPE_CHECKING:
    import aiohttp

GROUP = "devoops.probes"
BUILTIN = {
    "http": "devoops.probes.http:HttpProbe",
    "access_log": "devoops.probes.access_log:AccessLogProbe",
    "prometheus": "devoops.probes.prometheus:PrometheusProbe",
    "tls": "devoops.probes.tls:TlsProbe",
    "postgres": "devoops.probes.postgres:PostgresProbe",
    "delivery": "devoops.probes.delivery:DeliveryProbe",
    "alerts": "devoops.probes.alerts:AlertsProbe",
    "backups": "devoops.probes.backups:BackupsProbe",
    "restore_drill": "devoops.probes.restore_drill:RestoreDrillProbe",
    "failover_drill": "devoops.probes.failover_drill:FailoverDrillProbe",
}
T = TypeVar("T")


class Options(BaseModel):
    """Base of a probe kind's options: unknown keys are errors, like everywhere in devoops.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


OptionsT = TypeVar("OptionsT", bound=Options)


@dataclass(frozen=True)
class Context:
    """What a probe gets to work with: the derived targets, the workload, the time it has, and
    the clients it may share. `now` is when the audit started (UTC); `root` is the workload
    file's folder, against which relative paths in a probe's settings are read."""

    name: str
    now: dt.datetime
    timeout: float
    workload: Workload
    targets: Mapping[Horizon, Targets]
    http: aiohttp.ClientSession
    root: Path = Path()

    def path(self, text: str) -> str:
        """A path from the settings: `~` expanded, relative ones taken from the workload's folder."""
        return os.path.join(self.root, os.path.expanduser(text))

    def dataset(
        self, name: str | None, strictest: Callable[[DatasetTarget], float]
    ) -> DatasetTarget | None | str:
        """The named dataset's targets now, else the one `strictest` ranks first (None without
        datasets); a message naming the datasets when `name` is not one of them."""
        data = self.targets[Horizon.NOW].data if Horizon.NOW in self.targets else []
        if name is None:
            return min(data, key=strictest) if data else None
        chosen = [d for d in data if d.name == name]
        if not chosen:
            return f"dataset {name!r} is not among the workload's datasets ({', '.join(d.name for d in data) or 'none'})"
        return chosen[0]

    async def blocking(
        self, work: Callable[[], T], interrupt: Callable[[], object] | None = None, grace: float = 0.0
    ) -> T:
        """Run blocking work in a thread; when the probe is cancelled (its timeout, Ctrl-C), call
        `interrupt` so the thread stops too, and wait up to `grace` seconds for it to finish
        (a drill drops its database on the way out). The thread is a daemon: work that ignores
        its interrupt cannot keep devoops from exiting once the audit is over."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        finished = threading.Event()

        def deliver(result: T | None, error: BaseException | None) -> None:
            if future.done():  # cancelled meanwhile
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(cast(T, result))

        def thread() -> None:
            result, error = None, None
            try:
                result = work()
            except BaseException as exc:
                error = exc
            finished.set()
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(deliver, result, error)

        threading.Thread(target=thread, name=f"probe {self.name}", daemon=True).start()
        try:
            return await future
        except asyncio.CancelledError:
            if interrupt is not None:
                interrupt()
            if grace > 0:
                await asyncio.shield(asyncio.to_thread(finished.wait, grace))
            raise


class Probe(ABC, Generic[OptionsT]):
    """One kind of evidence collector. Subclasses set `kind`, `Options` and `collect`."""

    kind: ClassVar[str]
    Options: ClassVar[type[Options]] = Options
    default_timeout: ClassVar[float] = 60.0
    summary: ClassVar[str] = ""
    drill: ClassVar[bool] = False  # changes the system (a scratch database, a failover): runs only by name
    carry_days: ClassVar[float | None] = None  # days a saved result counts in audits not running it

    def __init__(self, target: str, options: OptionsT) -> None:
        self.target = target
        self.options = options

    @classmethod
    def validate(cls, target: str, options: Mapping[str, Any]) -> Probe[OptionsT]:
        """The configured probe; pydantic's ValidationError for bad options (located by the
        loader under `options`), ValueError for a bad target."""
        return cls(cls.check_target(target), cls.Options.model_validate(dict(options)))  # type: ignore[arg-type]

    @classmethod
    def check_target(cls, target: str) -> str:
        """Override to refuse a malformed target early; raise ValueError with the reason."""
        return target

    @abstractmethod
    async def collect(self, ctx: Context) -> Evidence:
        """Measure, and hold the figures against ctx.targets. Never block the event loop: use
        ctx.blocking for blocking work. Exceptions and timeouts become ERROR results."""


@dataclass
class Found:
    """What a probe's checks found, gathered into one Evidence at the end: a clause said per
    check (the summary when all passed), what failed, and what could not be told."""

    measurements: list[Measurement] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def measure(self, name: str, value: float | None, unit: str, **kw: Any) -> Measurement:
        m = Measurement(name=name, value=value, unit=unit, **kw)
        self.measurements.append(m)
        return m

    def verdict(self, practice: str, choice: str, reason: str) -> None:
        self.verdicts.append(Verdict(practice=practice, choice=choice, reason=reason))

    def evidence(self, lead: str = "", unknown: str = "Could not tell:") -> Evidence:
        """FAIL with what failed, else UNKNOWN with what could not be told, else PASS with what
        was said; `lead` opens the summary, and what was said follows a FAIL or UNKNOWN in
        brackets."""

        def sentences(clauses: list[str]) -> str:
            return " ".join(f"{c.rstrip('.')}." for c in clauses)

        findings, head = "; ".join(self.said), f"{lead}: " if lead else ""
        if self.failed:
            status, summary = Status.FAIL, head + sentences(self.failed)
            if self.unknown:
                summary += f" {unknown} {sentences(self.unknown)}"
        elif self.unknown:
            opening = unknown[0].lower() + unknown[1:] if lead else unknown  # mid-sentence after a lead
            status, summary = Status.UNKNOWN, f"{head}{opening} {sentences(self.unknown)}"
        else:
            status, summary = Status.PASS, head + findings
        if status != Status.PASS and findings:
            summary += f" ({findings})"
        return Evidence(
            status=status,
            summary=summary,
            measurements=self.measurements,
            verdicts=self.verdicts,
            tables=self.tables,
        )


class UnknownKind(LookupError):
    """A probe type no built-in or installed plugin provides."""


@cache
def _plugins() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=GROUP)}


def kinds() -> dict[str, str]:
    """Every known kind and where it lives; a built-in name cannot be taken by a plugin."""
    return _plugins() | BUILTIN


def known(kind: str) -> type[Probe[Any]] | None:
    """The class of a kind, or None when it is unknown or does not load (its run says why)."""
    try:
        return probe_class(kind)
    except (UnknownKind, ImportError, TypeError):
        return None


def probe_class(kind: str) -> type[Probe[Any]]:
    where = kinds().get(kind)
    if where is None:
        raise UnknownKind(kind)
    module, _, name = where.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, Probe)):
        raise TypeError(f"{where} is not a devoops Probe class")
    return cls
