"""The probe framework through a third-party probe installed the way users install one: its
entry point found, its configuration checked on load, every failure turned into a result,
secrets kept out of everything it reports, and evidence outranking the answers."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoops.api.workload import load_workload
from devoops.base.errors import InputError
from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.common import Horizon, Risk
from devoops.model.evidence import Evidence, ProbeResult, Status, Verdict
from devoops.probes import base
from devoops.probes.run import run
from devoops.probes.secrets import resolve, scrub

from ..conftest import NOW, ROOT, document, workload
from ..helpers import SRC
from .support import probe

SECRET = "s3cr3t/+ token"


def echo(plugin: Path, **options: Any) -> ProbeResult:
    return probe("sample.echo", options.pop("target", "echo:here"), options, **options.pop("kw", {}))


def test_an_installed_plugin_is_found_by_its_entry_point(plugin: Path) -> None:
    assert base.kinds()["sample.echo"] == "devoops_sample_probe:EchoProbe"
    assert base.probe_class("sample.echo").kind == "sample.echo"
    result = echo(plugin, value=7)
    assert result.status == Status.PASS and result.kind == "sample.echo"
    (m,) = result.evidence.measurements
    assert (m.value, m.unit, m.ok) == (7, "ms", True)
    assert result.started_at <= result.finished_at


def test_a_plugin_cannot_take_a_built_in_name(plugin: Path) -> None:
    """The sample plugin registers `http` too; devoops's own stays."""
    assert base.entries()["http"].builtin
    assert base.kinds()["http"] == "devoops.probes.http:HttpProbe"
    assert base.probe_class("http").__module__ == "devoops.probes.http"


def test_an_exception_becomes_an_error_with_its_cause(plugin: Path) -> None:
    result = echo(plugin, fail="disk on fire")
    assert result.status == Status.ERROR
    assert result.evidence.summary == "RuntimeError: disk on fire"


def test_a_probe_past_its_timeout_is_stopped_and_reported(plugin: Path) -> None:
    began = time.monotonic()
    result = echo(plugin, sleep=30, kw={"timeout": 0.3})
    assert time.monotonic() - began < 5
    assert result.status == Status.ERROR
    assert result.evidence.summary == "timed out after 0.3 s"


def test_blocking_work_is_interrupted_when_the_timeout_strikes(plugin: Path) -> None:
    cls: Any = base.probe_class("sample.echo")
    cls.interrupted.clear()
    began = time.monotonic()
    result = echo(plugin, block=30, kw={"timeout": 0.3})
    assert time.monotonic() - began < 5
    assert result.status == Status.ERROR and cls.interrupted.is_set()


def test_work_that_ignores_its_interrupt_cannot_keep_devoops_running(plugin: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"stuck": {"type": "sample.echo", "target": "echo:a", "timeout": 0.5, "options": {"stubborn": 60}}},
    )
    began = time.monotonic()
    done = audit(plugin, tmp_path, path.name, "--no-save")
    assert done.returncode == 4 and time.monotonic() - began < 30
    assert "ERROR   stuck (sample.echo)" in done.stderr and "timed out after 0.5 s" in done.stderr


def test_the_kind_default_timeout_applies_when_none_is_configured(plugin: Path) -> None:
    result = echo(plugin, sleep=30)
    assert result.evidence.summary == "timed out after 5 s"


def test_references_resolve_at_run_time_and_never_show(plugin: Path) -> None:
    result = echo(plugin, target="echo:${TOKEN}", summary="token", kw={"env": {"TOKEN": SECRET}})
    assert result.status == Status.PASS
    text = result.model_dump_json()
    assert SECRET not in text and "s3cr3t%2F%2B%20token" not in text
    assert result.target == "echo:${TOKEN}"
    assert result.evidence.summary == "token at echo:***"


def test_only_free_text_is_scrubbed_never_names_times_or_figures(plugin: Path) -> None:
    result = echo(plugin, target="echo:${JOB}", value=443, kw={"env": {"JOB": "web"}, "name": "web-echo"})
    assert result.name == "web-echo" and result.evidence.summary == "as told at echo:***"
    assert result.evidence.measurements[0].value == 443


def test_a_timeout_inside_the_probe_is_its_own_error_not_the_runners(plugin: Path) -> None:
    result = echo(plugin, socket_timeout=True)
    assert result.status == Status.ERROR and result.evidence.summary == "TimeoutError: read timed out"


def test_an_unset_variable_is_an_error_naming_it(plugin: Path) -> None:
    result = echo(plugin, target="echo:${MISSING_TOKEN}")
    assert result.status == Status.ERROR
    assert result.evidence.summary == "environment variable MISSING_TOKEN is not set"


def test_settings_invalid_once_resolved_do_not_echo_the_value(plugin: Path) -> None:
    result = echo(plugin, target="${TOKEN}", kw={"env": {"TOKEN": SECRET}})
    assert result.status == Status.ERROR
    assert result.evidence.summary == (
        "invalid settings once references were resolved: target: the target must start with echo:"
    )
    assert SECRET not in result.model_dump_json()
    sleepy = echo(plugin, sleep="${TOKEN}", kw={"env": {"TOKEN": SECRET}})
    assert sleepy.evidence.summary.startswith(
        "invalid settings once references were resolved: options.sleep: "
    )
    assert SECRET not in sleepy.model_dump_json()


def test_a_disabled_probe_is_skipped(plugin: Path) -> None:
    w = workload(probes={"off": {"type": "sample.echo", "target": "echo:x", "enabled": False}})
    (result,) = run(w, {}, load_lens(), NOW, env={})
    assert result.status == Status.SKIPPED and result.evidence.summary == "disabled in devoops.yaml"


def test_a_verdict_naming_what_its_kind_does_not_declare_is_an_error(plugin: Path) -> None:
    good = echo(plugin, practice="perf.latency-met", choice="met")
    assert good.status == Status.PASS and good.evidence.verdicts[0].choice == "met"
    for practice, choice in (("backups.offsite", "same-account"), ("perf.latency-met", "unmeasured")):
        result = echo(plugin, practice=practice, choice=choice)  # the lens knows these
        assert result.status == Status.ERROR and result.evidence.verdicts == []
        assert result.evidence.summary == (
            f"the probe names practice choices its kind does not declare: {practice}={choice}"
        )


def test_a_verdict_naming_what_the_lens_lacks_is_an_error(plugin: Path) -> None:
    """A lens without the practice (a workload's own lens, say): declared, but not known."""
    full = load_lens()
    lens = full.model_copy(update={"practices": [p for p in full.practices if p.id != "perf.latency-met"]})
    result = echo(plugin, practice="perf.latency-met", choice="met", kw={"lens": lens})
    assert result.status == Status.ERROR and result.evidence.verdicts == []
    assert result.evidence.summary == "the probe names practice choices the lens lacks: perf.latency-met=met"


def test_scrub_hides_plain_and_url_encoded_forms_but_not_tiny_values() -> None:
    assert (
        scrub("a s3cr3t/+ token b s3cr3t%2F%2B%20token c s3cr3t%2F%2B+token", {SECRET}) == "a *** b *** c ***"
    )
    assert scrub("x = 1", {"1"}) == "x = 1"


# --- loading: probe configuration is checked with the workload, errors located


def write(tmp_path: Path, probes: dict[str, Any]) -> Path:
    path = tmp_path / "devoops.yaml"
    path.write_text(json.dumps(document(probes=probes), indent=2))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_workload(path, load_lens())
    return str(caught.value).splitlines()


def test_an_unknown_probe_type_is_located_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, {"web": {"type": "htpp", "target": "https://example.test/"}})
    (line,) = problems(path)
    assert line.startswith(f"{path}:")
    assert "probes.web.type: unknown probe type 'htpp' (did you mean 'http'?)" in line


def test_bad_options_and_targets_are_located_in_the_file(plugin: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "one": {"type": "sample.echo", "target": "echo:x", "options": {"sleep": "long", "colour": 1}},
            "two": {"type": "sample.echo", "target": "nope"},
        },
    )
    lines = problems(path)
    text = path.read_text().splitlines()
    by_field = {line.split(": ")[1]: line for line in lines}
    for field, word in (
        ("probes.one.options.sleep", "long"),
        ("probes.one.options.colour", "colour"),
        ("probes.two.target", "nope"),
    ):
        line = by_field[field]
        row, column = map(int, line.split(":")[1:3])
        assert word in text[row - 1][column - 1 :], (field, line)
    assert "unknown key 'colour'" in by_field["probes.one.options.colour"]
    assert "the target must start with echo:" in by_field["probes.two.target"]


def test_a_literal_database_password_is_refused_where_it_is_written(tmp_path: Path) -> None:
    secret = "hunter2-literal"
    path = write(
        tmp_path,
        {
            "db": {"type": "postgres", "target": f"postgresql://app:{secret}@127.0.0.1/shop"},
            "restore": {
                "type": "restore_drill",
                "target": "backups",
                "options": {"server": f"host=127.0.0.1 user=drill password={secret}"},
            },
            "fine": {"type": "postgres", "target": "postgresql://app:${DB_PASSWORD}@127.0.0.1/shop"},
        },
    )
    lines = problems(path)
    fields = sorted(line.split(": ")[1] for line in lines)
    assert fields == ["probes.db.target", "probes.restore.options.server"]
    assert all("write it as ${VARIABLE}" in line for line in lines)
    text = path.read_text().splitlines()
    for line in lines:
        row = int(line.split(":")[1])
        assert secret in text[row - 1]  # located on the line that holds it
        assert secret not in line  # and never repeated in the message


def test_references_are_checked_when_resolved_not_when_loaded(plugin: Path, tmp_path: Path) -> None:
    probes = {
        "metrics": {"type": "prometheus", "target": "${PROM_URL}"},
        "certs": {"type": "tls", "target": "${HOST}", "options": {"server_name": "${API_NAME}"}},
        "echo": {"type": "sample.echo", "target": "echo:x", "options": {"sleep": "${NAP}", "colour": "${C}"}},
    }
    (line,) = problems(write(tmp_path, probes))  # an unknown key is wrong whatever its value
    assert "probes.echo.options.colour: unknown key 'colour'" in line
    del probes["echo"]["options"]["colour"]  # type: ignore[attr-defined]
    loaded = load_workload(write(tmp_path, probes), load_lens())
    assert loaded.workload.probes["metrics"].target == "${PROM_URL}"
    assert echo(plugin, sleep="${NAP}", kw={"env": {"NAP": "0.01"}}).status == Status.PASS


def test_a_valid_configuration_loads(plugin: Path, tmp_path: Path) -> None:
    path = write(tmp_path, {"one": {"type": "sample.echo", "target": "echo:${X}", "options": {"value": 3}}})
    loaded = load_workload(path, load_lens())
    assert loaded.workload.probes["one"].options == {"value": 3}


# --- evaluation: evidence outranks answers


def result(name: str, practice: str, choice: str) -> ProbeResult:
    return ProbeResult(
        name=name,
        kind="sample.echo",
        target="echo:x",
        started_at=NOW,
        finished_at=NOW,
        evidence=Evidence(
            status=Status.FAIL, summary="s", verdicts=[Verdict(practice=practice, choice=choice, reason=name)]
        ),
    )


def test_evidence_decides_over_the_answer_and_says_so() -> None:
    lens = load_lens()
    w = workload(**{"practices": {"tls.certificates-valid": "valid"}})
    before = {f.practice: f for f in assess(w, lens, NOW, "t").at(Horizon.NOW).findings}
    assert (before["tls.certificates-valid"].risk, before["tls.certificates-valid"].source) == (
        Risk.NONE,
        "answer",
    )
    a = assess(w, lens, NOW, "t", [result("certs", "tls.certificates-valid", "failing")])
    after = {f.practice: f for f in a.at(Horizon.NOW).findings}["tls.certificates-valid"]
    assert (after.risk, after.source, after.choice) == (Risk.HIGH, "evidence", "failing")
    assert after.evidence == "certs (sample.echo): certs" and after.note == "the answer was valid"
    assert a.evidence[0].name == "certs"
    maturity = {m.tenet.value: m.value for m in a.maturity}
    assert (
        maturity["security"]
        < {m.tenet.value: m.value for m in assess(w, lens, NOW, "t").maturity}["security"]
    )


def test_where_probes_disagree_the_weakest_choice_stands() -> None:
    lens = load_lens()
    evidence = [result("logs", "perf.latency-met", "met"), result("load", "perf.latency-met", "missed")]
    for order in (evidence, evidence[::-1]):
        f = {f.practice: f for f in assess(workload(), lens, NOW, "t", order).at(Horizon.NOW).findings}
        assert f["perf.latency-met"].choice == "missed"
        assert "logs (sample.echo)" in (f["perf.latency-met"].evidence or "")
        assert "load (sample.echo)" in (f["perf.latency-met"].evidence or "")


# --- the audit command, as a user runs it


def audit(
    plugin: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devoops", "audit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ | {"PYTHONPATH": f"{SRC}:{plugin}", "COLUMNS": "200"} | (env or {}),
        timeout=120,
    )


def test_audit_runs_probes_concurrently_and_saves_when_the_store_exists(plugin: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "slow-a": {"type": "sample.echo", "target": "echo:a", "options": {"sleep": 1.5}},
            "slow-b": {"type": "sample.echo", "target": "echo:b", "options": {"sleep": 1.5, "value": 99999}},
            "broken": {"type": "sample.echo", "target": "echo:c", "options": {"fail": "no route"}},
            "secret": {
                "type": "sample.echo",
                "target": "echo:${TOKEN}",
                "options": {"practice": "perf.latency-met", "choice": "missed"},
            },
        },
    )
    first = audit(plugin, tmp_path, path.name, "--save", "-f", "json", env={"TOKEN": SECRET})
    assert first.returncode == 4, first.stderr  # the report and the save happen all the same
    assert first.stderr.endswith("error: no evidence from 1 of 4 probes: broken\n")
    doc = json.loads(first.stdout)
    by_name = {r["name"]: r for r in doc["evidence"]}
    assert [r["name"] for r in doc["evidence"]] == ["slow-a", "slow-b", "broken", "secret"]
    assert by_name["broken"]["evidence"]["status"] == "ERROR"
    assert by_name["slow-b"]["evidence"]["status"] == "PASS"  # as told; its figure is out of bounds
    starts = sorted(r["started_at"] for r in (by_name["slow-a"], by_name["slow-b"]))
    ends = sorted(r["finished_at"] for r in (by_name["slow-a"], by_name["slow-b"]))
    assert starts[1] < ends[0], "the two slow probes ran at the same time"
    latency = next(f for f in doc["horizons"][0]["findings"] if f["practice"] == "perf.latency-met")
    assert latency["source"] == "evidence" and latency["choice"] == "missed"
    for line in ("ERROR   broken (sample.echo)", "PASS    slow-a (sample.echo)"):
        assert line in first.stderr
    assert "saved as assessment 1" in first.stderr
    store = tmp_path / ".devoops" / "devoops.db"
    second = audit(plugin, tmp_path, path.name, "--probe", "slow-a")
    assert second.returncode == 0 and "saved as assessment 2" in second.stderr
    assert "slow-a" in second.stdout and "broken" not in second.stdout
    with sqlite3.connect(store) as db:
        rows = db.execute("select assessment_id, name, status from probe_results order by 1, 2").fetchall()
    assert rows == [
        (1, "broken", "ERROR"),
        (1, "secret", "PASS"),
        (1, "slow-a", "PASS"),
        (1, "slow-b", "PASS"),
        (2, "slow-a", "PASS"),
    ]
    for text in (
        first.stdout,
        first.stderr,
        *(p.read_bytes().decode("latin-1") for p in store.parent.iterdir()),
    ):
        assert SECRET not in text
    quiet = audit(plugin, tmp_path, path.name, "--probe", "slow-a", "--no-save")
    assert quiet.returncode == 0 and "saved" not in quiet.stderr


def test_audit_refuses_what_it_cannot_run(plugin: Path, tmp_path: Path) -> None:
    none = write(tmp_path, {})
    refused = audit(plugin, tmp_path, none.name)
    assert refused.returncode == 2 and "configures no probes" in refused.stderr
    path = write(tmp_path, {"slow-a": {"type": "sample.echo", "target": "echo:a"}})
    unknown = audit(plugin, tmp_path, path.name, "--probe", "slow-b")
    assert unknown.returncode == 2 and "no probe named 'slow-b'" in unknown.stderr
    assert "did you mean 'slow-a'" in unknown.stderr


def test_audit_as_a_gate_fails_on_risk_and_on_broken_probes(plugin: Path, tmp_path: Path) -> None:
    fine = {
        "type": "sample.echo",
        "target": "echo:a",
        "options": {"practice": "tls.certificates-valid", "choice": "valid"},
    }
    path = write(tmp_path, {"certs": fine})
    passed = audit(plugin, tmp_path, path.name, "--no-save", "--fail-on", "high")
    assert passed.returncode == 0, passed.stderr
    assert "0 findings at or above HIGH now: passed" in passed.stderr
    failing = fine | {"options": {"practice": "tls.certificates-valid", "choice": "failing"}}
    path = write(tmp_path, {"certs": failing})
    gated = audit(plugin, tmp_path, path.name, "--no-save", "--fail-on", "high")
    assert gated.returncode == 1
    assert (
        "HIGH    tls.certificates-valid" in gated.stderr and "measured: certs (sample.echo)" in gated.stderr
    )
    assert "devoops · shop" in gated.stdout  # the report still comes out
    path = write(
        tmp_path,
        {"certs": fine, "broken": {"type": "sample.echo", "target": "echo:b", "options": {"fail": "x"}}},
    )
    broken = audit(plugin, tmp_path, path.name, "--no-save", "--fail-on", "high")
    assert broken.returncode == 1
    assert "ERROR   probe broken (sample.echo): RuntimeError: x" in broken.stderr
    ungated = audit(plugin, tmp_path, path.name, "--no-save")
    assert ungated.returncode == 4 and "no evidence from 1 of 2 probes: broken" in ungated.stderr
    assert "devoops · shop" in ungated.stdout


@pytest.mark.parametrize(
    ("target", "status"), [("missing.log", "ERROR"), ("empty.log", "UNKNOWN"), ("logs", "ERROR")]
)
def test_an_audit_without_evidence_exits_4_naming_the_probe(
    plugin: Path, tmp_path: Path, target: str, status: str
) -> None:
    (tmp_path / "empty.log").write_text("")
    (tmp_path / "logs").mkdir()
    path = write(tmp_path, {"logs": {"type": "access_log", "target": target}})
    done = audit(plugin, tmp_path, path.name, "--no-save")
    assert done.returncode == 4, done.stderr
    assert f"{status:<7} probe logs (access_log): " in done.stderr
    assert done.stderr.endswith("error: no evidence from 1 of 1 probes: logs\n")


def test_relative_paths_in_settings_are_read_from_the_workloads_folder(plugin: Path, tmp_path: Path) -> None:
    folder = tmp_path / "service"
    (folder / "logs").mkdir(parents=True)
    line = '127.0.0.1 - - [27/Nov/2026:10:00:0{s} +0000] "GET / HTTP/1.1" {status} 5 "-" "t" 0.010\n'
    (folder / "logs" / "access.log").write_text("".join(line.format(s=s, status=200) for s in range(4)))
    path = write(folder, {"logs": {"type": "access_log", "target": "logs/*.log"}})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = audit(plugin, elsewhere, str(path), "--no-save", "-f", "json")
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["evidence"]
    assert result["target"] == "logs/*.log"
    requests = next(m for m in result["evidence"]["measurements"] if m["name"] == "requests")
    assert requests["value"] == 4


@given(
    secret=st.text(min_size=3, max_size=30).filter(lambda s: s.strip() == s and "*" not in s),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
def test_a_resolved_secret_never_survives_scrubbing(secret: str, before: str, after: str) -> None:
    found: set[str] = set()
    resolved = resolve({"url": f"{before}${{TOKEN}}{after}", "n": [1, "${TOKEN}"]}, {"TOKEN": secret}, found)
    assert resolved == {"url": f"{before}{secret}{after}", "n": [1, secret]} and found == {secret}
    for form in (secret, quote(secret, safe=""), quote_plus(secret)):
        assert secret not in scrub(f"{before}{form}{after}", found)


@given(st.text(max_size=40).filter(lambda s: "${" not in s))
def test_text_without_references_resolves_to_itself(text: str) -> None:
    found: set[str] = set()
    assert resolve(text, {}, found) == text and found == set()


def test_every_built_in_kind_loads_and_documents_its_options() -> None:
    from devoops.probes.catalogue import about

    builtin = [kind for kind, entry in base.entries().items() if entry.builtin]
    assert sorted(builtin) == sorted(page.stem for page in (ROOT / "docs" / "probes").glob("*.md"))
    for kind in builtin:
        cls = base.probe_class(kind)
        assert cls.kind == kind and about(cls) and cls.default_timeout > 0
        assert cls.docs == f"docs/probes/{kind}.md", kind
        page = (ROOT / cls.docs).read_text()
        for name, field in cls.Options.model_fields.items():
            assert field.description, f"{kind}.{name} has no description"
            assert f"`{name}`" in page, f"{cls.docs} does not name the option {name}"
