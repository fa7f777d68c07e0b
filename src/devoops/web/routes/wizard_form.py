"""The founder's wizard as HTML forms: each step's asks (`derive.founder.steps`) named as form
fields, what the document holds shown back in them, and a posted form read into answers,
each refusal named by its field. The answers go into the document through
`api.founder.apply`, as the terminal interview puts them, inside the workspace's one way of
editing a stored text (`api.documents`), so the loader checks the result before it is saved.

Field names: an ask's key (`app.currency`); `KEY@12mo` for its answer 12 months from now;
`KEY@VALUE` for one box of a several-answers ask; `dataset.N.LEAF` for the Nth kind of data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...api import documents
from ...api.documents import FILE, Change
from ...api.founder import apply
from ...api.interview import DATASET_DEFAULT, get_path, horizon_value
from ...base.errors import InputError, Location
from ...derive.founder import Ask, Step, clock, duration, rounded, visitors_from_rps
from ...model.lens import Lens
from ..forms import FieldError
from ..forms import text as one_line

LATER = "@12mo"
TEXT_LIMIT = 200
DATASETS = "answers.data.datasets"
TRAFFIC = ("answers.traffic.baseline_rps", "answers.traffic.concurrent_users")


@dataclass
class Read:
    """A posted step: the answers in the order they are applied (a kind of data's rows as
    lists of them), and the refusals by field name."""

    answers: list[tuple[Ask, Any]] = field(default_factory=list)
    datasets: list[list[tuple[Ask, Any]]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the form's row of each kind of data named
    errors: dict[str, str] = field(default_factory=dict)


def name(a: Ask, row: int | None = None) -> str:
    return a.key if row is None else f"dataset.{row}.{a.key.removeprefix('dataset.')}"


def shown_asks(step: Step) -> list[Ask]:
    """What the form asks: the application's name is the organisation's, never asked here."""
    return [a for a in step.asks if a.key != "app.name"]


def dataset_rows(data: Mapping[str, Any]) -> int:
    """The rows the data step shows: each kind of data named so far, and one more."""
    return len(get_path(dict(data), DATASETS) or []) + 1


# --- what the document holds, as the form shows it


def shown(step: Step, data: Mapping[str, Any]) -> dict[str, str]:
    """Each field's text from the document `data` (plain YAML data)."""
    out: dict[str, str] = {}
    doc = dict(data)
    for a in shown_asks(step):
        if a.key.startswith("dataset."):
            continue
        if a.key == "traffic.unit":
            out[a.key] = "concurrent" if get_path(doc, TRAFFIC[1]) is not None else str(a.default)
            continue
        if a.key == "traffic.figure":
            value = _traffic(doc, out.get("traffic.unit", "visitors"))
        else:
            value = get_path(doc, a.key)
            if a.key == "app.business_hours" and isinstance(value, dict):
                value = "business"
        now, later = _horizons(value)
        if a.kind == "choices":
            for o in a.options:
                if o.value in (now if isinstance(now, list) else a.default or []):
                    out[f"{a.key}@{o.value}"] = "on"
            continue
        out[a.key] = _text(a, a.default if now is None and a.default is not None else now)
        if a.also_12mo and later is not None and later != now:
            out[a.key + LATER] = _text(a, later)
    datasets = [d for d in get_path(doc, DATASETS) or [] if isinstance(d, dict)]
    for row, dataset in enumerate([*datasets, None]):  # the row to add one more starts at the defaults
        for a in step.asks:
            if a.key.startswith("dataset."):
                value = dataset.get(a.key.removeprefix("dataset.")) if dataset else a.default
                out[name(a, row)] = _text(a, value)
    return out


def _traffic(doc: dict[str, Any], unit: str) -> Any:
    """The usual traffic in the founder's unit, converted back from the file's rate."""
    if unit == "concurrent":
        return get_path(doc, TRAFFIC[1])
    rps = get_path(doc, TRAFFIC[0])
    convert: Callable[[float], float] = (
        (lambda r: rounded(visitors_from_rps(float(r)))) if unit == "visitors" else float
    )
    if isinstance(rps, dict):
        return {h: convert(v) for h, v in rps.items()}
    return None if rps is None else convert(rps)


def _horizons(value: Any) -> tuple[Any, Any]:
    if isinstance(value, dict) and "now" in value:
        return value["now"], value.get("12mo", value.get("6mo", value["now"]))
    return value, None


def _text(a: Ask, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if a.kind == "duration" and isinstance(value, int | float):
        return f"{plain(value)} min"
    if isinstance(value, float):
        return plain(value)
    return str(value)


def plain(value: float) -> str:
    """A number as a person types it: 20000, 11.1, 0.5."""
    return f"{value:f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


# --- a posted form, read


def read(step: Step, form: Mapping[str, str], rows: int) -> Read:
    """The step's answers from `form`; an ask not wanted by the answers before it is skipped."""
    found = Read()
    given: dict[str, Any] = {}
    for a in shown_asks(step):
        if a.key.startswith("dataset.") or not a.wanted(given):
            continue
        try:
            value = _value(a, form, a.key)
            if a.also_12mo and value is not None:
                value = horizon_value(value, _value(a, form, a.key + LATER, later=True))
        except FieldError as e:
            found.errors[e.field] = e.message
            continue
        if value is None and not a.optional:
            if a.engineer:
                continue  # skipped: the file keeps what it holds
            found.errors[a.key] = "an answer, please"
            continue
        given[a.key] = value
        found.answers.append((a, value))
    kinds = [a for a in step.asks if a.key.startswith("dataset.")]
    for row in range(rows):
        if not form.get(f"dataset.{row}.name", "").strip():
            continue  # a row without a name is no kind of data
        answers = []
        for a in kinds:
            try:
                answers.append((a, _value(a, form, name(a, row))))
            except FieldError as e:
                found.errors[e.field] = e.message
        found.datasets.append(answers)
        found.rows.append(row)
    return found


def _value(a: Ask, form: Mapping[str, str], field: str, later: bool = False) -> Any:
    """One field's answer: None when left empty."""
    if a.kind == "choices":
        return [o.value for o in a.options if form.get(f"{a.key}@{o.value}")]
    typed = one_line(form, field, TEXT_LIMIT, required=False)
    if not typed:
        return None
    if a.options:
        for o in a.options:
            if str(o.value) == typed:
                return o.value
        raise FieldError(field, "choose one of the answers")
    if a.kind == "boolean":
        if typed not in ("yes", "no"):
            raise FieldError(field, "yes or no")
        return typed == "yes"
    parsers: dict[str, Callable[[str], Any]] = {"text": str, "clock": clock, "duration": duration}
    parse = parsers.get(a.kind, _number(a.kind))
    try:
        return parse(typed)
    except ValueError as exc:
        raise FieldError(field, str(exc)) from None


def _number(kind: str) -> Callable[[str], int | float]:
    def parse(typed: str) -> int | float:
        try:
            value = int(typed) if kind == "integer" else float(typed.replace(",", ""))
        except ValueError:
            raise ValueError(f"a {'whole ' if kind == 'integer' else ''}number, please") from None
        return int(value) if isinstance(value, float) and value.is_integer() else value

    return parse


# --- the answers, written


def change(text: str, lens: Lens, step: Step, found: Read, summary: str) -> Change:
    """The stored `text` with the step's answers put in, checked by the loader (InputError),
    and what it changed for the audit trail: each of the step's settings, old and new."""
    keys = _keys(step)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}

    def edit(doc: Any) -> None:
        before.update({k: documents.plain(get_path(doc, k)) for k in keys})
        given: dict[str, Any] = {}
        for a, value in found.answers:
            try:
                apply(doc, a, value, given)
            except ValueError as exc:  # what apply() itself refuses: a currency code, a count
                raise InputError.at(Location(FILE, field=a.key), str(exc)) from None
        if step.id == "data":
            _datasets(doc, found.datasets, given)
        after.update({k: documents.plain(get_path(doc, k)) for k in keys})

    new_text, _ = documents.edited(text, lens, edit)
    old = {k: v for k, v in before.items() if v != after[k]}
    new = {k: after[k] for k in old}
    return Change(new_text, f"answers.{step.id}", old, new, summary)


def _datasets(doc: Any, rows: list[list[tuple[Ask, Any]]], given: dict[str, Any]) -> None:
    """The kinds of data as the rows name them; a kind's settings the form does not show
    (its description) stay with it. None named: the one `devoops init` starts with."""
    data = doc["answers"].setdefault("data", {})
    kept = list(data.get("datasets") or [])
    data["datasets"] = []
    for row, answers in enumerate(rows):
        for a, value in answers:
            apply(doc, a, value, given)
            if a.key == "dataset.name" and row < len(kept) and isinstance(kept[row], dict):
                data["datasets"][-1].update({k: v for k, v in kept[row].items() if k == "description"})
    if not data["datasets"]:
        data["datasets"].append(dict(DATASET_DEFAULT))


def _keys(step: Step) -> list[str]:
    """The document's settings a step writes."""
    keys: list[str] = []
    for a in step.asks:
        if a.key == "traffic.figure":
            keys += TRAFFIC
        elif a.key.startswith("dataset."):
            keys += [] if DATASETS in keys else [DATASETS]
        elif a.key not in ("traffic.unit", "app.name"):
            keys.append(a.key)
    return keys


def located(error: InputError, step: Step, found: Read) -> dict[str, str]:
    """The loader's problems beside the fields they are about (`form`: about none of them),
    each as its located line: file:line:column: field: message."""
    names = {a.key: name(a) for a in shown_asks(step) if not a.key.startswith("dataset.")}
    names |= {k: "traffic.figure" for k in TRAFFIC}
    later = {a.key for a in step.asks if a.also_12mo}
    out: dict[str, str] = {}
    for location, message in error.problems:
        line = str(InputError([(location, message)]))
        path = location.field
        target = "form"
        if path.startswith(DATASETS + "."):
            index, _, leaf = path.removeprefix(DATASETS + ".").partition(".")
            if index.isdigit() and int(index) < len(found.rows):
                target = f"dataset.{found.rows[int(index)]}.{leaf.split('.')[0] or 'name'}"
        else:
            owners = [k for k in names if path == k or path.startswith(k + ".")]
            if owners:
                target = names[max(owners, key=len)]
                if path.endswith(".12mo") and target in later:
                    target += LATER
        out[target] = f"{out[target]}\n{line}" if target in out else line
    return out
