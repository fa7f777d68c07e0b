"""Everything made from the probe kinds' declarations: docs/probes.md's tables, the JSON Schema's
options, `devoops probes list|show`, the loader's check of what a kind decides; and the rules
every kind keeps (one registry, results built by Found, modules under 400 lines)."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from devoops.api.schema import workload_schema
from devoops.lens import load_lens
from devoops.probes import base
from devoops.probes.catalogue import about, decisions, settings

from ..conftest import ROOT, document
from ..helpers import cli

DOCS = ROOT / "docs" / "probes.md"
PROBES = ROOT / "src" / "devoops" / "probes"


def builtins() -> list[type[base.Probe[Any]]]:
    return [base.probe_class(kind) for kind, entry in base.entries().items() if entry.builtin]


def table_under(heading: str) -> str:
    """The first Markdown table under a heading of docs/probes.md."""
    text = DOCS.read_text().split(f"\n## {heading}\n", 1)[1]
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    end = next((n for n in range(start, len(lines)) if not lines[n].startswith("|")), len(lines))
    return "\n".join(lines[start:end])


def decides_table() -> str:
    rows = [
        f"| `{d.practice}` | {', '.join(f'`{c}`' for c in d.choices)} | "
        + ", ".join(f"{kind} ({when})" if when else kind for kind, when in d.probes)
        + " |"
        for d in decisions(builtins(), load_lens())
    ]
    return "\n".join(["| practice | choices a probe can show | probes |", "|---|---|---|", *rows])


def kinds_table() -> str:
    rows = [f"| [`{c.kind}`]({Path(c.docs).relative_to('docs')}) | {about(c)} |" for c in builtins()]
    return "\n".join(["| kind | what it measures |", "|---|---|", *rows])


@pytest.mark.parametrize(
    ("heading", "made"),
    [("Which practices evidence decides", decides_table), ("Built-in kinds", kinds_table)],
)
def test_the_docs_tables_are_the_declarations(heading: str, made: Any) -> None:
    expected = made()
    assert table_under(heading) == expected, (
        f"docs/probes.md's table under '{heading}' differs from the probes' declarations "
        f"(decides, docs, the class docstring); it should read:\n\n{expected}\n"
    )


def test_what_built_ins_decide_is_in_the_lens() -> None:
    lens = load_lens()
    for cls in builtins():
        for practice, decision in cls.decides.items():
            known = lens.practice(practice)
            assert known is not None, (cls.kind, practice)
            assert set(decision.choices) <= {c.id for c in known.choices}, (cls.kind, practice)


# --- one registry


def test_every_built_in_is_an_entry_point_of_the_installed_package() -> None:
    """pyproject.toml registers each module's probe class, and the installed metadata says the
    same (else reinstall: `pip install -e .`)."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"][
        "devoops.probes"
    ]
    installed = {ep.name: ep.value for ep in distribution("devoops").entry_points if ep.group == base.GROUP}
    assert installed == declared
    assert {kind: e.where for kind, e in base.entries().items() if e.builtin} == declared
    defining = {
        ".".join(path.relative_to(PROBES.parents[1]).with_suffix("").parts)
        for path in PROBES.rglob("*.py")
        if any(
            isinstance(node, ast.ClassDef)
            and any(
                isinstance(b, ast.Subscript) and getattr(b.value, "id", "") == "Probe" for b in node.bases
            )
            for node in ast.walk(ast.parse(path.read_text()))
        )
    }
    assert {where.split(":")[0] for where in declared.values()} == defining


def test_every_probe_builds_its_result_with_found() -> None:
    """Only found.py makes the evidence's parts; the runner and the scrubber only copy them."""
    made = {"Evidence", "Measurement", "Verdict", "Table"}
    for path in PROBES.rglob("*.py"):
        if path.name in ("found.py", "run.py", "secrets.py"):
            continue
        calls = [
            node.func.id
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in made
        ]
        assert not calls, f"{path.name} builds {', '.join(sorted(set(calls)))} itself"


# --- the JSON Schema


def probes_schema() -> dict[str, Any]:
    schema = workload_schema()
    return {"$defs": schema["$defs"], **schema["properties"]["probes"]}


def test_the_schema_types_each_kinds_options_by_its_type() -> None:
    schema = workload_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    (union,) = schema["properties"]["probes"]["patternProperties"].values()
    assert union["discriminator"]["propertyName"] == "type"
    for cls in builtins():
        variant = schema["$defs"][union["discriminator"]["mapping"][cls.kind].rsplit("/", 1)[1]]
        assert variant["properties"]["type"]["const"] == cls.kind
        options = schema["$defs"][variant["properties"]["options"]["$ref"].rsplit("/", 1)[1]]
        assert set(options["properties"]) == set(cls.Options.model_fields), cls.kind
        assert options["additionalProperties"] is False
    valid = jsonschema.Draft202012Validator(probes_schema()).is_valid
    assert valid(
        {"api": {"type": "http", "target": "https://x.test", "options": {"rate": 5, "mode": "latency"}}}
    )
    assert valid({"api": {"type": "http", "target": "https://x.test", "options": {"rate": "${RATE}"}}})
    assert not valid({"api": {"type": "http", "target": "https://x.test", "options": {"rat": 5}}})
    assert not valid({"api": {"type": "http", "target": "https://x.test", "options": {"mode": "soak"}}})
    assert not valid({"api": {"type": "htpp", "target": "https://x.test"}})
    assert not valid({"drill": {"type": "restore_drill", "target": "backups"}}), (
        "its server option is required"
    )


def test_every_probe_example_in_the_docs_fits_the_schema() -> None:
    check = jsonschema.Draft202012Validator(probes_schema())
    examples = 0
    for page in [DOCS, *sorted((ROOT / "docs" / "probes").glob("*.md"))]:
        for block in re.findall(r"```yaml\n(.*?)```", page.read_text(), re.S):
            data = YAML(typ="safe").load(block)
            if isinstance(data, dict) and isinstance(data.get("probes"), dict):
                examples += 1
                problems = [e.message for e in check.iter_errors(json.loads(json.dumps(data["probes"])))]
                assert not problems, (page.name, problems)
    assert examples >= 10


# --- devoops probes list | show, as a user runs them


def test_probes_list_names_every_kind_and_what_it_decides() -> None:
    done = cli("probes", "list", "-f", "md")
    assert done.returncode == 0, done.stderr
    for cls in builtins():
        assert f"| {cls.kind} | {about(cls)} | {', '.join(cls.decides)} | devoops |" in done.stdout
    assert (
        "| capacity.load-tested | current-peak, expected-peak, fails-below-peak | http (spike mode) |"
        in done.stdout
    )


def test_probes_show_gives_the_options_their_types_and_defaults_and_what_it_decides() -> None:
    done = cli("probes", "show", "access_log", "-f", "md")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "docs/probes/access_log.md" in out and "300 s" in out
    for row in (
        "| window | 5m \\| 1h \\| 1d | 1h | length of the time windows |",
        '| bad_statuses | list of (string \\| integer) | ["5xx"] |',
        "| threads | integer \\| null | null | DuckDB's threads; default: cores, at most 4 |",
        "| perf.latency-met | met, missed | when durations are logged |",
    ):
        assert row in out, row
    drill = cli("probes", "show", "restore_drill").stdout
    assert "A drill" in drill and "7 days" in drill and "required" in drill
    assert [s.name for s in settings(base.probe_class("tls"))] == list(
        base.probe_class("tls").Options.model_fields
    )


def test_probes_show_refuses_an_unknown_kind_with_a_suggestion() -> None:
    done = cli("probes", "show", "htpp")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "error: unknown probe type 'htpp' (did you mean 'http'?)\n"


def test_probes_list_shows_an_installed_plugin(plugin: Path) -> None:
    out = cli("probes", "list", "-f", "md").stdout
    assert "| sample.runbooks | Alerting rules in Prometheus rule files that link a runbook" in out
    assert "devoops-sample-probe |" in out
    shown = cli("probes", "show", "sample.runbooks", "-f", "md").stdout
    assert (
        "| annotation | string | runbook_url |" in shown
        and "| oncall.runbooks | none, some, per-alert |" in shown
    )


# --- what a kind decides is checked when devoops.yaml loads


def test_a_kind_deciding_what_the_lens_lacks_is_refused_where_it_is_used(
    plugin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    echo = base.probe_class("sample.echo")
    monkeypatch.setattr(
        echo,
        "decides",
        {"perf.latency-mett": base.Decision("met"), "perf.latency-met": base.Decision("met", "splendid")},
    )
    path = tmp_path / "devoops.yaml"
    path.write_text(
        json.dumps(document(probes={"lat": {"type": "sample.echo", "target": "echo:x"}}), indent=2)
    )
    done = cli("assess", path)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    row = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if '"sample.echo"' in line)
    column = path.read_text().splitlines()[row - 1].index('"sample.echo"') + 1
    assert lines == [
        f"error: {path}:{row}:{column}: probes.lat.type: probe type 'sample.echo' decides practice "
        "'perf.latency-mett', which the lens lacks (did you mean 'perf.latency-met'?)",
        f"error: {path}:{row}:{column}: probes.lat.type: probe type 'sample.echo' decides perf.latency-met "
        "choice 'splendid', which the lens lacks; its choices: unmeasured, missed, met",
    ]


def test_a_kind_with_wrong_declarations_cannot_be_loaded(
    plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    echo = base.probe_class("sample.echo")
    for name, value, says in (
        ("docs", "", "declares no docs page"),
        ("decides", {"perf.latency-met": ("met",)}, "must declare `decides`"),
        ("kind", "sample.other", "declares kind 'sample.other', but its entry point names it 'sample.echo'"),
    ):
        with monkeypatch.context() as m:
            m.setattr(echo, name, value)
            with pytest.raises(TypeError, match=re.escape(says)):
                base.probe_class("sample.echo")
            assert base.known("sample.echo") is None
