"""Export and import as JSON lines: SQLite to PostgreSQL and back without losing anything,
idempotent, and all-or-nothing with located errors for a bad file."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from devoops.base.errors import InputError
from devoops.store import Store, StoreError
from devoops.store.engine import sqlite_url
from devoops.store.transfer import AssessmentRecord, Counts, export, load, read

from ..pgserver import PostgresServer
from .support import FINTECH, assessed, count, findings_in, findings_rows, raw, variant


def export_text(url: str) -> str:
    out = io.StringIO()
    with Store(url) as store:
        export(store, out)
    return out.getvalue()


def import_text(url: str, text: str, name: str = "store.jsonl") -> Counts:
    records = read(io.StringIO(text), name)
    with Store(url) as store:
        return load(store, records)


def records(text: str) -> list[dict[str, Any]]:
    """The exported records, without the moment of the export."""
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["kind"] == "devoops-export"
    del lines[0]["exported_at"]
    return lines


def snapshot(url: str) -> dict[str, Any]:
    """Everything a user could see of the store: history with milestones, documents, texts."""
    with Store(url) as store:
        entries = store.history()
        loaded = [store.load(str(e.id)) for e in entries]
        apps = store.apps()
    with raw(url) as conn:
        rows = findings_rows(conn)
    return {
        "apps": apps,
        "entries": entries,
        "documents": [(s.assessment, s.workload_text) for s in loaded],
        "findings": rows,
    }


def fill(url: str) -> None:
    """Two applications, five assessments of which one is deleted (so the ids have a gap),
    two milestones."""
    a, text = assessed()
    ledger, ledger_text = assessed(FINTECH)
    with Store(url) as store:
        first = store.save(a, text)
        gone = store.save(variant(a, hours=1), text)
        store.save(variant(a, hours=2), text + "# edited\n")
        store.save(ledger, ledger_text)
        store.save(variant(ledger, hours=3), ledger_text)
        store.create_milestone("baseline", "linkpile", ref=str(first.id))
        store.create_milestone("audit", ledger.app.name)
    with raw(url) as conn, conn.begin():
        conn.execute(sa.text("DELETE FROM assessments WHERE id = :id"), {"id": gone.id})


def test_sqlite_to_postgresql_to_sqlite_keeps_everything(
    tmp_path: Path, postgres: PostgresServer, database: str
) -> None:
    source = sqlite_url(tmp_path / "a" / "devoops.db")
    fill(source)
    first = export_text(source)
    assert [r["id"] for r in records(first) if r["kind"] == "assessment"] == [1, 3, 4, 5]

    server = postgres.url(database)
    assert import_text(server, first) == Counts(applications=2, assessments=4, milestones=2, skipped=0)
    second = export_text(server)
    back = sqlite_url(tmp_path / "b" / "devoops.db")
    assert import_text(back, second) == Counts(applications=2, assessments=4, milestones=2, skipped=0)
    third = export_text(back)

    assert records(first) == records(second) == records(third)
    assert len(first.splitlines()) == 1 + 2 + 4 + 2
    expected = snapshot(source)
    assert [e.milestones for e in expected["entries"]] == [["baseline"], [], [], ["audit"]]
    assert snapshot(server) == expected  # ids, uids, milestones, documents, findings rows
    assert snapshot(back) == expected

    # Kept ids do not collide with the next one saved.
    a, text = assessed()
    for url in (server, back):
        with Store(url) as store:
            assert store.save(a, text).id == 6


def test_importing_the_same_file_twice_skips_everything(tmp_path: Path, store_url: str) -> None:
    source = sqlite_url(tmp_path / "source" / "devoops.db")
    fill(source)
    text = export_text(source)
    assert import_text(store_url, text) == Counts(applications=2, assessments=4, milestones=2, skipped=0)
    once = snapshot(store_url)
    assert import_text(store_url, text) == Counts(applications=2, assessments=0, milestones=0, skipped=4)
    assert snapshot(store_url) == once == snapshot(source)


def test_importing_into_a_store_in_use_adds_with_new_ids(tmp_path: Path, store_url: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        own = [store.save(variant(a, hours=-10 + h), text) for h in range(2)]
        store.create_milestone("before-the-move", ref=str(own[0].id))
    mine = snapshot(store_url)

    source = sqlite_url(tmp_path / "source" / "devoops.db")
    fill(source)
    theirs = snapshot(source)
    assert import_text(store_url, export_text(source)) == Counts(2, 4, 2, 0)

    with Store(store_url) as store:
        entries = store.history()
        by_uid = {e.uid: store.load(str(e.id)) for e in entries}
    assert len(entries) == 2 + 4
    assert [e.id for e in entries[:2]] == [e.id for e in own]  # its own, untouched
    assert [e.milestones for e in entries[:2]] == [["before-the-move"], []]
    imported = [by_uid[e.uid] for e in theirs["entries"]]
    assert {s.entry.id for s in imported}.isdisjoint(e.id for e in own)
    assert [(s.assessment, s.workload_text) for s in imported] == theirs["documents"]
    assert [s.entry.milestones for s in imported] == [e.milestones for e in theirs["entries"]]
    assert snapshot(store_url)["documents"][:2] == mine["documents"]
    with raw(store_url) as conn:
        assert findings_rows(conn) == {s.entry.id: findings_in(s.assessment) for s in by_uid.values()}


def bad_file(tmp_path: Path) -> tuple[str, str]:
    """An export with bad JSON on line 3, a field error on line 4, and a milestone naming an
    assessment the file does not hold on line 6; line 5 is a good assessment."""
    source = sqlite_url(tmp_path / "source" / "devoops.db")
    a, text = assessed()
    with Store(source) as store:
        store.save(a, text)
    header, application, assessment = export_text(source).splitlines()
    broken = '{"kind": "application", "name": '
    lines = [
        header,
        application,
        broken,
        json.dumps({"kind": "application", "name": "x", "created_at": "yesterday"}),
        assessment,
        json.dumps(
            {
                "kind": "milestone",
                "app": "linkpile",
                "name": "q4",
                "assessment_uid": "00000000-0000-0000-0000-000000000000",
                "created_at": "2026-11-29T12:00:00Z",
            }
        ),
    ]
    return "\n".join(lines) + "\n", broken


def test_a_bad_file_is_refused_whole_with_located_errors(tmp_path: Path, store_url: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        store.save(variant(a, app="already-here"), text)
    before = snapshot(store_url)
    file, broken = bad_file(tmp_path)
    try:
        json.loads(broken)
    except json.JSONDecodeError as exc:
        column = exc.colno

    with pytest.raises(InputError) as caught:
        import_text(store_url, file, "move.jsonl")
    lines = str(caught.value).splitlines()
    assert len(lines) == 3, lines
    assert lines[0] == f"move.jsonl:3:{column}: not JSON: Expecting value"
    assert lines[1].startswith("move.jsonl:4:1: created_at: ") and "datetime" in lines[1]
    assert lines[2] == (
        "move.jsonl:6:1: assessment_uid: milestone 'q4' names assessment "
        "00000000-0000-0000-0000-000000000000, which the file does not hold"
    )
    assert snapshot(store_url) == before


def test_a_file_holding_an_assessment_twice_is_refused(tmp_path: Path, store_url: str) -> None:
    source = sqlite_url(tmp_path / "source" / "devoops.db")
    fill(source)
    lines = export_text(source).splitlines()
    again = next(i for i, line in enumerate(lines) if '"kind":"assessment"' in line)
    lines.insert(len(lines) - 2, lines[again])  # before the milestones, on line len(lines) - 1
    Store(store_url).close()
    with pytest.raises(InputError) as caught:
        import_text(store_url, "\n".join(lines) + "\n", "twice.jsonl")
    message = str(caught.value)
    assert f"twice.jsonl:{len(lines) - 2}:1: uid: " in message and f"line {again + 1}" in message
    with raw(store_url) as conn:
        assert count(conn, "assessments") == 0


def test_an_import_failing_in_the_database_writes_nothing(tmp_path: Path, store_url: str) -> None:
    """Records that pass every check but collide in the database (the same uid twice, past
    `read`): the transaction rolls back, applications included."""
    a, text = assessed()
    with Store(store_url) as store:
        store.save(variant(a, app="already-here"), text)
    before = snapshot(store_url)
    source = sqlite_url(tmp_path / "source" / "devoops.db")
    fill(source)
    parsed = read(io.StringIO(export_text(source)), "store.jsonl")
    saved = [r for r in parsed if isinstance(r, AssessmentRecord)]
    twice = [*parsed, saved[-1].model_copy(update={"id": 99})]
    with Store(store_url) as store, pytest.raises(StoreError, match="store "):
        load(store, twice)
    assert snapshot(store_url) == before


def test_an_empty_file_is_not_an_export() -> None:
    with pytest.raises(InputError, match="^empty.jsonl:1:1: empty: not a devoops export$"):
        read(io.StringIO("\n\n"), "empty.jsonl")
    with pytest.raises(InputError, match="^other.jsonl:1:1: kind: "):
        read(io.StringIO('{"kind": "something-else"}\n'), "other.jsonl")
