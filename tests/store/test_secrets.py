"""`${VAR}` references in a workload stay references: with the variable set to a secret, the
secret reaches neither the store (its files, every text column) nor anything the CLI prints."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from devoops.api import assess_file
from devoops.model.common import Horizon
from devoops.store import Store

from ..helpers import cli
from .support import BOOKMARKS, raw

SECRET = "Zq7-hunter2-not-for-the-store-Xv9"
REFERENCE = "${DB_PASSWORD}"
PRACTICE = """  backups.restore-drilled:
    choice: never
    note: the restore script logs in with ${DB_PASSWORD} from the vault
    evidence: "psql postgresql://restore:${DB_PASSWORD}@db.internal/prod -c 'select 1'"
"""


def workload_file(folder: Path) -> Path:
    text = BOOKMARKS.read_text()
    assert "  backups.restore-drilled: never\n" in text
    path = folder / "devoops.yaml"
    path.write_text(text.replace("  backups.restore-drilled: never\n", PRACTICE))
    return path


def stored_text(url: str) -> str:
    """Everything the store holds, as text: the SQLite files' raw bytes (database, WAL, shared
    memory), or every text and JSON column of every PostgreSQL table read back."""
    if url.startswith("sqlite"):
        database = Path(sa.make_url(url).database or "")
        files = sorted(database.parent.glob(database.name + "*"))
        assert {database, database.with_name(database.name + "-wal")} <= set(files)
        return "\n".join(f.read_bytes().decode("latin-1") for f in files)
    values: list[str] = []
    with raw(url) as conn:
        columns = conn.execute(
            sa.text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
            )
        ).all()
        assert {"document", "workload_text"} <= {c.column_name for c in columns}
        for table, column in columns:
            values += conn.scalars(sa.text(f'SELECT "{column}"::text FROM "{table}"')).all()
    return "\n".join(v for v in values if v is not None)


def test_a_secret_in_the_environment_stays_out_of_the_store_and_the_output(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    monkeypatch.delenv("DEVOOPS_DATABASE_URL", raising=False)
    path = workload_file(tmp_path)
    result = assess_file(path, years=0)
    [note] = [
        f.note for f in result.assessment.at(Horizon.NOW).findings if f.practice == "backups.restore-drilled"
    ]
    assert note is not None and REFERENCE in note
    with Store(store_url) as store:
        store.save(result.assessment, result.loaded.text)

    db = ("--db", store_url)
    commands = [
        ("assess", path, "--years", "0", "--save", *db, "-f", "json"),
        ("history", *db),
        ("show", "latest", "-f", "md", *db),
        ("show", "2", "-f", "workload", *db),
        ("diff", "1", "latest", "-f", "json", *db),
        ("export", *db),
    ]
    outputs = [cli(*command, cwd=tmp_path) for command in commands]
    saving = outputs[0]
    for out in outputs:
        assert out.returncode == 0, (out.args, out.stderr)
        assert SECRET not in out.stdout + out.stderr, out.args
    assert REFERENCE in saving.stdout  # the note is reported as written
    assert outputs[3].stdout == path.read_text()  # show -f workload

    # Keep the store open after a save, so that SQLite's WAL still holds the latest pages.
    with Store(store_url) as store:
        store.save(result.assessment, result.loaded.text)
        stored = store.load("latest")
        everything = stored_text(store_url)
    assert stored.workload_text == path.read_text()
    [finding] = [
        f for f in stored.assessment.at(Horizon.NOW).findings if f.practice == "backups.restore-drilled"
    ]
    assert finding.note == note and finding.evidence is not None and REFERENCE in finding.evidence
    assert REFERENCE in everything  # what was written is there ...
    assert SECRET not in everything  # ... and what it refers to is not
