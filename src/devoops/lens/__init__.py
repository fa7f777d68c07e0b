"""The catalogue shipped as YAML data, plus the user's own lens files, validated on load.

A user lens file may hold `practices:` and `symptoms:`; a practice whose id matches a
built-in one replaces it, so a team can tune a rule without forking the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from ..base.errors import InputError, Location, did_you_mean, excerpt, quoted
from ..base.located import Source, read
from ..model.common import Strict
from ..model.lens import (
    Lens,
    Money,
    Practice,
    Question,
    Reliability,
    ScenarioDef,
    StageDefaults,
    Symptom,
    TenetDef,
    Tier,
)


class LensFile(Strict):
    """What a lens file of practices or scenarios (built-in or the user's) may contain."""

    practices: list[Practice] = []
    symptoms: list[Symptom] = []
    scenarios: list[ScenarioDef] = []


class LensCore(Strict):
    """The built-in lens.yaml: everything but the practices."""

    version: str
    tenets: list[TenetDef]
    questions: list[Question]
    symptoms: list[Symptom]
    tiers: list[Tier]
    stage_defaults: dict[str, StageDefaults]
    money: Money


def _data_dir() -> Path:
    return Path(str(resources.files("devoops.lens") / "data"))


@lru_cache(maxsize=1)
def _builtin() -> tuple[Source, LensCore, list[tuple[Source, LensFile]], Reliability]:
    """The built-in files, read and validated once a process: every lens starts from them."""
    data = _data_dir()
    core_source = read(data / "lens.yaml")
    parts = [*sorted((data / "practices").glob("*.yaml")), data / "scenarios.yaml"]
    return (
        core_source,
        core_source.validate(LensCore),
        [_part(path) for path in parts],
        read(data / "reliability.yaml").validate(Reliability),
    )


def _part(path: Path) -> tuple[Source, LensFile]:
    source = read(path)
    return source, source.validate(LensFile, source.data or {})


@lru_cache(maxsize=8)
def _load(extra: tuple[str, ...], _versions: tuple[tuple[int, int] | None, ...]) -> Lens:
    """The lens of the built-ins and `extra`, once per version of the user's files."""
    core_source, core, builtin, reliability = _builtin()
    practices: dict[str, Practice] = {}
    symptoms: dict[str, tuple[Symptom, Source, int]] = {
        s.id: (s, core_source, n) for n, s in enumerate(core.symptoms)
    }
    scenarios: dict[str, ScenarioDef] = {}
    for source, part in [*builtin, *(_part(Path(path)) for path in extra)]:
        practices.update((p.id, p) for p in part.practices)
        scenarios.update((s.id, s) for s in part.scenarios)
        symptoms.update((s.id, (s, source, n)) for n, s in enumerate(part.symptoms))
    problems = [
        (
            source.at(("symptoms", n, "practices")),
            f"symptom {excerpt(s.id)} names unknown practice {quoted(pid)}"
            + did_you_mean(pid, list(practices)),
        )
        for s, source, n in symptoms.values()
        for pid in s.practices
        if pid not in practices
    ]
    if problems:
        raise InputError(problems)
    document = dict(core) | {
        "symptoms": [_still_implied(s, practices) for s, _, _ in symptoms.values()],
        "practices": list(practices.values()),
        "scenarios": list(scenarios.values()),
        "reliability": reliability,
    }
    try:
        return Lens.model_validate(document)
    except ValidationError as exc:
        where = Location(core_source.file)
        raise InputError([(where, e["msg"].removeprefix("Value error, ")) for e in exc.errors()]) from None


def _still_implied(symptom: Symptom, practices: dict[str, Practice]) -> Symptom:
    """A user's practice may replace a built-in one with other choices; a symptom then no
    longer implies a state, but still reveals the practice."""
    kept = {
        pid: choice
        for pid, choice in symptom.implies.items()
        if pid in practices and practices[pid].choice(choice) is not None
    }
    return symptom if kept == symptom.implies else symptom.model_copy(update={"implies": kept})


def load_lens(extra: Sequence[Path | str] = ()) -> Lens:
    """The built-in lens with the user's lens files applied in order; a file edited since it
    was last read is read again, so a process that lives long serves the lens as it is."""
    paths = tuple(str(p) for p in extra)
    return _load(paths, tuple(_version(Path(p)) for p in paths))


def _version(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None  # reading it says why
    return stat.st_mtime_ns, stat.st_size
