"""The `terraform show -json` document read: its managed resources walked through every module,
and the values a mapping reads off one resource.

Its own module so the mappings of each provider see resources and their values, never the
document's shape; a shape that is wrong stops the import here, with where it goes wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Loc = tuple[str | int, ...]


class StateError(ValueError):
    """The document is not `terraform show -json` output; `loc` is where it goes wrong."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


class Skip(Exception):
    """A known resource type without the values the mapping needs."""


@dataclass
class Resource:
    address: str
    type: str
    name: str
    values: dict[str, Any]


def resources(document: Any) -> Iterator[Resource]:
    """The managed resources of a state document; raises StateError when the document does not
    have the documented shape."""
    if not isinstance(document, dict):
        raise StateError((), "expected a JSON object from `terraform show -json`")
    if not isinstance(document.get("format_version"), str):
        raise StateError(("format_version",), "missing format_version: not `terraform show -json` output")
    values = document.get("values", {})
    if not isinstance(values, dict):
        raise StateError(("values",), "values should be an object")
    if "root_module" in values:
        yield from _module(values["root_module"], ("values", "root_module"))


def _module(module: Any, loc: Loc) -> Iterator[Resource]:
    if not isinstance(module, dict):
        raise StateError(loc, "a module should be an object")
    for key in ("resources", "child_modules"):
        if not isinstance(module.get(key, []), list):
            raise StateError((*loc, key), f"{key} should be a list")
    for n, r in enumerate(module.get("resources", [])):
        at = (*loc, "resources", n)
        if not isinstance(r, dict):
            raise StateError(at, "a resource should be an object")
        for key in ("address", "type", "name"):
            if not isinstance(r.get(key), str) or not r[key]:
                raise StateError((*at, key), f"a resource needs a string {key}")
        if r.get("mode", "managed") == "data":
            continue
        values = r.get("values")
        yield Resource(r["address"], r["type"], r["name"], values if isinstance(values, dict) else {})
    for n, child in enumerate(module.get("child_modules", [])):
        yield from _module(child, (*loc, "child_modules", n))


def string(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    return value if isinstance(value, str) and value else None


def integer(values: dict[str, Any], key: str) -> int | None:
    value = values.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def nodes(values: dict[str, Any], *keys: str) -> int:
    """How many nodes a cluster runs: the first count present, which must be 1 or more."""
    n = next((v for key in keys if (v := integer(values, key)) is not None), 1)
    if not 1 <= n <= 10_000:
        raise Skip(f"{n} nodes: expected 1 to 10000")
    return n


def strings(values: dict[str, Any], key: str) -> list[str]:
    value = values.get(key)
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(v for v in value if isinstance(v, str) and v))


def block(values: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested block: state stores it as a list of one object."""
    value = values.get(key)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def need(value: Any, what: str) -> Any:
    if value is None:
        raise Skip(f"no {what} in the state")
    return value
