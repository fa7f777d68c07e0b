"""The renderer interface and one registry per kind of output.

A renderer writes one kind of subject in one format: it names its `format` (what `--format`
takes), the `media_type` of the text it writes, and `render(subject, page)`. Each kind of output
has a registry, and a command offers exactly its kind's formats:

| kind       | subject                                           | commands                                   |
|------------|---------------------------------------------------|--------------------------------------------|
| assessment | `Assessed`: an assessment and its saved history   | assess, audit, show, drill                 |
| text       | `Document`: a title and sections                  | explain, lens list/show, quiz              |
| analysis   | `Document` with the data behind it, for JSON      | scenarios run, whatif, diff, history,      |
|            |                                                   | alerts analyze, delivery analyze           |
| check      | `Checked`: the findings at a horizon and the gate | check --junit / --sarif                    |
| plan       | the `Assessment`                                  | plan export --csv                          |
| backup     | the backup made (`backup.make.Made`)              | backup make                                |
| slo        | the documents generated (`generate.Generated`)    | slo generate                               |

Every renderer registers through the entry-point group `devoops.renderers`, named
`<kind>.<format>` (`assessment.pdf = "devoops_pdf:PdfRenderer"`); devoops registers its own the
same way, in its pyproject.toml. `--format` offers the built-ins first, the terminal's first and
then by name, and then the plugins' by name. A
plugin cannot take a built-in name, nor make up a kind. Listing the formats imports no renderer:
a renderer's module is imported when its format is chosen, so `devoops --help` stays fast.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ..base.errors import DevoopsError, UsageError

if TYPE_CHECKING:
    from pathlib import PurePath

    from ..base.located import Source
    from ..model.assessment import Assessment
    from ..model.common import Horizon, Risk
    from ..model.lens import Lens
    from ..model.summary import HistoryEntry
    from .sections import Section

GROUP = "devoops.renderers"
HOME = "devoops"  # the distribution whose entry points are the built-in renderers
KINDS = ("assessment", "text", "analysis", "check", "plan", "backup", "slo")
S = TypeVar("S")


@dataclass(frozen=True)
class Page:
    """Where the text goes: colour only on a terminal, and its width in columns."""

    color: bool = False
    width: int = 120


@dataclass(frozen=True)
class Assessed:
    """An assessment's report: the assessment, and the application's saved history (oldest
    first, this one last) for the formats that chart it."""

    assessment: Assessment
    history: Sequence[HistoryEntry] = ()


@dataclass(frozen=True)
class Document:
    """Any other report: a title and its sections for the text formats, and the data behind them
    (a pydantic model, or lists and dicts) for JSON."""

    title: str
    sections: list[Section]
    data: Any = None


@dataclass(frozen=True)
class Checked:
    """What `devoops check` judged: the findings at `horizon`, those at or above `fail_on`
    failing; the workload as it was assessed, the checkout it lies in, and the lens, for
    formats that point into the file or describe the rules."""

    assessment: Assessment
    horizon: Horizon
    fail_on: Risk
    source: Source | None = None
    base: PurePath | None = None
    lens: Lens | None = None


class Renderer(ABC, Generic[S]):
    """One format of one kind of output. Subclasses set `format`, `media_type` and `render`;
    they are made without arguments and keep no state between renders."""

    format: ClassVar[str]
    media_type: ClassVar[str]

    @abstractmethod
    def render(self, subject: S, page: Page) -> str:
        """The whole output as text, ending in a newline (empty when there is nothing to say)."""


class RendererError(DevoopsError):
    """A registered renderer that does not load: a runtime fault, not the user's input."""

    exit_code = 3


@cache
def _registered() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """devoops's renderers and the plugins', by kind, then format, in the order offered."""
    from importlib.metadata import entry_points

    own: dict[str, dict[str, str]] = {}
    others: dict[str, dict[str, str]] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda ep: (not ep.name.endswith(".terminal"), ep.name)):
        _register(own if ep.dist is not None and ep.dist.name == HOME else others, ep.name, ep.value)
    return own, others


def _register(into: dict[str, dict[str, str]], name: str, where: str) -> None:
    kind, _, format_ = name.partition(".")
    if format_:
        into.setdefault(kind, {}).setdefault(format_, where)


class Registry:
    """The formats of one kind of output: the built-ins in their order, then the plugins'."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def where(self) -> dict[str, str]:
        """Each format and the renderer class that writes it, as "module:Class"."""
        own, others = _registered()
        builtin = own.get(self.kind, {})
        return builtin | {n: w for n, w in others.get(self.kind, {}).items() if n not in builtin}

    def names(self) -> list[str]:
        return list(self.where())

    def get(self, name: str) -> Renderer[Any]:
        """The renderer of the format `name`; a UsageError naming the choices when there is none."""
        where = self.where().get(name)
        if where is None:
            raise UsageError(f"unknown format {name!r}; choose one of {', '.join(self.names())}")
        module, _, attribute = where.partition(":")
        try:  # a plugin's module may fail in any way; it is not the user's input
            cls = getattr(importlib.import_module(module), attribute)
        except Exception as exc:
            raise RendererError(f"the {self.kind} format {name!r} ({where}) does not load: {exc}") from None
        if not (isinstance(cls, type) and issubclass(cls, Renderer)):
            raise RendererError(f"the {self.kind} format {name!r}: {where} is not a devoops Renderer class")
        if getattr(cls, "format", None) != name:
            raise RendererError(
                f"the {self.kind} format {name!r}: {where} writes {getattr(cls, 'format', None)!r}"
            )
        try:
            return cls()
        except TypeError as exc:  # abstract: `render` missing
            raise RendererError(f"the {self.kind} format {name!r}: {where}: {exc}") from None


REGISTRIES = {kind: Registry(kind) for kind in KINDS}


def formats(kind: str) -> Registry:
    """The registry of one kind of output: `formats("assessment").get("html")`."""
    return REGISTRIES[kind]
