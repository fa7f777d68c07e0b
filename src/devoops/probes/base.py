"""The probe contract and the one registry of probe kinds.

A probe kind is a class that declares what it is, and everything else is made from that:

- `kind`: its name in devoops.yaml's `type:`, and the name of its entry point;
- its options: the strict pydantic model the class is generic over, `Probe[HttpOptions]`;
  `devoops schema` and `devoops probes show` are made from it, the loader reads `options:`
  into it, and `check` and `collect` only ever see it typed;
- `decides`: the practices its verdicts may name, each with its choices; the loader holds
  them to the lens, the runner holds every verdict to them, and the table of docs/probes.md
  is made from them;
- `docs`: its page;

then `check(target, options)`, which refuses a target early, and `async collect(ctx)`, which
measures and returns what a `Found` gathered. Clients come in through the Context, never built
at import time; modules import their heavy libraries inside `collect`, so listing or
validating probes stays cheap.

Every kind registers the same way: an entry point in the group `devoops.probes` naming its
class. devoops's own are in its pyproject.toml; no other package can take their names.
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
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, cast, get_args

from pydantic import BaseModel, ConfigDict

from ..model.common import Horizon
from ..model.evidence import Evidence
from ..model.targets import DatasetTarget, Targets
from ..model.workload import Workload
from .secrets import REFERENCE

if TYPE_CHECKING:
    import aiohttp

GROUP = "devoops.probes"
HOME = "devoops"  # the distribution whose entry points are the built-in kinds
T = TypeVar("T")

REFERENCE_SCHEMA = {
    "type": "string",
    "pattern": REFERENCE.pattern,
    "description": "a ${VARIABLE} reference, read as this setting when the probe runs",
}


def _references(schema: dict[str, Any]) -> None:
    """In the JSON Schema, a setting that is not plain text may also be a `${VAR}` reference:
    the loader accepts one anywhere and checks the value when the probe runs."""
    for name, prop in schema.get("properties", {}).items():
        if not _text(prop):
            told = {k: prop.pop(k) for k in ("title", "description", "default") if k in prop}
            schema["properties"][name] = {**told, "anyOf": [prop, dict(REFERENCE_SCHEMA)]}


def _text(schema: dict[str, Any]) -> bool:
    plain = schema.get("type") == "string" and not schema.keys() & {"pattern", "enum", "const", "format"}
    return plain or any(_text(branch) for branch in schema.get("anyOf", ()))


class Options(BaseModel):
    """Base of a probe kind's options: unknown keys are errors, like everywhere in devoops.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, json_schema_extra=_references)


OptionsT = TypeVar("OptionsT", bound=Options)


@dataclass(frozen=True, init=False)
class Decision:
    """The choices of one practice that a probe's verdicts may name, and `when` the probe
    decides it (a mode, a check; said in docs/probes.md's table)."""

    choices: tuple[str, ...]
    when: str | None

    def __init__(self, *choices: str, when: str | None = None) -> None:
        object.__setattr__(self, "choices", choices)
        object.__setattr__(self, "when", when)


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
    """One kind of evidence collector: the module's docstring says what a kind declares. The
    class's own docstring, first paragraph, says what it measures in `devoops probes list`."""

    kind: ClassVar[str]
    Options: ClassVar[type[Options]] = Options  # the type argument: Probe[HttpOptions]
    decides: ClassVar[Mapping[str, Decision]] = {}
    docs: ClassVar[str] = ""  # its page: a path in devoops's repository for a built-in, else a URL
    default_timeout: ClassVar[float] = 60.0
    drill: ClassVar[bool] = False  # changes the system (a scratch database, a failover): runs only by name
    carry_days: ClassVar[float | None] = None  # days a saved result counts in audits not running it

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            model = next(iter(get_args(base)), None)
            if isinstance(model, type) and issubclass(model, Options):
                cls.Options = model

    def __init__(self, target: str, options: OptionsT) -> None:
        self.target = target
        self.options = options

    @classmethod
    def validate(cls, target: str, settings: Mapping[str, Any]) -> Self:
        """The probe as devoops.yaml configures it: `settings` read into the kind's options
        (pydantic's ValidationError, located by the loader under `options`), then the target
        checked against them (ValueError, located under `target`)."""
        options = cast(OptionsT, cls.Options.model_validate(dict(settings)))
        return cls(cls.check(target, options), options)

    @classmethod
    def check(cls, target: str, options: OptionsT) -> str:
        """The target as the probe uses it. Override to refuse a malformed one early: raise
        ValueError with the reason."""
        return target

    @abstractmethod
    async def collect(self, ctx: Context) -> Evidence:
        """Measure, and hold the figures against ctx.targets. Never block the event loop: use
        ctx.blocking for blocking work. Exceptions and timeouts become ERROR results."""


class UnknownKind(LookupError):
    """A probe type no installed package registers."""


@dataclass(frozen=True)
class Entry:
    """A registered kind: where its class lives, and the package whose entry point says so."""

    kind: str
    where: str
    package: str

    @property
    def builtin(self) -> bool:
        return self.package == HOME


@cache
def entries() -> dict[str, Entry]:
    """Every registered kind, devoops's own first, each by name. A name devoops registers
    cannot be taken by another package; of two others, the first found on the path wins."""
    own: dict[str, Entry] = {}
    others: dict[str, Entry] = {}
    for ep in entry_points(group=GROUP):
        entry = Entry(ep.name, ep.value, ep.dist.name if ep.dist is not None else "")
        (own if entry.builtin else others).setdefault(ep.name, entry)
    mine = {kind: own[kind] for kind in sorted(own)}
    return mine | {kind: others[kind] for kind in sorted(others) if kind not in own}


def kinds() -> dict[str, str]:
    """Every known kind and where its class lives."""
    return {kind: entry.where for kind, entry in entries().items()}


def known(kind: str) -> type[Probe[Any]] | None:
    """The class of a kind, or None when it is unknown or does not load (its run says why)."""
    try:
        return probe_class(kind)
    except (UnknownKind, ImportError, TypeError):
        return None


def probe_class(kind: str) -> type[Probe[Any]]:
    """The class registered for `kind`: UnknownKind when none is, ImportError when its module
    does not import, TypeError when it is no probe class or its declarations are wrong."""
    entry = entries().get(kind)
    if entry is None:
        raise UnknownKind(kind)
    module, _, name = entry.where.partition(":")
    cls = getattr(importlib.import_module(module), name.strip())
    wrong = _declarations(cls, kind)
    if wrong:
        raise TypeError(f"{entry.where} {wrong}")
    return cast(type[Probe[Any]], cls)


def _declarations(cls: object, kind: str) -> str | None:
    """What is wrong with a registered class, or None."""
    if not (isinstance(cls, type) and issubclass(cls, Probe)):
        return "is not a devoops Probe class"
    if getattr(cls, "kind", None) != kind:
        return f"declares kind {getattr(cls, 'kind', None)!r}, but its entry point names it {kind!r}"
    decides = cls.decides
    if not isinstance(decides, Mapping) or not all(
        isinstance(p, str)
        and isinstance(d, Decision)
        and d.choices
        and all(isinstance(c, str) for c in d.choices)
        for p, d in decides.items()
    ):
        return 'must declare `decides` as practice ids mapped to Decision("choice", ...)'
    if not (isinstance(cls.docs, str) and cls.docs.strip()):
        return "declares no docs page (docs = ...)"
    return None
