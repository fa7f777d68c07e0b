"""The commands as a user runs them: output, exit codes, files written or not."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from ..conftest import EXAMPLES, ROOT
from ..helpers import cli, devoops

BOOKMARKS = ROOT / "examples" / "bookmarks.yaml"


def test_help_lists_every_command_and_each_has_an_example() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("assess", "explain", "init", "quiz", "schema", "lens"):
        assert command in result.stdout
    for args in (
        ["assess"],
        ["explain"],
        ["init"],
        ["quiz"],
        ["schema"],
        ["lens"],
        ["lens", "list"],
        ["lens", "show"],
    ):
        out = cli(*args, "--help")
        assert out.returncode == 0 and "Example: devoops" in out.stdout, args


def test_h_and_version_work_everywhere() -> None:
    from devoops import __version__

    version = cli("--version")
    assert (version.returncode, version.stdout) == (0, f"devoops {__version__}\n")
    for args in (["-h"], ["assess", "-h"], ["lens", "show", "-h"], ["scenarios", "run", "-h"]):
        shown = cli(*args)
        assert shown.returncode == 0 and shown.stdout.startswith("Usage: ") and "Options:" in shown.stdout, (
            args
        )


FORMATS = {
    "assess": ("assessment",),
    "audit": ("assessment",),
    "drill restore": ("assessment",),
    "drill failover": ("assessment",),
    "show": ("assessment", "workload"),
    "explain": ("text",),
    "quiz": ("text",),
    "lens list": ("text",),
    "lens show": ("text",),
    "probes list": ("text",),
    "probes show": ("text",),
    "diff": ("analysis",),
    "history": ("analysis",),
    "scenarios run": ("analysis",),
    "whatif": ("analysis",),
    "alerts analyze": ("analysis",),
    "delivery analyze": ("analysis",),
    "backup make": ("backup",),
    "slo generate": ("slo",),
}
"""Each command that renders: the kind of output whose registry its `--format` offers, and any
choice of its own after those (`show -f workload` prints the file it assessed)."""


def format_options() -> dict[str, list[str]]:
    """Every command's `--format` choices, as Typer builds them."""
    import typing

    import typer

    from devoops.cli import app

    seen: dict[str, list[str]] = {}

    def walk(group: typer.Typer, path: str) -> None:
        for info in group.registered_groups:
            assert info.typer_instance is not None
            walk(info.typer_instance, f"{path} {info.name}".strip())
        for command in group.registered_commands:
            where = f"{path} {command.name or command.callback.__name__}".strip()  # type: ignore[union-attr]
            hints = typing.get_type_hints(command.callback, include_extras=True)
            for hint in hints.values():
                declared = [m for m in getattr(hint, "__metadata__", ()) if hasattr(m, "param_decls")]
                decls = {
                    d for m in declared for d in (m.default, *(m.param_decls or ())) if isinstance(d, str)
                }
                assert "--md" not in decls, where
                if "--format" in decls:
                    assert "-f" in decls, where
                    choices = typing.get_args(hint)[0]
                    assert typing.get_origin(choices) is typing.Literal, where
                    seen[where] = list(typing.get_args(choices))

    walk(app, "")
    return seen


def test_every_command_offers_the_formats_of_its_kind_from_the_registry() -> None:
    """`-f/--format` everywhere, its choices exactly its kind's registered formats in their order,
    so a format registered once is offered by every command of its kind."""
    from devoops.report.registry import formats

    seen = format_options()
    assert seen.keys() == FORMATS.keys()
    for where, (kind, *extra) in FORMATS.items():
        assert seen[where] == [*formats(kind).names(), *extra], where
        assert len(set(seen[where])) == len(seen[where]), where


def test_a_wrong_option_value_is_said_without_pydantic_words() -> None:
    wrong = cli("scenarios", "run", BOOKMARKS, "--horizon", "24mo")
    assert wrong.returncode == 2 and "Value error" not in wrong.stderr
    assert "Invalid value for '--horizon': '24mo' is not one of 'now', '6mo', '12mo'." in wrong.stderr


def test_assess_writes_each_format(tmp_path: Path) -> None:
    for fmt, check in (("md", "## Plan"), ("json", '"schema_version": "2"'), ("terminal", "Verdict")):
        out = tmp_path / f"report.{fmt}"
        result = cli("assess", BOOKMARKS, "-f", fmt, "-o", out)
        assert result.returncode == 0, result.stderr
        assert check in out.read_text()


def test_init_defaults_then_assess(tmp_path: Path) -> None:
    target = tmp_path / "devoops.yaml"
    assert cli("init", "--defaults", "-o", target).returncode == 0
    text = target.read_text()
    assert text.startswith("# yaml-language-server: $schema=devoops.schema.json")
    assert "# 1. What does an hour of downtime cost, now and in a year?" in text
    result = cli("assess", target)
    assert result.returncode == 0, result.stderr


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "devoops.yaml"
    target.write_text("mine")
    result = cli("init", "--defaults", "-o", target)
    assert result.returncode == 2 and "--force" in result.stderr
    assert target.read_text() == "mine"


def test_init_without_terminal_asks_for_answers(tmp_path: Path) -> None:
    result = devoops("init", "-o", tmp_path / "devoops.yaml", stdin="")
    assert result.returncode == 2 and "--answers" in result.stderr
    assert not (tmp_path / "devoops.yaml").exists()


def test_init_from_answers_keeps_them_and_horizons(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "app: {name: tinyco, stage: idea, currency: EUR}\n"
        "answers:\n  reliability: {downtime_cost_per_hour: {now: 5, 12mo: 500}}\n"
        "  data: {datasets: [{name: notes, criticality: important}]}\n"
    )
    target = tmp_path / "devoops.yaml"
    result = cli("init", "--answers", answers, "-o", target)
    assert result.returncode == 0, result.stderr
    data = YAML(typ="safe").load(target.read_text())
    assert data["app"]["name"] == "tinyco" and data["app"]["currency"] == "EUR"
    assert data["answers"]["reliability"]["downtime_cost_per_hour"] == {"now": 5, "12mo": 500}
    assert data["answers"]["data"]["datasets"] == [{"name": "notes", "criticality": "important"}]
    assert data["answers"]["engineering"]["team_size"] == 2  # a default filled in


def test_init_checks_practices_against_the_lens(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("app: {name: tinyco, stage: idea}\npractices:\n  backups.ofsite: same-account\n")
    target = tmp_path / "devoops.yaml"
    result = cli("init", "--answers", answers, "-o", target)
    assert result.returncode == 2 and not target.exists()
    assert f"{answers}:3:3: practices.backups.ofsite: unknown practice" in result.stderr


def test_init_with_bad_answers_names_the_line_and_writes_nothing(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("app:\n  name: tinyco\n  stage: unicorn\n")
    target = tmp_path / "devoops.yaml"
    result = cli("init", "--answers", answers, "-o", target)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {answers}:3:10: app.stage:")
    assert not target.exists()


def test_quiz_from_answers(tmp_path: Path) -> None:
    answers = tmp_path / "quiz.yaml"
    answers.write_text("no-offsite-backup: yes\nslow-deploys: yes\nnoisy-alerts: no\n")
    result = cli("quiz", "--answers", answers, "-f", "md")
    assert result.returncode == 0, result.stderr
    assert "DevOops score: 2/8" in result.stdout
    assert "practices.backups.offsite: same-server" in result.stdout
    assert "practices.deploy.fast: over-20" in result.stdout


def test_quiz_unknown_symptom(tmp_path: Path) -> None:
    answers = tmp_path / "quiz.yaml"
    answers.write_text("noisy-alert: yes\n")
    result = cli("quiz", "--answers", answers)
    assert result.returncode == 2
    assert f"{answers}:1:1" in result.stderr and "did you mean 'noisy-alerts'" in result.stderr


def test_lens_list_and_show() -> None:
    listed = cli("lens", "list", "-f", "md")
    assert listed.returncode == 0
    rows = [
        line for line in listed.stdout.splitlines() if line.startswith("| ") and "." in line.split("|")[1]
    ]
    assert len(rows) >= 40
    security = cli("lens", "list", "--tenet", "security", "-f", "md").stdout
    assert "iam.mfa" in security and "deploy.fast" not in security
    shown = cli("lens", "show", "backups.offsite", "-f", "md")
    assert shown.returncode == 0
    assert "same-account" in shown.stdout and "Risk rules (first match wins)" in shown.stdout
    wrong = cli("lens", "show", "backups.ofsite")
    assert wrong.returncode == 2 and "did you mean 'backups.offsite'" in wrong.stderr


def test_schema_is_valid_and_accepts_the_examples() -> None:
    result = cli("schema")
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in EXAMPLES:
        data = json.loads(json.dumps(YAML(typ="safe").load(path.read_text()), default=str))
        jsonschema.validate(data, schema)
    bad = {"app": {"name": "x", "stage": "mvp", "colour": "red"}}
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)


def test_explain_topics() -> None:
    availability = cli("explain", "availability", BOOKMARKS, "-f", "md")
    assert availability.returncode == 0, availability.stderr
    chosen = [line for line in availability.stdout.splitlines() if line.endswith("| chosen |")]
    # now: single 10.8k + 43.7 h x 150 + 12 x 200 = 19.8k EUR beats multi-zone 21.6k + 1.3k + 1.2k;
    # in 6 months (400/h, 200/incident) multi-zone wins, and stays chosen at 12 months (a new table)
    assert [line.split("|")[1].strip() for line in chosen] == ["single", "multi-zone", "multi-zone"]
    security = cli("explain", "security", BOOKMARKS, "-f", "md").stdout
    assert "answers.security.breach_survival" in security
    practice = cli("explain", "backups.offsite", BOOKMARKS, "-f", "md").stdout
    assert "same-account" in practice
    wrong = cli("explain", "availabilty", BOOKMARKS)
    assert wrong.returncode == 2 and "did you mean 'availability'" in wrong.stderr


def test_user_lens_adds_a_practice(tmp_path: Path) -> None:
    extra = tmp_path / "ours.yaml"
    extra.write_text(
        "practices:\n"
        "  - id: ours.pager-tested\n    title: Pager tested weekly\n    summary: A pager nobody tests fails.\n"
        "    tenets: [high_availability]\n    required_from: {high_availability: 0}\n"
        "    question: Is the pager tested weekly?\n"
        "    choices:\n      - {id: 'no', title: No, score: 0}\n      - {id: 'yes', title: Yes, score: 1}\n"
        "    risk_rules:\n      - {when: {choices: ['no']}, risk: HIGH, reason: untested pager}\n"
        "    default: {risk: NONE, reason: tested}\n    plan: [Test it every Monday.]\n"
        "    effort: S\n    monthly_cost: {low: 0, high: 0}\n"
    )
    result = cli("assess", BOOKMARKS, "--lens", extra, "-f", "json")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)["horizons"][0]["findings"]
    assert any(f["practice"] == "ours.pager-tested" and f["risk"] == "UNKNOWN" for f in findings)
    extra.write_text("practices:\n  - id: ours.broken\n    title: x\n")
    broken = cli("assess", BOOKMARKS, "--lens", extra)
    assert broken.returncode == 2 and f"{extra}:2:5: practices.0.summary" in broken.stderr


def test_reports_get_ordinary_permissions_and_bad_targets_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    assert cli("assess", BOOKMARKS, "-f", "md", "-o", out).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()
    into_directory = cli("assess", BOOKMARKS, "-o", tmp_path)
    assert into_directory.returncode == 2 and f"cannot write {tmp_path}" in into_directory.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]  # no temporary file left


def test_a_report_into_a_pipe_or_a_device_is_written_through_it(tmp_path: Path) -> None:
    """`-o /dev/null` or a named pipe: written to, never renamed over (which would replace the
    device with a file of the report)."""
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_text()))
    reader.start()
    result = cli("assess", BOOKMARKS, "-f", "md", "--years", "0", "-o", pipe)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert got and got[0].startswith("# devoops") and pipe.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root makes device nodes (CI runs as root)")
def test_a_report_into_a_device_node_leaves_the_device(tmp_path: Path) -> None:
    """A null device of our own, so a failure here cannot break /dev/null for the machine."""
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    result = cli("assess", BOOKMARKS, "-f", "json", "--years", "0", "-o", null)
    assert result.returncode == 0, result.stderr
    assert null.is_char_device() and null.stat().st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_report_through_a_symlink_replaces_its_target_and_dash_is_stdout(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "latest.md"
    target.write_text("old")
    link = tmp_path / "report.md"
    link.symlink_to(target)
    result = cli("assess", BOOKMARKS, "-f", "md", "--years", "0", "-o", link)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == f"wrote {link}\n"
    assert link.is_symlink() and link.readlink() == target
    assert target.read_text().startswith("# devoops")
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["latest.md"]
    dash = cli("assess", BOOKMARKS, "-f", "md", "--years", "0", "-o", "-", cwd=tmp_path)
    assert dash.returncode == 0 and dash.stdout == target.read_text() and dash.stderr == ""
    assert not (tmp_path / "-").exists()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_user_lens_replaces_a_built_in_practice(tmp_path: Path) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text(
        "practices:\n"
        "  - id: backups.offsite\n    title: Offsite copy, our way\n    summary: Ours.\n"
        "    tenets: [data_integrity]\n    required_from: {data_integrity: 1}\n"
        "    question: Is there an offsite copy?\n"
        "    choices:\n      - {id: missing, title: No copy, score: 0}\n      - {id: vaulted, title: Vaulted, score: 1}\n"
        "    risk_rules:\n      - {when: {choices: [missing]}, risk: HIGH, reason: no offsite copy}\n"
        "    default: {risk: NONE, reason: vaulted}\n    plan: [Vault it.]\n"
        "    effort: S\n    monthly_cost: {low: 0, high: 10}\n"
    )
    workload = tmp_path / "devoops.yaml"
    workload.write_text(
        BOOKMARKS.read_text().replace("backups.offsite: same-account", "backups.offsite: missing")
    )
    result = cli("assess", workload, "--lens", ours, "-f", "json")
    assert result.returncode == 0, result.stderr
    now = json.loads(result.stdout)["horizons"][0]["findings"]
    offsite = next(f for f in now if f["practice"] == "backups.offsite")
    assert (offsite["title"], offsite["risk"], offsite["reason"]) == (
        "Offsite copy, our way",
        "HIGH",
        "no offsite copy",
    )
    # the built-in choice is no longer known under the user's practice
    assert cli("assess", BOOKMARKS, "--lens", ours).returncode == 2
    # the quiz still reveals the practice, but no longer implies a built-in choice for it
    quiz = tmp_path / "quiz.yaml"
    quiz.write_text("no-offsite-backup: yes\n")
    shown = cli("quiz", "--answers", quiz, "--lens", ours, "-f", "md")
    assert shown.returncode == 0, shown.stderr
    assert "backups.offsite: Offsite copy, our way" in shown.stdout
    assert "practices.backups.offsite" not in shown.stdout
