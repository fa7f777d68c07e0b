"""An `inventory:` section from `terraform show -json` state, so nobody types out what
Terraform already knows.

The state says where things run and how many of them there are; it does not say what
depends on what or which dataset lives where, so those are left for the user and named in
the notes. A resource that cannot be mapped is listed with the reason, never dropped quietly.

`tfstate` reads the document, `aws` and `gcp` map each provider's resource types, and
`inventory` builds the components they add.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..base.errors import InputError, Location
from ..base.located import Source, loads_json
from . import aws, gcp
from .inventory import Builder, Imported, Mapper
from .tfstate import Resource, Skip, StateError, resources, string

_MAPPERS: dict[str, Mapper] = {**aws.MAPPERS, **gcp.MAPPERS}


def import_state(document: Any) -> Imported:
    """Map the managed resources of a state document to components; raises StateError when
    the document does not have the documented shape."""
    found = list(resources(document))
    builder = Builder(found)
    for r in sorted(found, key=_is_replica):  # a replica joins its source, mapped first
        mapper = _MAPPERS.get(r.type)
        if mapper is None:
            builder.skip(r, f"type {r.type} is not mapped")
            continue
        try:
            mapper(builder, r)
        except Skip as exc:
            builder.skip(r, str(exc))
    return builder.finish()


def _is_replica(r: Resource) -> bool:
    return any(string(r.values, key) for key in ("replicate_source_db", "master_instance_name"))


def parse_state(text: str, file: str) -> Imported:
    """`terraform show -json` text mapped; bad JSON or a wrong shape is an InputError naming
    file, line, column and field."""
    try:
        document = loads_json(text)
    except json.JSONDecodeError as exc:
        raise InputError.at(Location(file, exc.lineno, exc.colno), f"not JSON: {exc.msg}") from None
    try:
        return import_state(document)
    except StateError as exc:
        try:
            where = Source(Path(file), text, document).at(exc.loc)
        except InputError:  # too deep to parse with positions: the file and the field, then
            where = Location(file, field=".".join(str(part) for part in exc.loc))
        raise InputError.at(where, str(exc)) from None
