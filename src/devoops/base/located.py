"""YAML documents with positions: parse, validate into a model, and name where errors are.

Every problem becomes an InputError naming file, line, column and field path, so a user can
jump straight to it; nothing is written when loading fails. Hostile files are bounded before
they are composed (nesting depth, alias expansion), and messages quote only excerpts of input.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError, Location, UsageError, did_you_mean, excerpt, quoted

MAX_DEPTH = 100
"""Levels of nesting a YAML document may have. Real workloads and lenses use under 15; ruamel's
C composer recurses once per level and crashes the process (SIGSEGV) at some 30,000, and the
round-trip composer and the validators recurse too."""
MAX_ALIASED_NODES = 10_000
"""Nodes that aliases may add to a document once expanded. A few reused mappings add tens; a
4.8 KB "billion laughs" adds 10^9, which every consumer walking the data (validation, secret
scans, reports) would expand."""
MAX_JSON_DEPTH = 500
"""Where a JSON document too deep for Python's decoder (about 1,000 levels) is said to go wrong."""

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

    @classmethod
    def parse(cls, path: Path, text: str) -> Source:
        """Text already read (from `path`) parsed; malformed text is a located InputError."""
        return cls(path, text, _parse(text, str(path), positions=False))

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


def export_text(path: Path) -> str:
    """An exported file's text (JSON or CSV; a byte-order mark dropped): one that cannot be
    opened is a usage error, one that is not UTF-8 a located input error."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError.at(Location(str(path)), f"not UTF-8 text: {exc.reason}") from None


def read(path: Path) -> Source:
    """Read and parse a YAML file; unreadable or malformed files are located InputErrors."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:  # the path is in the location already
        raise InputError.at(Location(str(path)), f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError.at(Location(str(path)), f"cannot read: not UTF-8 text ({exc.reason})") from None
    return Source.parse(path, text)


def _parse(text: str, file: str, positions: bool) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    _bound(text, file)
    try:
        return YAML(typ="rt" if positions else "safe").load(text)
    except MarkedYAMLError as exc:
        if not positions:  # the round-trip parser words and places syntax errors best
            return _parse(text, file, positions=True)
        mark, context = exc.problem_mark or exc.context_mark, exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        message = _short_duplicate(" ".join(str(exc.problem or "").split()))
        if exc.context:
            started = (
                f" (from {context.line + 1}:{context.column + 1})" if context and context is not mark else ""
            )
            message = f"{' '.join(exc.context.split())}{started}: {message}"
        raise InputError.at(where, f"invalid YAML: {message.strip(': ') or 'cannot parse'}") from None
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        message = " ".join(str(exc).split()) or exc.__class__.__name__
        raise InputError.at(_bad_scalar(text, file), f"invalid YAML: {message}") from None


def _bound(text: str, file: str) -> None:
    """Refuse a document nested more than MAX_DEPTH levels or whose aliases would add more than
    MAX_ALIASED_NODES nodes, before anything is composed: the event stream is flat (libyaml
    keeps its own stack) and the scan stops at the first offence, naming where it is.

    Each anchor's expanded size is known when its node ends; an alias adds that size to the
    collections around it and to the total that aliases have added. A syntax error is left to
    the loader, which words and places it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

    sizes: dict[Any, int] = {}
    open_: list[tuple[Any, int]] = []  # (anchor, nodes so far) of each collection being read
    aliased = 0

    def offence(event: Any, message: str) -> InputError:
        mark = event.start_mark
        return InputError.at(Location(file, mark.line + 1, mark.column + 1), f"invalid YAML: {message}")

    def add(size: int) -> None:
        if open_:
            anchor, nodes = open_[-1]
            open_[-1] = anchor, nodes + size

    try:
        for event in YAML(typ="safe").parse(text):
            if isinstance(event, ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                add(1)
            elif isinstance(event, AliasEvent):
                size = sizes.get(event.anchor, 1)
                aliased += size
                if aliased > MAX_ALIASED_NODES:
                    raise offence(
                        event,
                        f"aliases expand the document by more than {MAX_ALIASED_NODES} nodes "
                        f"(this alias of &{excerpt(str(event.anchor), 40)} adds {size}): write the values out",
                    )
                add(size)
            elif isinstance(event, CollectionStartEvent):
                if len(open_) >= MAX_DEPTH:
                    raise offence(event, f"nested more than {MAX_DEPTH} levels deep")
                open_.append((event.anchor, 1))
            elif isinstance(event, CollectionEndEvent):
                anchor, nodes = open_.pop()
                if anchor is not None:
                    sizes[anchor] = nodes
                add(nodes)
    except YAMLError:
        return


DUPLICATE = re.compile(
    r'found duplicate key "(?P<key>.*)" with value "(?P<value>.*)" \(original value: ".*"\)', re.S
)


def _short_duplicate(message: str) -> str:
    """ruamel quotes a duplicated key with both its values, expanded: megabytes, for a key whose
    value is an alias. The message keeps an excerpt of the key and of the value."""
    found = DUPLICATE.fullmatch(message)
    if found is None:
        return message
    return f'found duplicate key "{excerpt(found["key"])}" with value "{excerpt(found["value"])}"'


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
        last = len(loc) - 1 if error["type"] == "extra_forbidden" else len(loc)  # the key is the user's
        tags = [n for n, part in enumerate(loc) if n < last and _is_tag(part)]
        if not tags:
            plain.append(error)
            continue
        cut = tags[0]
        clean = tuple(p for n, p in enumerate(loc) if n not in tags)
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
        message = f"unknown key {quoted(loc[-1])}" + did_you_mean(str(loc[-1]), known_keys(model, loc[:-1]))
    elif error["type"] == "missing":
        message = "required field is missing"
    return where, message


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


def loads_json(text: str) -> Any:
    """`json.loads`, with every way hostile text fails raised as a JSONDecodeError, whose line and
    column each reader reports: too deep for the decoder's recursion (RecursionError), or a
    number of more digits than Python converts (ValueError)."""
    import json
    import sys

    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        at, depth = _too_deep(text)
        too = f"more than {MAX_JSON_DEPTH} levels" if depth > MAX_JSON_DEPTH else "too"
        raise json.JSONDecodeError(f"nested {too} deep", text, at) from None
    except ValueError as exc:
        limit = sys.get_int_max_str_digits()
        tokens = re.finditer(rf'"(?:[^"\\]|\\.)*"?|(?<![\d.eE+-])-?\d{{{limit + 1},}}(?![\d.eE])', text)
        number = next((t for t in tokens if t[0][0] != '"'), None)
        if number is None:
            raise json.JSONDecodeError(excerpt(" ".join(str(exc).split())), text, 0) from None
        raise json.JSONDecodeError(f"a number of more than {limit} digits", text, number.start()) from None


def _too_deep(text: str) -> tuple[int, int]:
    """Where JSON text first opens its (MAX_JSON_DEPTH + 1)th level, or its deepest level if it
    has no such level, and that level; brackets inside strings do not count."""
    depth = deepest = at = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"?|[\[{\]}]', text):
        if token[0] in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, token.start()
                if depth > MAX_JSON_DEPTH:
                    break
        elif token[0] in "]}":
            depth -= 1
    return at, deepest
