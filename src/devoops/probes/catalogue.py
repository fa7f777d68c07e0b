"""The probe kinds as people read them, made from their declarations alone: what each measures
(its class's docstring), its settings with their types and defaults (its options model), and
what it decides. `devoops probes list|show` shows this; docs/probes.md's table of what evidence
decides is checked against it."""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from ..model.lens import Lens
from .base import REFERENCE_SCHEMA, Entry, Probe, entries, probe_class


@dataclass(frozen=True)
class Kind:
    """A registered kind: its class, or why the class does not load."""

    entry: Entry
    cls: type[Probe[Any]] | None
    problem: str | None = None


@dataclass(frozen=True)
class Setting:
    """One option: its name, type in YAML's words, default ("required" when it has none) and meaning."""

    name: str
    type: str
    default: str
    meaning: str


@dataclass(frozen=True)
class Decided:
    """A practice evidence decides: the choices probes can show, and the probes, each with when."""

    practice: str
    choices: list[str]
    probes: list[tuple[str, str | None]]


def catalogue() -> list[Kind]:
    """Every registered kind, in the registry's order."""
    kinds = []
    for kind, entry in entries().items():
        try:
            kinds.append(Kind(entry, probe_class(kind)))
        except (ImportError, AttributeError, TypeError) as exc:
            kinds.append(Kind(entry, None, str(exc) or exc.__class__.__name__))
    return kinds


def about(cls: type[Probe[Any]]) -> str:
    """What a kind measures: the first paragraph of its class's docstring (else its module's)."""
    doc = cls.__dict__.get("__doc__") or getattr(sys.modules.get(cls.__module__), "__doc__", None) or ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


def settings(cls: type[Probe[Any]]) -> list[Setting]:
    schema = cls.Options.model_json_schema()
    defs = schema.get("$defs", {})
    return [
        Setting(name, _type(schema["properties"][name], defs), _default(field), field.description or "")
        for name, field in cls.Options.model_fields.items()
    ]


def decisions(classes: Iterable[type[Probe[Any]]], lens: Lens | None = None) -> list[Decided]:
    """What the kinds decide, one row a practice: in the lens's order (then by id), the choices
    too; without a lens, in the order the kinds declare them."""
    rows: dict[str, Decided] = {}
    for cls in classes:
        for practice, decision in cls.decides.items():
            row = rows.setdefault(practice, Decided(practice, [], []))
            row.choices.extend(c for c in decision.choices if c not in row.choices)
            row.probes.append((cls.kind, decision.when))
    if lens is None:
        return list(rows.values())
    order = {p.id: n for n, p in enumerate(lens.practices)}
    for row in rows.values():
        known = lens.practice(row.practice)
        if known is not None:
            ids = [c.id for c in known.choices]
            row.choices.sort(key=lambda c: ids.index(c) if c in ids else len(ids))
    return sorted(rows.values(), key=lambda r: (order.get(r.practice, len(order)), r.practice))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = to_jsonable_python(field.get_default(call_default_factory=True))
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def _type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """A JSON Schema in a few words: `number | null`, `list of {url, weight} | string`."""
    if "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[-1]]
        return "{" + ", ".join(target["properties"]) + "}" if "properties" in target else _type(target, defs)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [_type(b, defs) for b in schema[key] if b != REFERENCE_SCHEMA]
            return " | ".join(dict.fromkeys(branches))
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_one(_type(schema.get('items', {}), defs))}"
    if kind == "object":
        values = schema.get("additionalProperties")
        return f"map of {_one(_type(values, defs))}" if isinstance(values, dict) else "map"
    if kind == "string" and "format" in schema:
        return str(schema["format"])
    return str(kind or "any")


def _one(text: str) -> str:
    return f"({text})" if " | " in text else text
