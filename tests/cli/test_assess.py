"""`devoops assess` on a terminal prints the one-page verdict; `--full` the whole report; the
file formats always carry everything."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[2]
BOOKMARKS = ROOT / "examples" / "bookmarks.yaml"


def test_the_default_is_the_verdict_and_full_the_whole_report() -> None:
    short = cli("assess", BOOKMARKS, "--years", "0", columns=80)
    assert short.returncode == 0, short.stderr
    lines = short.stdout.splitlines()
    assert len(lines) <= 60 and max(map(len, lines)) <= 80
    assert "Verdict on linkpile" in lines[0]
    assert "What could end linkpile" in lines and "Targets now" in lines
    assert lines[-1] == f"The whole report: devoops assess {BOOKMARKS} --full"
    full = cli("assess", BOOKMARKS, "--years", "0", "--full", columns=80)
    assert full.returncode == 0, full.stderr
    assert {"Tenets", "Catastrophes", "Findings now", "Plan"} <= set(full.stdout.splitlines())
    assert "What could end linkpile" not in full.stdout


def test_full_changes_nothing_in_the_file_formats(tmp_path: Path) -> None:
    for fmt in ("md", "json"):
        plain, whole = tmp_path / f"plain.{fmt}", tmp_path / f"whole.{fmt}"
        assert cli("assess", BOOKMARKS, "--years", "0", "-f", fmt, "-o", plain).returncode == 0
        assert cli("assess", BOOKMARKS, "--years", "0", "-f", fmt, "--full", "-o", whole).returncode == 0
        if fmt == "json":  # apart from the moment it was made
            a, b = (json.loads(p.read_text()) for p in (plain, whole))
            assert a.pop("generated_at") and b.pop("generated_at") and a == b
        else:  # apart from the minute it was made, in its last line
            stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
            assert stamp.sub("T", plain.read_text()) == stamp.sub("T", whole.read_text())


def test_the_verdict_is_saved_like_any_report(tmp_path: Path) -> None:
    """--save keeps the assessment whatever the terminal shows; -o writes the verdict, uncoloured."""
    out = tmp_path / "verdict.txt"
    result = cli("assess", BOOKMARKS, "--years", "0", "--save", "--db", tmp_path / "d.db", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "saved as assessment 1 of linkpile" in result.stderr
    text = out.read_text()
    assert "Verdict on linkpile" in text and "\x1b[" not in text
    listed = cli("history", "--db", tmp_path / "d.db", "-f", "json")
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1
