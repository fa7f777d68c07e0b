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

from ..errors import InputError, Location
from ..model.common import Strict
from ..model.lens import Lens, Practice, Question, StageDefaults, Symptom, TenetDef, Tier
from ..source import read


class LensFile(Strict):
    """What a lens file of practices (built-in or the user's) may contain."""

    practices: list[Practice] = []
    symptoms: list[Symptom] = []


class LensCore(Strict):
    """The built-in lens.yaml: everything but the practices."""

    version: str
    tenets: list[TenetDef]
    questions: list[Question]
    symptoms: list[Symptom]
    tiers: list[Tier]
    stage_defaults: dict[str, StageDefaults]


def _data_dir() -> Path:
    return Path(str(resources.files("devoops.lens") / "data"))


@lru_cache(maxsize=8)
def _load(extra: tuple[str, ...]) -> Lens:
    data = _data_dir()
    core_path = data / "lens.yaml"
    core = read(core_path).validate(LensCore)
    practices: dict[str, Practice] = {}
    symptoms = {s.id: s for s in core.symptoms}
    files = sorted((data / "practices").glob("*.yaml")) + [Path(p) for p in extra]
    for path in files:
        source = read(path)
        part = source.validate(LensFile, source.data or {})
        practices.update((p.id, p) for p in part.practices)
        symptoms.update((s.id, s) for s in part.symptoms)
    document = dict(core) | {"symptoms": list(symptoms.values()), "practices": list(practices.values())}
    try:
        return Lens.model_validate(document)
    except ValidationError as exc:
        where = Location(str(files[-1] if extra else core_path))
        raise InputError([(where, e["msg"].removeprefix("Value error, ")) for e in exc.errors()]) from None


def load_lens(extra: Sequence[Path | str] = ()) -> Lens:
    """The built-in lens with the user's lens files applied in order."""
    return _load(tuple(str(p) for p in extra))
