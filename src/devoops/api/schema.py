"""JSON Schemas of the workload file and the JSON report, with ids and titles for editors."""

from __future__ import annotations

from typing import Any

from ..model.assessment import Assessment
from ..model.workload import Workload

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def workload_schema() -> dict[str, Any]:
    schema = Workload.model_json_schema(by_alias=True)
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
