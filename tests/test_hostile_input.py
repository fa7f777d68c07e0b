"""Hostile input files: alias bombs, deep nesting, huge values, out-of-range ids.

Each must end as a located error with exit 2 (never an internal fault, a signal or a hang) and
write nothing. Files that once crashed the YAML parser (a signal) are run through the real
command in a subprocess, where the crash could not take the test run down with it; the rest
through its entry point in this process.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devoops.api.workload import load_workload
from devoops.base.errors import InputError
from devoops.base.located import MAX_ALIASED_NODES, MAX_DEPTH, loads_json, read
from devoops.model.lens import Lens

from .conftest import ROOT
from .helpers import cli, devoops

pytestmark = pytest.mark.hostile

BOOKMARKS = ROOT / "examples" / "bookmarks.yaml"
LOCATED = r"error: {file}:(\d+):(\d+)"


def located(stderr: str, file: Path) -> tuple[int, int]:
    """The line and column of the one error the command printed about `file`."""
    assert "Traceback" not in stderr and "internal fault" not in stderr, stderr[:500]
    found = re.search(LOCATED.format(file=re.escape(str(file))), stderr)
    assert found, stderr[:500]
    return int(found[1]), int(found[2])


def bomb(levels: int, fan: int = 9) -> str:
    """A "billion laughs": each anchor's list holds `fan` aliases of the one before."""
    lines = ["      l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels + 1):
        lines.append(f"      l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


def with_probe_options(options: str) -> str:
    """The bookmarks example with one more probe whose options are `options` (YAML lines)."""
    text = BOOKMARKS.read_text()
    probe = "  hostile:\n    type: tls\n    target: example.com:443\n    options:\n" + options
    return text.replace("probes:\n", "probes:\n" + probe, 1)


# --- item 6: alias bombs --------------------------------------------------------------------


def test_an_alias_bomb_is_refused_quickly_at_the_alias(tmp_path: Path) -> None:
    """4.8 KB of anchors once took 19 s and 2 GB; one level more ran out of memory (exit 3)."""
    path = tmp_path / "devoops.yaml"
    path.write_text(with_probe_options(bomb(9)))
    started = time.monotonic()
    result = devoops("assess", path, "-o", tmp_path / "report.txt")
    assert result.returncode == 2, result.stderr[:500]
    line, column = located(result.stderr, path)
    assert "*l" in path.read_text().splitlines()[line - 1][column - 1 : column + 2]
    assert "aliases" in result.stderr
    assert time.monotonic() - started < 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devoops.yaml"]


def test_a_few_reused_mappings_still_load(tmp_path: Path, lens: Lens) -> None:
    """Anchors, aliases and merge keys are ordinary YAML that teams use for shared options."""
    path = tmp_path / "devoops.yaml"
    text = BOOKMARKS.read_text().replace("options: {window: 1h", "options: &o {window: 1h", 1)
    more = (
        "  again:\n    type: access_log\n    target: logs/x.log\n    options: *o\n"
        "  merged:\n    type: access_log\n    target: logs/y.log\n    options: {<<: *o, window: 1d}\n"
    )
    path.write_text(text.replace("  certificates:\n", more + "  certificates:\n", 1))
    probes = load_workload(path, lens).workload.probes
    assert probes["again"].options == probes["access-log"].options
    assert probes["merged"].options == probes["access-log"].options | {"window": "1d"}


def _expanded(value: Any, sizes: dict[int, int]) -> int:
    """How many nodes `value` is once every shared (aliased) part is counted where it is used."""
    if id(value) in sizes:
        return sizes[id(value)]
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    size = 1 + sum(_expanded(child, sizes) for child in children)
    if isinstance(value, dict | list):
        sizes[id(value)] = size
    return size


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=st.integers(0, 8), fan=st.integers(1, 12), merge=st.booleans())
def test_aliases_never_expand_past_the_bound(tmp_path: Path, levels: int, fan: int, merge: bool) -> None:
    """Whatever the alias pattern, what loads stays small: the consumers walk it expanded."""
    path = tmp_path / "doc.yaml"
    text = "a:\n" + bomb(levels, fan).replace("      ", "  ")
    if merge:
        text += f"m: &m {{x: *l{levels}}}\nb:\n  <<: *m\n  y: 1\n"
    path.write_text(text)
    try:
        data = read(path).data
    except InputError as exc:
        ((location, message),) = exc.problems
        assert location.line is not None and location.column is not None and "aliases" in message
        return
    own = text.count("lol") + text.count("*") + 10 * (levels + 5)
    assert _expanded(data, {}) <= own + MAX_ALIASED_NODES


# --- item 7: deep nesting -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "app: " + "[" * 30_000 + "]" * 30_000 + "\n",
        "a: " + "{a: " * 30_000 + "1" + "}" * 30_000 + "\n",
        "".join(f"{'  ' * n}a:\n" for n in range(3_000)) + "  " * 3_000 + "a: 1\n",
        "- " * 30_000 + "x\n",
    ],
    ids=["flow-sequence", "flow-mapping", "block-mapping", "block-sequence"],
)
def test_deep_nesting_is_a_located_error_not_a_crash(tmp_path: Path, text: str) -> None:
    """30,000 levels made ruamel's C composer segfault (exit 139, no word said)."""
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    result = devoops("assess", path)
    assert result.returncode == 2, (result.returncode, result.stderr[:500])
    line, column = located(result.stderr, path)
    assert line >= 1 and column >= 1
    assert f"more than {MAX_DEPTH} levels" in result.stderr


def test_a_deep_lens_file_is_a_located_error(tmp_path: Path) -> None:
    """Lens files go through the same reader: the bound holds for them too."""
    path = tmp_path / "lens.yaml"
    path.write_text("practices: " + "[" * 30_000 + "]" * 30_000 + "\n")
    result = devoops("assess", BOOKMARKS, "--lens", path)
    assert result.returncode == 2, (result.returncode, result.stderr[:500])
    assert located(result.stderr, path) == (1, 11 + MAX_DEPTH)  # the root mapping is a level


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(1, 3 * MAX_DEPTH), style=st.sampled_from(["[", "{a: ", "block"]))
def test_any_depth_loads_or_is_located(tmp_path: Path, depth: int, style: str) -> None:
    """Within the bound a document loads; beyond it the error names the first level too deep."""
    path = tmp_path / "doc.yaml"
    if style == "block":
        text = "".join(f"{'  ' * n}a:\n" for n in range(depth)) + "  " * depth + "a: 1\n"
    else:
        close = "]" if style == "[" else "}"
        text = style * depth + ("" if style == "[" else "1") + close * depth + "\n"
    path.write_text(text)
    try:
        read(path)
    except InputError as exc:
        ((location, message),) = exc.problems
        assert depth + (style == "block") > MAX_DEPTH, message
        assert location.line is not None and location.column is not None
        assert f"more than {MAX_DEPTH} levels" in message
        return
    assert depth + (style == "block") <= MAX_DEPTH


# --- item 9: errors quote a short excerpt ---------------------------------------------------


def test_a_duplicate_key_error_quotes_only_an_excerpt(tmp_path: Path, lens: Lens) -> None:
    """The message once held the whole expanded value of the duplicated key: 35 MB."""
    path = tmp_path / "devoops.yaml"
    big = "x" * 10_000
    path.write_text(f"app: &a {{name: shop, stage: mvp, description: {big}}}\nk: *a\nk: *a\n")
    with pytest.raises(InputError) as caught:
        load_workload(path, lens)
    message = str(caught.value)
    assert message.startswith(f"{path}:3:1:") and "duplicate key" in message
    assert len(message) < 400, len(message)
    assert "…" in message


def test_a_huge_unknown_key_is_quoted_as_an_excerpt(tmp_path: Path, lens: Lens) -> None:
    """Keys and ids echoed back in messages are user text of any length."""
    key = "p" * 50_000
    top = BOOKMARKS.read_text() + f"\n? x{key}\n: 1\n"
    practice = BOOKMARKS.read_text().replace("practices:\n", f"practices:\n  ? {key}\n  : adopted\n", 1)
    for n, text in enumerate((top, practice)):
        path = tmp_path / f"devoops-{n}.yaml"
        path.write_text(text)
        result = cli("assess", path)
        assert result.returncode == 2
        located(result.stderr, path)
        assert len(result.stderr) < 1_000, len(result.stderr)
        assert "p" * 60 in result.stderr and "…" in result.stderr


@pytest.mark.parametrize("key", ["bool", "str", "none"])
def test_an_unknown_key_named_like_a_type_is_named(tmp_path: Path, lens: Lens, key: str) -> None:
    """Pydantic names union members `str`, `bool`...; a user's key of that name is no member
    (it once emptied the error's path and crashed with IndexError)."""
    path = tmp_path / "devoops.yaml"
    path.write_text(BOOKMARKS.read_text() + f"{key}: 1\n")
    with pytest.raises(InputError, match=rf"unknown key '{key}'"):
        load_workload(path, lens)


# --- item 10: deep or huge JSON -------------------------------------------------------------

DEEP_JSON = "[" * 100_000 + "]" * 100_000
HUGE_NUMBER = '[{"time": ' + "1" * 5_001 + "}]"


def _commands(file: Path) -> list[list[str | Path]]:
    return [
        ["alerts", "analyze", file],
        ["delivery", "analyze", "--deployments", file],
        ["import", file, "--db", file.parent / "store.db"],
        ["inventory", "import", "terraform", file, "-o", file.parent / "out.yaml"],
    ]


@pytest.mark.parametrize("case", ["deep", "huge-number"])
@pytest.mark.parametrize("command", range(4), ids=["alerts", "delivery", "import", "terraform"])
def test_hostile_json_is_a_located_error(tmp_path: Path, case: str, command: int) -> None:
    """Python's JSON decoder raises RecursionError or ValueError here, once an internal fault."""
    path = tmp_path / "input.json"
    path.write_text(DEEP_JSON if case == "deep" else HUGE_NUMBER)
    result = cli(*_commands(path)[command])
    assert result.returncode == 2, (result.returncode, result.stderr[:500])
    line, column = located(result.stderr, path)
    assert (line, column) == ((1, 1 + 500) if case == "deep" else (1, 11))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.json"]


@settings(max_examples=40, deadline=None)
@given(depth=st.integers(1, 5_000), digits=st.integers(1, 6_000), seed=st.sampled_from("[{"))
def test_json_loads_or_fails_as_a_decode_error(depth: int, digits: int, seed: str) -> None:
    """Every way JSON text fails is one JSONDecodeError, which every reader locates."""
    opening = "[" if seed == "[" else '{"k": '
    closing = "]" if seed == "[" else "}"
    text = opening * depth + "1" * digits + closing * depth
    try:
        value = loads_json(text)
    except json.JSONDecodeError as exc:
        assert exc.lineno == 1 and 1 <= exc.colno <= len(text)
        return
    for _ in range(depth):
        value = value[0] if seed == "[" else value["k"]
    assert value == int("1" * digits)


# --- item 11: import ids --------------------------------------------------------------------


def _export_with_id(tmp_path: Path, id: int) -> Path:
    from devoops.store import Store
    from devoops.store.engine import sqlite_url
    from devoops.store.transfer import export

    from .store.support import assessed

    assessment, text = assessed()
    out = io.StringIO()
    with Store(sqlite_url(tmp_path / "from.db")) as store:
        store.save(assessment, text)
        export(store, out)
    (tmp_path / "from.db").unlink()
    lines = out.getvalue().splitlines()
    record = json.loads(lines[2])
    assert record["kind"] == "assessment"
    record["id"] = id
    lines[2] = json.dumps(record)
    path = tmp_path / "store.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("id", [2**63, 2**31, 0, -1])
def test_an_import_id_out_of_range_is_refused_before_the_store_exists(tmp_path: Path, id: int) -> None:
    """2**63 overflowed SQLite's signed 64-bit integer (exit 3) and left an empty store behind;
    the column is a 32-bit integer on PostgreSQL, so that is the range every store holds."""
    path = _export_with_id(tmp_path, id)
    result = cli("import", path, "--db", tmp_path / "to.db")
    assert result.returncode == 2, (result.returncode, result.stderr[:500])
    assert re.search(rf"error: {re.escape(str(path))}:3:1: id: ", result.stderr), result.stderr[:500]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.jsonl"]


def test_an_import_id_in_range_is_kept(tmp_path: Path) -> None:
    path = _export_with_id(tmp_path, 2**31 - 1)
    result = cli("import", path, "--db", tmp_path / "to.db")
    assert result.returncode == 0, result.stderr
    shown = cli("history", "--db", tmp_path / "to.db", "-f", "json")
    assert [e["id"] for e in json.loads(shown.stdout)] == [2**31 - 1]


def test_a_deep_terraform_state_names_the_resource_not_the_yaml_bound(tmp_path: Path) -> None:
    """A state the decoder reads but too deep to place by line still says what is wrong with it."""
    path = tmp_path / "state.json"
    resources = "[" * 900 + "]" * 900
    path.write_text(f'{{"format_version": "1.0", "values": {{"root_module": {{"resources": {resources}}}}}}}')
    result = cli("inventory", "import", "terraform", path)
    assert result.returncode == 2, result.stderr[:500]
    assert "values.root_module.resources.0: a resource should be an object" in result.stderr
    assert "YAML" not in result.stderr


def test_control_characters_in_input_never_reach_the_terminal(tmp_path: Path) -> None:
    """A key holding a line break cannot forge a second `error:` line, nor an escape sequence
    clear the screen; a name with one is refused."""
    text = (ROOT / "examples" / "bookmarks.yaml").read_text()
    forged = tmp_path / "forged.yaml"
    forged.write_text(text.replace("answers:", 'answers:\n  "x\\nerror: forged\\e[2J": 1', 1))
    ran = cli("assess", forged, "--years", "0")
    assert ran.returncode == 2 and "\x1b" not in ran.stderr
    assert ran.stderr.count("error:") == 1 + ran.stderr.count("\\nerror:")
    assert [line[:7] for line in ran.stderr.splitlines()] == ["error: "]
    named = tmp_path / "named.yaml"
    named.write_text(text.replace("name: linkpile", 'name: "link\\e[31mpile\\u009b2J"', 1))
    refused = cli("assess", named, "--years", "0")
    assert refused.returncode == 2 and "app.name: a name is one line of text" in refused.stderr
    assert "\x1b" not in refused.stderr and "\x9b" not in refused.stderr


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
record_keys = st.sampled_from(["kind", "id", "uid", "app", "saved_at", "assessment", "workload_text", "name"])


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=60),
            st.dictionaries(record_keys, json_values, max_size=6).map(json.dumps),
        ),
        max_size=6,
    )
)
def test_any_store_export_reads_or_is_located(lines: list[str]) -> None:
    """`devoops import` reads records or names the line of each bad one; nothing else escapes."""
    from devoops.store.transfer import read as read_export

    try:
        read_export(lines, "export.jsonl")
    except InputError as exc:
        assert all(p[0].file == "export.jsonl" and p[0].line for p in exc.problems)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(max_size=200),
        st.dictionaries(
            st.sampled_from(["practices", "symptoms", "scenarios", "tiers", "version"]),
            json_values,
            max_size=3,
        ).map(json.dumps),
    )
)
def test_any_lens_file_loads_or_is_located(tmp_path: Path, text: str) -> None:
    """A user's lens file: applied, or one located error per problem (JSON is YAML too)."""
    import uuid

    from devoops.lens import load_lens

    path = tmp_path / f"ours-{uuid.uuid4().hex}.yaml"  # a name of its own: loaded lenses are cached by name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_lens([path])
    except InputError as exc:
        assert all(p[0].file == str(path) for p in exc.problems), exc
