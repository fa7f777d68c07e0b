"""JSON Schemas of the workload file and the JSON report, with ids and titles for editors.

The model keeps a probe's `options` a plain mapping (the model cannot know which kinds are
installed); the workload's schema types them here, from the registry: `probes` holds a union
keyed on `type`, one variant per installed kind with that kind's own options, so an editor
completes and checks each kind's settings."""

from __future__ import annotations

import functools
import operator
import re
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, Field, create_model

from ..model.assessment import Assessment
from ..model.workload import ProbeConfig, ProbeName, Workload

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def workload_schema() -> dict[str, Any]:
    schema = _typed_probes().model_json_schema(by_alias=True)
    return {
        "$schema": DIALECT,
        "$id": "urn:devoops:schema:workload:1",
        **schema,
        "title": "devoops workload file (devoops.yaml)",
    }


def assessment_schema() -> dict[str, Any]:
    schema = Assessment.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": DIALECT,
        "$id": "urn:devoops:schema:assessment:1",
        **schema,
        "title": "devoops assessment (assess -f json)",
    }


def _typed_probes() -> type[BaseModel]:
    """The Workload with `probes` typed per kind: a union discriminated by `type`, over every
    installed kind that loads (one that does not is the loader's to report)."""
    from ..probes.catalogue import catalogue

    variants = [_variant(k.entry.kind, k.cls) for k in catalogue() if k.cls is not None]
    if not variants:
        return Workload
    union: Any = functools.reduce(operator.or_, variants)
    one = Annotated[union, Field(discriminator="type")] if len(variants) > 1 else union
    probes = Workload.model_fields["probes"]
    return create_model(
        "Workload",
        __base__=Workload,
        __doc__=Workload.__doc__,
        probes=(dict[ProbeName, one], Field(default={}, description=probes.description)),  # type: ignore[valid-type]
    )


def _variant(kind: str, cls: Any) -> type[BaseModel]:
    """A probe of one kind: its `type` fixed, its `options` its own model; documented by the
    kind's docstring and page."""
    from ..probes.catalogue import about

    options = cls.Options
    required = any(f.is_required() for f in options.model_fields.values())
    name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", kind)) + "Probe"
    return cast(
        type[BaseModel],
        create_model(
            name,
            __base__=ProbeConfig,
            __doc__=f"A `{kind}` probe: {about(cls)} See {cls.docs}.",
            type=(cast(Any, Literal)[kind], Field(description=f"probe kind {kind}")),
            options=(
                options,
                Field(description=f"the settings of {kind}; see {cls.docs}")
                if required
                else Field(default={}, description=f"the settings of {kind}; see {cls.docs}"),
            ),
        ),
    )
