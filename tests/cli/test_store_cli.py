"""The store through the real command line: save, history, diff, show, milestones, export and
import, and the errors a user meets, with their exit codes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from devoops.store import Store
from devoops.store.engine import sqlite_url

from ..conftest import ROOT
from ..helpers import cli
from ..store.support import FINTECH, assessed, devoops_all, variant

BOOKMARKS = ROOT / "examples" / "bookmarks.yaml"
NEVER, AUTOMATED = "backups.restore-drilled: never\n", "backups.restore-drilled: automated\n"
RESOLVED = "Restores tested regularly"


@pytest.fixture(scope="module", autouse=True)
def no_store_in_the_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DEVOOPS_DATABASE_URL", raising=False)
        yield


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with devoops.yaml (bookmarks), assessed and saved twice: as the example, then
    with restores drilled automatically. The store is the default one, .devoops/devoops.db."""
    folder = tmp_path_factory.mktemp("saved")
    workload = folder / "devoops.yaml"
    shutil.copy(BOOKMARKS, workload)
    first = cli("assess", "devoops.yaml", "--save", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert f"saved as assessment 1 of linkpile in {folder / '.devoops' / 'devoops.db'}" in first.stderr
    assert NEVER in workload.read_text()
    workload.write_text(workload.read_text().replace(NEVER, AUTOMATED))
    second = cli("assess", "devoops.yaml", "--save", cwd=folder)
    assert second.returncode == 0, second.stderr
    assert "saved as assessment 2 of linkpile" in second.stderr
    return folder


def copy_of(saved: Path, tmp_path: Path) -> Path:
    """The saved folder, for a test that changes its store."""
    return Path(shutil.copytree(saved, tmp_path / "copy"))


def test_history_finds_the_store_in_the_folder(saved: Path) -> None:
    table, listing = devoops_all(["history"], ["history", "-f", "json"], cwd=saved)
    assert table.returncode == listing.returncode == 0, table.stderr + listing.stderr
    assert str(saved / ".devoops" / "devoops.db") in table.stdout
    rows = [line for line in table.stdout.splitlines() if "linkpile" in line and "│" in line]
    assert [row.split("│")[1].strip() for row in rows] == ["1", "2"]
    entries = json.loads(listing.stdout)
    assert [(e["id"], e["app"]) for e in entries] == [(1, "linkpile"), (2, "linkpile")]
    # proven backups: the restore practice resolved, and the catastrophes they now survive
    assert entries[1]["high"] < entries[0]["high"] - 1


def test_diff_without_references_names_the_resolved_finding(saved: Path) -> None:
    table, as_json = devoops_all(["diff"], ["diff", "-f", "json"], cwd=saved)
    assert table.returncode == as_json.returncode == 0, table.stderr + as_json.stderr
    [line] = [line for line in table.stdout.splitlines() if RESOLVED in line]
    assert "resolved" in line and "HIGH → NONE" in line
    assert "#1" in table.stdout and "#2" in table.stdout
    d = json.loads(as_json.stdout)
    findings = {c["subject"]: c for c in d["changes"] if c["kind"] == "finding"}
    drilled = findings["backups.restore-drilled"]
    assert (drilled["note"], drilled["direction"]) == ("resolved", "improved")
    # the backups now count: a dropped table and a fire no longer end the company
    moved = {c["title"]: (c["before"], c["after"]) for c in d["changes"] if c["kind"] == "scenario"}
    assert moved["Accidental DROP TABLE on production"] == ("company-ending", "damaged")


def test_show_latest_as_json_is_what_assess_prints(saved: Path) -> None:
    shown, assessed = devoops_all(
        ["show", "latest", "-f", "json"], ["assess", "devoops.yaml", "-f", "json"], cwd=saved
    )
    assert shown.returncode == assessed.returncode == 0, shown.stderr + assessed.stderr
    before, now = json.loads(shown.stdout), json.loads(assessed.stdout)
    assert before.pop("generated_at") != now.pop("generated_at")
    assert before == now


def test_show_workload_prints_each_file_verbatim(saved: Path) -> None:
    first, second = devoops_all(["show", "1", "-f", "workload"], ["show", "2", "-f", "workload"], cwd=saved)
    assert first.returncode == second.returncode == 0
    assert first.stdout == BOOKMARKS.read_text()
    assert second.stdout == (saved / "devoops.yaml").read_text() != first.stdout


def test_milestones_diff_export_and_import(saved: Path, tmp_path: Path) -> None:
    folder = copy_of(saved, tmp_path)
    created = cli("milestone", "create", "q4-review", "--ref", "1", cwd=folder)
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("milestone q4-review is assessment 1 of linkpile (")

    listed, compared, again, exported = devoops_all(
        ["milestone", "list"],
        ["diff", "q4-review", "latest", "-f", "json"],
        ["milestone", "create", "q4-review"],
        ["export", "-o", "store.jsonl"],
        cwd=folder,
    )
    assert listed.returncode == 0 and listed.stdout.startswith("q4-review\tlinkpile\tassessment 1\t")
    assert compared.returncode == 0, compared.stderr
    d = json.loads(compared.stdout)
    assert (d["before"]["label"], d["after"]["label"]) == ("#1", "#2")
    notes = {c["subject"]: c["note"] for c in d["changes"] if c["kind"] == "finding"}
    assert notes["backups.restore-drilled"] == "resolved"
    assert again.returncode == 2 and "already has a milestone 'q4-review' (assessment 1)" in again.stderr
    assert exported.returncode == 0, exported.stderr
    assert "exported 1 applications, 2 assessments, 1 milestones" in exported.stderr

    imported = cli("import", "store.jsonl", "--db", "other.db", cwd=folder)
    assert imported.returncode == 0, imported.stderr
    assert "2 assessments, 1 milestones" in imported.stdout
    there, here, there_json, here_json = devoops_all(
        ["history", "--db", "other.db"],
        ["history"],
        ["history", "--db", "other.db", "-f", "json"],
        ["history", "-f", "json"],
        cwd=folder,
    )
    assert there.returncode == here.returncode == there_json.returncode == here_json.returncode == 0
    assert json.loads(there_json.stdout) == json.loads(here_json.stdout)
    assert [e["milestones"] for e in json.loads(there_json.stdout)] == [["q4-review"], []]
    # The same table, under a title naming the other store.
    assert there.stdout.splitlines()[1:] == here.stdout.splitlines()[1:]
    assert "other.db" in there.stdout.splitlines()[0]

    twice = cli("import", "store.jsonl", "--db", "other.db", cwd=folder)
    assert twice.returncode == 0 and "0 assessments, 0 milestones; 2 already there, skipped" in twice.stdout


HEADER = '{"kind":"devoops-export","format":1,"exported_at":"2026-11-29T12:00:00Z","devoops_version":"0"}\n'


def test_errors_exit_2_for_usage_and_3_for_an_unreachable_store(saved: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "header.jsonl").write_text(HEADER)
    (empty / "bad.jsonl").write_text(HEADER + '{"kind": "application", "name": "x"}\n')
    nobody = "postgresql://nobody@127.0.0.1:1/x"
    password = "postgresql://u:s3cretpw@127.0.0.1:1/x"
    workload = saved / "devoops.yaml"
    no_store, unknown, bad_import, malformed, unreachable, *hidden = devoops_all(
        ["history"],
        ["show", "99", "--db", saved / ".devoops" / "devoops.db"],
        ["import", "bad.jsonl", "--db", "new.db"],
        ["history", "--db", "postgresql://devoops:s3cretpw/devoops"],  # no @host: the password is the port
        ["history", "--db", nobody],
        ["history", "--db", password],
        ["show", "latest", "--db", password],
        ["assess", workload, "--save", "--db", password],
        ["export", "--db", password],
        ["import", "header.jsonl", "--db", password],
        cwd=empty,
    )
    assert no_store.returncode == 2 and "--db" in no_store.stderr and "no store in" in no_store.stderr
    assert unknown.returncode == 2 and "no assessment 99" in unknown.stderr
    assert bad_import.returncode == 2
    assert bad_import.stderr.startswith("error: bad.jsonl:2:1: created_at: ")
    assert not (empty / "new.db").exists()
    assert malformed.returncode == 2 and "not a database URL" in malformed.stderr
    assert "s3cretpw" not in malformed.stdout + malformed.stderr
    for out in (unreachable, *hidden):
        assert out.returncode == 3, (out.args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr, out.stderr
        assert out.stderr.startswith("error: store postgresql://"), out.stderr
        assert "s3cretpw" not in out.stdout + out.stderr
    assert "postgresql://u:***@127.0.0.1:1/x" in hidden[0].stderr


def test_a_password_in_the_environment_is_not_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVOOPS_DATABASE_URL", "postgresql://u:s3cretpw@127.0.0.1:1/x")
    for out in devoops_all(["history"], ["show", "latest"], cwd=tmp_path):
        assert out.returncode == 3 and "s3cretpw" not in out.stdout + out.stderr
        assert len(out.stderr.strip().splitlines()) == 1


def test_a_store_of_several_applications(tmp_path: Path) -> None:
    """`diff A` compares with the latest of A's application; without references the store
    must be told which application; `show -f workload` adds nothing, not even a newline."""
    a, text = assessed()
    ledger, ledger_text = assessed(FINTECH)
    with Store(sqlite_url(tmp_path / "several.db")) as store:
        store.save(a, text)
        store.save(variant(a, hours=1), text + "# no newline at the end")
        store.save(ledger, ledger_text)
    db = ("--db", "several.db")
    since, ambiguous, workload = devoops_all(
        ["diff", "1", "-f", "json", *db], ["diff", *db], ["show", "2", "-f", "workload", *db], cwd=tmp_path
    )
    assert since.returncode == 0, since.stderr
    d = json.loads(since.stdout)
    assert (d["app"], d["before"]["label"], d["after"]["label"]) == ("linkpile", "#1", "#2")
    assert ambiguous.returncode == 2
    assert (
        "several applications; name one with --app" in ambiguous.stderr
        and ledger.app.name in ambiguous.stderr
    )
    assert workload.returncode == 0 and workload.stdout == text + "# no newline at the end"
