"""The founder's wizard, applied: how one answer goes into the workload document, and the
consequence of the document so far. The steps, their words and the conversions are
`derive.founder`'s (the words are the lens's); a shell (the terminal interview, a web page)
renders the steps, hands each answer to `apply()` and shows `consequence_of()`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ..derive.founder import Ask, Consequence, Unit, consequence, currency, to_rps
from ..model.common import Horizon
from ..model.lens import Lens
from ..model.workload import Workload
from .interview import DATASET_DEFAULT, get_path, set_path

WINDOW = {"night": 30, "week": 60}
"""The minutes a maintenance window starts with until the founder says how long it is."""


def apply(document: dict[str, Any], ask: Ask, value: Any, given: dict[str, Any]) -> None:
    """Put the founder's answer to `ask` into the workload `document`; `given` holds the
    answers so far by ask key (the unit a traffic figure is in, the dataset being named)."""
    given[ask.key] = value
    key = ask.key
    if key == "traffic.unit":
        return
    if key == "traffic.figure":
        unit: Unit = given.get("traffic.unit", "rps")
        converted = _per_horizon(value, lambda v: to_rps(float(v), unit))
        set_path(document, "answers.traffic.baseline_rps", converted)
        document["answers"]["traffic"].pop("concurrent_users", None)
    elif key == "app.currency":
        document["app"]["currency"] = currency(str(value))
    elif (
        ask.fills and value in ask.fills
    ):  # complete at once: the document stays valid while the rest is asked
        set_path(document, key, dict(ask.fills[value]))
    elif key == "answers.reliability.maintenance_window.every":
        reliability = document["answers"]["reliability"]
        if value == "none":
            reliability.pop("maintenance_window", None)
        else:
            reliability["maintenance_window"] = {"every": value, "minutes": WINDOW[value]}
    elif key.startswith("dataset."):
        datasets = document["answers"].setdefault("data", {}).setdefault("datasets", [])
        name = key.removeprefix("dataset.")
        if name == "name":
            datasets.append(dict(DATASET_DEFAULT, name=str(value).strip()))
        elif value is None:
            datasets[-1].pop(name, None)
        else:
            datasets[-1][name] = value
    elif value is None:  # an optional answer left empty: the model's default stands
        *parents, leaf = key.split(".")
        node = get_path(document, ".".join(parents))
        if isinstance(node, dict):
            node.pop(leaf, None)
    else:
        set_path(document, key, value)


def _per_horizon(value: Any, convert: Callable[[Any], Any]) -> Any:
    if isinstance(value, dict):
        return {h: convert(v) for h, v in value.items()}
    return convert(value)


def consequence_of(
    document: dict[str, Any], lens: Lens, step_id: str, h: Horizon = Horizon.NOW
) -> Consequence | None:
    """The consequence of the answers so far, or None while the document is not yet a valid
    workload (a step half answered)."""
    try:
        workload = Workload.model_validate(document)
    except ValidationError:
        return None
    return consequence(workload, lens, step_id, h)
