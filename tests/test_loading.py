"""Bad input: one line per problem naming file:line:column and field, exit 2, nothing written."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from devoops.api.workload import load_workload
from devoops.base.errors import InputError
from devoops.evaluate import assess
from devoops.model.lens import Lens
from devoops.report import markdown, render

from .conftest import MINIMAL, NOW, document
from .helpers import cli

BAD = sorted((Path(__file__).parent / "fixtures" / "bad").glob("*.yaml"))


def expectation(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: ")
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_workload_is_one_located_line_and_exit_2(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = cli("assess", path, "-f", "md", "-o", out)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}:{expectation(path)}"), lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_every_problem_is_reported_in_file_order(tmp_path: Path, lens: Lens) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(
        "app:\n  name: shop\n  stage: startup\n  colour: red\n"
        "answers:\n  reliability: {downtime_cost_per_hour: -5}\n  traffic: {baseline_rps: 10}\n"
        "  security: {breach_survival: damaged}\n  engineering: {team_size: 3}\n"
    )
    with pytest.raises(InputError) as caught:
        load_workload(path, lens)
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{path}:3:10", f"{path}:4:3", f"{path}:6:41"]
    assert "did you mean" not in lines[1]  # nothing close to 'colour'
    assert "greater than or equal to 0" in lines[2]


def test_empty_file_is_an_error(tmp_path: Path, lens: Lens) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text("")
    with pytest.raises(InputError, match=r":1:1: the file is empty"):
        load_workload(path, lens)


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = cli("assess", tmp_path / "nope.yaml")
    assert result.returncode == 2
    assert "cannot read: No such file or directory" in result.stderr and "Traceback" not in result.stderr


def dump(value: Any) -> str:
    buffer = io.StringIO()
    YAML().dump(value, buffer)
    return buffer.getvalue()


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
keys = st.sampled_from(
    [
        "app",
        "answers",
        "name",
        "stage",
        "reliability",
        "traffic",
        "now",
        "12mo",
        "practices",
        "tenets",
        "security",
        "datasets",
    ]
) | st.text(min_size=1, max_size=8)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


def _leaves(tree: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(tree, dict):
        return [p for k, v in tree.items() for p in _leaves(v, (*prefix, k))] or [prefix]
    return [prefix]


@pytest.mark.hostile
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_documents_never_escape_as_tracebacks(data: st.DataObject, tmp_path: Path, lens: Lens) -> None:
    """Random trees, and the minimal document with one leaf replaced, load or fail cleanly."""
    if data.draw(st.booleans()):
        doc: Any = data.draw(values)
    else:
        path = data.draw(st.sampled_from(_leaves(MINIMAL)))
        doc = document(**{".".join(path): data.draw(values.filter(lambda v: v is not None))})
    file = tmp_path / "devoops.yaml"
    file.write_text(dump(doc))
    try:
        loaded = load_workload(file, lens)
    except InputError as exc:
        for location, message in exc.problems:
            assert location.file == str(file) and message
            assert location.line is None or location.line >= 1
        return
    # whatever loads must assess and render: no overflow, no missing key, no empty table
    assessment = assess(loaded.workload, lens, NOW, str(file))
    name = assessment.app.name
    for fmt, shown in (("terminal", name), ("md", markdown.text(name))):  # Markdown escapes HTML
        assert shown in render(assessment, fmt)
    assert json.loads(render(assessment, "json"))["app"]["name"] == assessment.app.name


@pytest.mark.hostile
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_random_text_never_escapes_as_a_traceback(tmp_path: Path, lens: Lens, text: str) -> None:
    file = tmp_path / "devoops.yaml"
    file.write_text(text, encoding="utf-8")
    try:
        load_workload(file, lens)
    except InputError as exc:
        assert str(exc).startswith(str(file))


def test_a_file_that_is_not_utf8_is_named_as_such(tmp_path: Path, lens: Lens) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_bytes(b"\xff\xfeapp: x\n")
    with pytest.raises(InputError, match="cannot read: not UTF-8 text"):
        load_workload(path, lens)


@pytest.mark.parametrize(
    "name",
    ["\r", "\t", "shop\nfront", "bell\x07", "tab\x0bbed", "red\x1b[31m", "csi\x9b2J", "x\u2028y", "\x01"],
)
def test_an_app_name_is_one_line(name: str, tmp_path: Path, lens: Lens) -> None:
    """A name that would not print as given (Rich drops carriage returns and bells) is refused."""
    file = tmp_path / "devoops.yaml"
    file.write_text(dump(document(**{"app.name": name})))
    with pytest.raises(InputError, match=r"app\.name.*one line of text"):
        load_workload(file, lens)


def test_an_app_name_may_hold_any_other_character(tmp_path: Path, lens: Lens) -> None:
    file = tmp_path / "devoops.yaml"
    file.write_text(dump(document(**{"app.name": "Tom & Jerry's <shop> ünïcødé 🛒"})))
    assert load_workload(file, lens).workload.app.name == "Tom & Jerry's <shop> ünïcødé 🛒"
