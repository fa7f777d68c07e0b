"""A workload document's text changed the way the browser app changes it: one practice's
choice, exemption or not-applicable, one inventory component, the whole inventory (from a
Terraform state), or the whole document (an uploaded devoops.yaml). Each change edits the
YAML round trip, so the user's comments and order stay, and the new text passes the CLI's own
loader before it is returned: a change that would make the file invalid raises the loader's
InputError, located by file, line, column and field, and nothing is returned to save.

Also what the practices page shows: each choice of each practice judged at the workload's
importance by the assessment's own judge (`evaluate.findings.finding`)."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.errors import InputError, Location, quoted
from ..base.located import Source
from ..derive import derive
from ..evaluate import assess
from ..evaluate.catastrophes import YEARS
from ..evaluate.findings import finding
from ..importers.inventory import Imported
from ..model.common import Horizon, Risk
from ..model.lens import Lens, Practice, TenetDef
from ..model.practices import PracticeState
from ..model.workload import Workload
from . import Result, located
from .interview import defaults, merge, to_yaml
from .workload import load_text

FILE = "devoops.yaml"
"""The name a stored document goes by in its errors and its download."""
TEXT_LIMIT = 1_000_000
"""The largest devoops.yaml taken: real ones are a few kilobytes."""


@dataclass(frozen=True)
class Change:
    """A new text and what changed in it: the subject (`practices.backups.offsite`), its old and
    new value as JSON data for the audit trail, and a one-line summary for the version list."""

    text: str
    subject: str
    old: Any
    new: Any
    summary: str


def starting_text(name: str, lens: Lens) -> str:
    """What `devoops init --defaults` writes, for an application of this name."""
    return to_yaml(merge(defaults(lens), {"app": {"name": name}}), lens)


def assess_text(text: str, lens: Lens, now: dt.datetime, years: int = YEARS) -> Result:
    """`api.assess_file` of a stored document, as if the file were `devoops.yaml` here."""
    loaded = load_text(text, lens, FILE)
    return Result(loaded, lens, located(assess(loaded.workload, lens, now, FILE, years=years), loaded))


# --- practices


def set_choice(text: str, lens: Lens, practice: str, choice: str) -> Change:
    """The choice recorded; an exemption, evidence or note beside it stays, not-applicable goes."""

    def change(record: Any) -> Any:
        if not isinstance(record, dict):
            return choice
        record.pop("not_applicable", None)
        record.pop("reason", None)
        record["choice"] = choice
        return record

    return _practice(text, lens, practice, change, f"{practice}: {choice}")


def set_exemption(text: str, lens: Lens, practice: str, owner: str, reason: str, expires: dt.date) -> Change:
    """Exempt until `expires` (inclusive); a recorded choice stays for when it ends."""

    def change(record: Any) -> Any:
        kept = {"choice": record} if isinstance(record, str) else dict(record or {})
        kept.pop("not_applicable", None)
        kept.pop("reason", None)
        return {**kept, "exemption": {"owner": owner, "reason": reason, "expires": expires}}

    return _practice(text, lens, practice, change, f"{practice}: exempt until {expires}")


def set_not_applicable(text: str, lens: Lens, practice: str, reason: str) -> Change:
    return _practice(
        text,
        lens,
        practice,
        lambda record: {"not_applicable": True, "reason": reason},
        f"{practice}: not applicable",
    )


def clear_practice(text: str, lens: Lens, practice: str) -> Change:
    """No record: the practice is judged from the answers, the inventory and the evidence."""
    return _practice(text, lens, practice, lambda record: None, f"{practice}: record removed")


def _practice(text: str, lens: Lens, practice: str, change: Callable[[Any], Any], summary: str) -> Change:
    if lens.practice(practice) is None:
        raise InputError.at(Location(FILE, field="practice"), f"unknown practice {quoted(practice)}")
    before: dict[str, Any] = {}

    def edit(doc: Any) -> None:
        records = doc.get("practices")
        old = records.get(practice) if isinstance(records, dict) else None
        before["old"] = plain(old)
        new = change(old)
        if new is None:
            if isinstance(records, dict):
                records.pop(practice, None)
                if not records:
                    del doc["practices"]
            return
        if not isinstance(records, dict):
            doc["practices"] = records = {}
        records[practice] = new

    new_text, doc = edited(text, lens, edit)
    new = (doc.get("practices") or {}).get(practice)
    return Change(new_text, f"practices.{practice}", before["old"], plain(new), summary)


# --- the inventory


@dataclass(frozen=True)
class ComponentFields:
    """What the inventory's form edits of a component; its other settings stay as written."""

    kind: str
    provider: str = ""
    account: str = ""
    region: str = ""
    zones: list[str] = field(default_factory=list)
    instances: int | None = None
    depends_on: list[str | list[str]] = field(default_factory=list)  # a list: any one of them
    datasets: list[str] = field(default_factory=list)
    backups_to: list[str] = field(default_factory=list)


def names(text: str) -> list[str]:
    """A comma-separated list as typed: `a, b` -> ["a", "b"]."""
    return [part.strip() for part in text.split(",") if part.strip()]


def dependencies(text: str) -> list[str | list[str]]:
    """`app, dns-a | dns-b` -> ["app", ["dns-a", "dns-b"]]: a `|` joins alternatives."""
    found: list[str | list[str]] = []
    for part in names(text):
        alternatives = [a.strip() for a in part.split("|") if a.strip()]
        found.append(alternatives[0] if len(alternatives) == 1 else alternatives)
    return found


def shown_dependencies(value: Sequence[Any]) -> str:
    """The inverse of `dependencies`, for the form."""
    return ", ".join(
        " | ".join(d["any_of"]) if isinstance(d, dict) and "any_of" in d else str(d) for d in value
    )


def put_component(text: str, lens: Lens, cid: str, fields: ComponentFields, was: str | None = None) -> Change:
    """Add component `cid`, or edit component `was` (renamed to `cid` when they differ)."""
    before: dict[str, Any] = {}

    def edit(doc: Any) -> None:
        if not isinstance(doc.get("inventory"), dict):
            doc["inventory"] = {"components": {}}
        components = doc["inventory"].setdefault("components", {})
        if was is not None and was not in components:
            raise InputError.at(Location(FILE, field="component"), f"no component {quoted(was)} to edit")
        if cid != was and cid in components:
            raise InputError.at(Location(FILE, field="id"), f"a component {quoted(cid)} exists already")
        record = components.get(was) if was is not None else None
        before["old"] = plain(record)
        record = _component(record if record is not None else {}, fields)
        if was is not None and cid != was:
            at = list(components).index(was)
            del components[was]
            components.insert(at, cid, record)
        else:
            components[cid] = record

    new_text, doc = edited(text, lens, edit)
    verb = "added" if was is None else ("edited" if cid == was else f"renamed from {was}")
    new = plain(doc["inventory"]["components"][cid])
    return Change(new_text, f"inventory.components.{cid}", before["old"], new, f"component {cid} {verb}")


def remove_component(text: str, lens: Lens, cid: str) -> Change:
    """The component goes; the last one takes the inventory section with it."""
    before: dict[str, Any] = {}

    def edit(doc: Any) -> None:
        components = (doc.get("inventory") or {}).get("components") or {}
        if cid not in components:
            raise InputError.at(Location(FILE, field="component"), f"no component {quoted(cid)} to remove")
        before["old"] = plain(components.pop(cid))
        if not components:
            del doc["inventory"]

    new_text, _ = edited(text, lens, edit)
    return Change(new_text, f"inventory.components.{cid}", before["old"], None, f"component {cid} removed")


def _component(record: Any, f: ComponentFields) -> Any:
    """`record` with the form's fields written over it; an empty field drops its key."""
    values: dict[str, Any] = {
        "kind": f.kind,
        "provider": f.provider,
        "account": f.account,
        "region": f.region,
        "zones": f.zones,
        "instances": f.instances,
        "depends_on": [d if isinstance(d, str) else {"any_of": d} for d in f.depends_on],
        "datasets": f.datasets,
    }
    for key, value in values.items():
        if value in ("", [], None):
            record.pop(key, None)
        else:
            record[key] = value
    kept = {b["to"]: b for b in record.get("backups") or [] if isinstance(b, dict) and "to" in b}
    backups = [kept.get(to, {"to": to}) for to in f.backups_to]
    if backups:
        record["backups"] = backups
    else:
        record.pop("backups", None)
    return record


def replace_inventory(text: str, lens: Lens, imported: Imported, file: str) -> Change:
    """The inventory section replaced by an imported one, its notes as comments above it."""
    before: dict[str, Any] = {}

    def edit(doc: Any) -> None:
        before["old"] = len((doc.get("inventory") or {}).get("components") or {})
        doc["inventory"] = imported.inventory
        notes = [*imported.notes, *(f"not mapped: {a}: {imported.reasons[a]}" for a in imported.unmapped)]
        if notes:
            doc.yaml_set_comment_before_after_key("inventory", before="\n".join(notes))

    new_text, _ = edited(text, lens, edit)
    count = len(imported.inventory["components"])
    return Change(new_text, "inventory", before["old"], count, f"inventory from {file}: {count} components")


def state_inventory(data: bytes, file: str) -> Imported:
    """A `terraform show -json` upload mapped to an inventory; errors located in the upload."""
    from ..importers.terraform import parse_state

    imported = parse_state(_decoded(data, file).lstrip("\ufeff"), file)
    if not imported.inventory["components"]:
        raise InputError.at(Location(file), "no resource in the state could be mapped to a component")
    return imported


def uploaded_document(data: bytes, file: str, lens: Lens, name: str) -> str:
    """An uploaded devoops.yaml, checked by the loader and for this application's name."""
    text = _decoded(data, file, TEXT_LIMIT)
    loaded = load_text(text, lens, file)
    if loaded.workload.app.name != name:
        where = Source.parse(Path(file), text).at(("app", "name"))
        message = f"this file is for {quoted(loaded.workload.app.name)}; this application is {quoted(name)}"
        raise InputError.at(where, message)
    return text


def _decoded(data: bytes, file: str, limit: int | None = None) -> str:
    if limit is not None and len(data) > limit:
        raise InputError.at(Location(file), f"larger than {limit // 1000} kB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.at(Location(file), f"not UTF-8 text ({exc.reason})") from None


# --- editing the text


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)  # as `devoops init` writes
    yaml.width = 100
    return yaml


def edited(text: str, lens: Lens, change: Callable[[Any], None]) -> tuple[str, Any]:
    """`change` applied to the round-trip document, which must stay a valid workload."""
    yaml = _yaml()
    doc = Source.parse(Path(FILE), text).positions  # bounded (depth, aliases) before composing
    if not isinstance(doc, dict):
        raise InputError.at(Location(FILE, 1, 1), "expected a mapping with app: and answers:")
    change(doc)
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    new = buffer.getvalue()
    load_text(new, lens, FILE)
    return new, doc


def plain(node: Any) -> Any:
    """A YAML node as JSON data, for the audit trail (dates as ISO text)."""
    return None if node is None else json.loads(json.dumps(node, default=str))


# --- what each choice would mean


@dataclass(frozen=True)
class Option:
    id: str
    title: str
    risk: Risk
    reason: str


@dataclass(frozen=True)
class Row:
    practice: Practice
    state: PracticeState | None  # as recorded under `practices:`
    options: list[Option]


@dataclass(frozen=True)
class Group:
    tenet: TenetDef
    importance: int
    rows: list[Row]


def practice_board(w: Workload, lens: Lens, today: dt.date) -> list[Group]:
    """Every practice under its first tenet, each choice judged at today's importance."""
    importance = {i.tenet: i.value for i in derive(w, lens, Horizon.NOW).importance}
    rows: dict[str, list[Row]] = {}
    for p in lens.practices:
        options = []
        for c in p.choices:
            judged = finding(p, PracticeState(choice=c.id), importance, Horizon.NOW, today)
            options.append(Option(c.id, c.title, judged.risk, judged.reason))
        rows.setdefault(p.tenets[0].value, []).append(Row(p, w.practices.get(p.id), options))
    return [Group(t, importance[t.id], rows[t.id.value]) for t in lens.tenets if t.id.value in rows]
