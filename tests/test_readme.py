"""The README's sample outputs are what the commands print: each block marked
`<!-- sample: devoops ... -->` is run, and every line it shows appears in the output, in the
same order (a sample may leave lines out, never change one)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = re.compile(r"<!-- sample: devoops (?P<args>[^>]*?) -->\n```\n(?P<body>.*?)\n```", re.S)
COLUMNS = 120
SAMPLES = [(m["args"], m["body"]) for m in SAMPLE.finditer((ROOT / "README.md").read_text())]


def test_the_readme_has_samples() -> None:
    assert len(SAMPLES) >= 2


@pytest.mark.parametrize(("args", "body"), SAMPLES, ids=[a for a, _ in SAMPLES])
def test_a_sample_is_what_the_command_prints(args: str, body: str) -> None:
    result = cli(*shlex.split(args), cwd=ROOT, columns=COLUMNS)
    assert result.returncode == 0, result.stderr
    printed = iter(line.rstrip() for line in result.stdout.splitlines())
    for line in body.splitlines():
        if line.strip() in ("", "..."):
            continue
        assert any(line.rstrip() == out for out in printed), f"not printed, or out of order: {line!r}"


def test_the_prose_figures_are_what_whatif_prints() -> None:
    """The README's sentence on linkpile's two fixes quotes `devoops whatif`'s together row."""
    import json

    from devoops.base.fmt import money

    text = " ".join((ROOT / "README.md").read_text().split())
    quoted = re.search(r"saving (\S+ EUR) of expected loss a year for (\S+ EUR)", text)
    assert quoted is not None
    args = [
        "whatif",
        "examples/bookmarks.yaml",
        "restore-drills",
        "backups-to-separate-account",
        "-f",
        "json",
    ]
    together = json.loads(cli(*args, cwd=ROOT).stdout)["together"]
    assert quoted.groups() == (
        money(together["saved_per_year"], "EUR"),
        money(together["cost_per_year"], "EUR"),
    )
    assert {m["verdict_after"] for m in together["moves"] if m["verdict_before"] == "company-ending"} == {
        "damaged"
    }
    assert sum(m["verdict_before"] == "company-ending" for m in together["moves"]) == 6


def test_the_demo_figures_are_what_the_access_log_gives(tmp_path: Path) -> None:
    """The README's sentence on what `make demo`'s audit proved quotes the access-log probe's
    figures on the log the demo generates."""
    import json
    import shutil
    import subprocess
    import sys

    text = " ".join((ROOT / "README.md").read_text().split())
    quoted = re.search(
        r"availability measured at ([\d.]+) % against a ([\d.]+) % SLO: one bad deploy spent (\d+) % "
        r"of the day's error budget",
        text,
    )
    assert quoted is not None
    shutil.copy(ROOT / "examples" / "bookmarks.yaml", tmp_path)
    generate = ROOT / "examples" / "logs" / "generate.py"
    subprocess.run([sys.executable, generate, tmp_path / "logs" / "linkpile-access.log.gz"], check=True)
    args = ["audit", "bookmarks.yaml", "--probe", "access-log", "-f", "json", "-o", "audit.json"]
    assert cli(*args, cwd=tmp_path).returncode == 0
    [probe] = json.loads((tmp_path / "audit.json").read_text())["evidence"]
    measured = {m["name"]: m for m in probe["evidence"]["measurements"]}
    availability = measured["availability"]
    assert quoted.groups() == (
        f"{availability['value'] * 100:.1f}",
        f"{availability['target'] * 100:g}",
        f"{measured['error budget consumed']['value'] * 100:.0f}",
    )


def test_the_bad_input_sample_is_what_a_typo_prints(tmp_path: Path) -> None:
    """The README's one-line error for a misspelt key, from a file with that typo on line 8."""
    readme = (ROOT / "README.md").read_text()
    (shown,) = re.findall(
        r"one is close; the exit code is 2 and nothing is written:\n\n```\n(.*?)\n```", readme, re.S
    )
    (tmp_path / "devoops.yaml").write_text(
        "app:\n  name: shop\n  stage: mvp\nanswers:\n  reliability:\n    downtime_cost_per_hour: 100\n"
        "    # what one incident costs beyond its downtime\n    incident_cots: 50\n"
        "  traffic:\n    baseline_rps: 10\n  security:\n    breach_survival: damaged\n"
        "  engineering:\n    team_size: 3\n"
    )
    result = cli("assess", "devoops.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", shown + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devoops.yaml"]  # nothing written
