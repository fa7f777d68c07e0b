"""The house rules that code review would otherwise keep: modules stay small, and every practice
or scenario id the code names exists in the lens (a renamed practice cannot leave a dead branch)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from devoops.model.lens import SCENARIO_PREFIX, Lens

SRC = Path(__file__).resolve().parents[1] / "src" / "devoops"
MOST_LINES = 400
DOTTED = re.compile(r"[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+")


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def unknown_ids(files: Iterable[tuple[str, str]], lens: Lens) -> list[str]:
    """Every string literal shaped like a practice id of a family the lens has (`backups.x`), or
    like `scenario.<id>`, that the lens does not define, as `file:line: id`."""
    practices = {p.id for p in lens.practices}
    families = {pid.partition(".")[0] for pid in practices}
    scenarios = {f"{SCENARIO_PREFIX}{s.id}" for s in lens.scenarios}
    unknown = []
    for name, text in files:
        for node in ast.walk(ast.parse(text, name)):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            value = node.value
            if not DOTTED.fullmatch(value):
                continue
            if f"{value.partition('.')[0]}." == SCENARIO_PREFIX:
                known = value in scenarios
            elif value.partition(".")[0] in families:
                known = value in practices
            else:
                continue
            if not known:
                unknown.append(f"{name}:{node.lineno}: {value}")
    return unknown


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MOST_LINES, f"{path.relative_to(SRC)} has {lines} lines; split it along what it holds"


def test_every_id_the_code_names_is_in_the_lens(lens: Lens) -> None:
    files = [(str(p.relative_to(SRC)), p.read_text()) for p in modules()]
    assert unknown_ids(files, lens) == []


def test_an_id_the_lens_lacks_is_named_with_its_place(lens: Lens) -> None:
    known_practice, known_scenario = lens.practices[0].id, f"{SCENARIO_PREFIX}{lens.scenarios[0].id}"
    family = known_practice.partition(".")[0]
    text = (
        f"A = {known_practice!r}\nB = {known_scenario!r}\n"
        f"C = {family + '.no-such-practice'!r}\nD = 'scenario.no-such-scenario'\n"
        "E = 'devoops.probes'\nF = 'lens.yaml'\n"
    )
    assert unknown_ids([("x.py", text)], lens) == [
        f"x.py:3: {family}.no-such-practice",
        "x.py:4: scenario.no-such-scenario",
    ]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the tree under `root` (src/ and pyproject.toml), as `make test` runs it."""
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(lint), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("evaluate/plan.py", "from ..report import view", "devoops.evaluate.plan -> devoops.report.view"),
        ("derive/latency.py", "import subprocess", "devoops.derive.latency -> subprocess"),
        ("probes/alerts.py", "from ..report import alerts", "devoops.probes.alerts -> devoops.report.alerts"),
    ],
)
def test_the_layers_are_enforced(tmp_path: Path, module: str, line: str, broken: str) -> None:
    """The contracts pass on the tree, and an import against them fails, naming it."""
    root = tmp_path / "tree"
    shutil.copytree(SRC.parents[1] / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(SRC.parents[1] / "pyproject.toml", root)
    kept = lint_imports(root)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    with (root / "src" / "devoops" / module).open("a") as f:
        f.write(f"\n{line}  # noqa\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert broken in result.stdout


def test_the_worked_probe_example_is_the_tested_plugin() -> None:
    """docs/architecture.md's example of adding a probe quotes the plugin the tests install and
    run, so it cannot drift from code that works."""
    root = SRC.parents[1]
    doc = (root / "docs" / "architecture.md").read_text()
    section = doc[doc.index("## Adding a probe") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    tested = (root / "tests/fixtures/plugin/src/devoops_sample_probe/runbooks.py").read_text()
    tested += (root / "tests/probes/test_runbooks.py").read_text()
    assert len(blocks) == 2
    assert all(block in tested for block in blocks)
