"""YAML documents with positions: parse, validate into a model, and name where errors are.

Every problem becomes an InputError naming file, line, column and field path, so a user can
jump straight to it; nothing is written when loading fails.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError, Location

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
_SAME: Any = object()


@dataclass
class Source:
    """One YAML file, parsed once with the fast loader; parsed again with positions only
    when a problem must be located (ruamel's round-trip loader is several times slower)."""

    path: Path
    text: str
    data: Any

    @property
    def file(self) -> str:
        return str(self.path)

    @cached_property
    def positions(self) -> Any:
        return _parse(self.text, self.file, positions=True)

    def at(self, loc: Loc, key: bool = False) -> Location:
        return locate(self.positions, loc, self.file, key)

    def validate(self, model: type[M], data: Any = _SAME) -> M:
        """Validate the file (or data built from it) into `model`; every error located."""
        try:
            return model.model_validate(self.data if data is _SAME else data)
        except ValidationError as exc:
            raise self.invalid(model, exc.errors()) from None

    def invalid(self, model: type[BaseModel], errors: list[Any], prefix: Loc = ()) -> InputError:
        """`model`'s validation errors, located in this file; `prefix` is where its data sits."""
        return InputError([problem(model, self, error, prefix) for error in _one_branch(errors)])


def read(path: Path) -> Source:
    """Read and parse a YAML file; unreadable or malformed files are located InputErrors."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:  # the path is in the location already
        raise InputError.at(Location(str(path)), f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError.at(Location(str(path)), f"cannot read: not UTF-8 text ({exc.reason})") from None
    return Source(path, text, _parse(text, str(path), positions=False))


def _parse(text: str, file: str, positions: bool) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return YAML(typ="rt" if positions else "safe").load(text)
    except MarkedYAMLError as exc:
        if not positions:  # the round-trip parser words and places syntax errors best
            return _parse(text, file, positions=True)
        mark, context = exc.problem_mark or exc.context_mark, exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        message = " ".join(str(exc.problem or "").split())
        if exc.context:
            started = (
                f" (from {context.line + 1}:{context.column + 1})" if context and context is not mark else ""
            )
            message = f"{' '.join(exc.context.split())}{started}: {message}"
        raise InputError.at(where, f"invalid YAML: {message.strip(': ') or 'cannot parse'}") from None
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        message = " ".join(str(exc).split()) or exc.__class__.__name__
        raise InputError.at(_bad_scalar(text, file), f"invalid YAML: {message}") from None


def _bad_scalar(text: str, file: str) -> Location:
    """Where a well-formed document holds a value that cannot be built (a 13th month)."""
    from ruamel.yaml import YAML

    try:
        stack, seen = [YAML().compose(text)], set()
    except Exception:  # the file parses only as a whole, or not at all: no better place
        return Location(file)
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.value, list):
            stack.extend(
                n for item in reversed(node.value) for n in (item if isinstance(item, tuple) else (item,))
            )
            continue
        if not str(node.tag).endswith(":str"):
            try:
                YAML(typ="safe").load(node.value)
            except Exception:
                return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
    return Location(file)


def locate(document: Any, loc: Loc, file: str, key: bool = False) -> Location:
    """The position of the deepest part of `loc` that exists in the parsed document; of its
    key rather than its value when `key` is set (for unknown keys)."""
    line: int | None = None
    column = 0
    node = document
    for n, part in enumerate(loc):
        position = _position(node, part, key and n == len(loc) - 1)
        if position is None:
            break
        line, column = position
        node = node[part]
    field = ".".join(str(p) for p in loc)
    if line is None:
        return Location(file, 1, 1, field) if document is not None else Location(file, None, None, field)
    return Location(file, line + 1, column + 1, field)


def _position(node: Any, part: str | int, key: bool) -> tuple[int, int] | None:
    lc = getattr(node, "lc", None)
    try:
        if isinstance(node, dict) and part in node and lc is not None:
            value = node[part]
            if key or (isinstance(value, dict | list) and len(value) > 0):
                return lc.key(part)  # type: ignore[no-any-return]
            return lc.value(part)  # type: ignore[no-any-return]
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node) and lc is not None:
            return lc.item(part)  # type: ignore[no-any-return]
    except (KeyError, AttributeError, TypeError):
        return None
    return None


def _is_tag(part: str | int) -> bool:
    """Pydantic names union members in error locations (`literal['24x7']`, `function-after[...]`)."""
    return isinstance(part, str) and (part in _SCALAR_TAGS or re.fullmatch(r"[\w-]+\[.*\]", part) is not None)


_SCALAR_TAGS = {"str", "int", "float", "bool", "none"}
_WRONG_SHAPE = {
    "literal_error",
    "model_type",
    "dict_type",
    "string_type",
    "int_type",
    "float_type",
    "bool_type",
    "list_type",
    "enum",
    "int_parsing",
    "float_parsing",
    "bool_parsing",
}


def _one_branch(errors: list[Any]) -> list[Any]:
    """Errors of a union speak of every member; keep the member the input was meant for.

    A member whose only complaint is the input's shape (a string where a mapping goes) is
    dropped when another member has something specific to say; if none has, the members'
    expectations are joined into one message.
    """
    plain: list[Any] = []
    unions: dict[Loc, list[Any]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        cut = next((n for n, part in enumerate(loc) if _is_tag(part)), None)
        if cut is None:
            plain.append(error)
            continue
        clean = tuple(p for p in loc if not _is_tag(p))
        unions.setdefault(loc[:cut], []).append(
            error | {"loc": clean, "shallow": clean == loc[:cut] and error["type"] in _WRONG_SHAPE}
        )
    for at, members in unions.items():
        specific = [e for e in members if not e["shallow"]]
        if specific:
            plain.extend(specific)
        else:
            expected = " or ".join(dict.fromkeys(_expectation(e["msg"]) for e in members))
            plain.append(members[0] | {"loc": at, "msg": f"Input should be {expected}", "type": "union"})
    return plain


def _expectation(message: str) -> str:
    text = message.removeprefix("Input should be ")
    return re.sub(r"a valid dictionary or instance of \w+", "a mapping", text)


def problem(model: type[BaseModel], source: Source, error: Any, prefix: Loc = ()) -> tuple[Location, str]:
    loc: Loc = tuple(error["loc"])
    extra = error["type"] == "extra_forbidden"
    where = source.at(prefix + loc, key=extra)
    message = error["msg"].removeprefix("Value error, ")
    if extra:
        message = f"unknown key {loc[-1]!r}" + did_you_mean(str(loc[-1]), known_keys(model, loc[:-1]))
    elif error["type"] == "missing":
        message = "required field is missing"
    return where, message


def did_you_mean(word: str, candidates: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def known_keys(model: Any, loc: Loc) -> list[str]:
    """The keys a model accepts at `loc`, following fields, lists, dicts and optionals."""
    node: Any = model
    for part in loc:
        node = _inner(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = next((f for name, f in node.model_fields.items() if part in (name, f.alias)), None)
            if field is None:
                return []
            node = field.annotation
        elif typing.get_origin(node) in (list, dict):
            node = typing.get_args(node)[-1]
        else:
            return []
    node = _inner(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return [f.alias or name for name, f in node.model_fields.items()]
    return []


def _inner(annotation: Any) -> Any:
    """Strip Optional/Annotated/Union down to the model, list or dict inside."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            structured = [
                a
                for a in args
                if typing.get_origin(a) in (list, dict) or (isinstance(a, type) and issubclass(a, BaseModel))
            ]
            annotation = structured[0] if structured else args[0]
        else:
            return annotation
