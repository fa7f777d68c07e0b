"""Markdown output shows user names as text: a zone or account named like HTML must not become
HTML in a Markdown viewer, while the Markdown the renderer writes (tables, bold, code spans)
keeps working. Checked with a real CommonMark parser (markdown-it, which rich depends on)."""

from __future__ import annotations

import html
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from devoops.report import markdown
from devoops.report.sections import Section, Table
from tests.helpers import cli

ZONE = "<img src=x onerror=alert(1)>"
ACCOUNT = "<b>ops</b>&co"
APP = "shop <script>alert(2)</script>"

HOSTILE = f"""app: {{name: "{APP}", stage: mvp}}
answers:
  reliability: {{downtime_cost_per_hour: 100}}
  traffic: {{baseline_rps: 10}}
  security: {{breach_survival: damaged}}
  engineering: {{team_size: 3}}
  data:
    datasets:
      - {{name: orders, criticality: lifeblood}}
inventory:
  defaults: {{provider: aws, account: "{ACCOUNT}", region: eu-west-1}}
  components:
    web: {{kind: app, zones: ["{ZONE}", eu-west-1b], instances: 2, depends_on: [db]}}
    db:
      kind: database
      zones: ["{ZONE}"]
      datasets: [orders]
      backups: [{{to: vault}}]
    vault: {{kind: backup_target}}
"""


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def flat(tokens: list[Token]) -> list[Token]:
    return [t for token in tokens for t in [token, *flat(token.children or [])]]


def raw_html(source: str) -> list[str]:
    """Every piece of the document a Markdown viewer would pass through as HTML."""
    return [t.content for t in flat(parser().parse(source)) if t.type in ("html_inline", "html_block")]


def run(tmp_path: Path, *args: str) -> str:
    path = tmp_path / "devoops.yaml"
    path.write_text(HOSTILE)
    result = cli(*args, path, "-f", "md")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_hostile_names_in_scenarios_md_stay_text(tmp_path: Path) -> None:
    out = run(tmp_path, "scenarios", "run", "--years", "100")
    assert raw_html(out) == []
    shown = parser().render(out)
    assert ZONE not in shown and ACCOUNT not in shown
    assert f"zone aws/eu-west-1/{html.escape(ZONE, quote=False)}" in shown
    assert f"account aws/{html.escape(ACCOUNT, quote=False)}" in shown
    assert f"<h1>devoops scenarios · {html.escape(APP, quote=False)}" in shown
    assert "<table>" in shown and "<strong>Shared fate</strong>" in shown


def test_hostile_names_in_assess_md_stay_text_and_code_spans_survive(tmp_path: Path) -> None:
    out = run(tmp_path, "assess")
    assert raw_html(out) == []
    shown = parser().render(out)
    assert ZONE not in shown
    assert f"<h1>devoops assessment: {html.escape(APP, quote=False)}</h1>" in shown
    # the renderer's own code span: shown literally once, not double-escaped
    assert "<code>devoops explain scenario.&lt;id&gt;</code>" in shown


def test_cells_bullets_headings_and_steps_are_escaped() -> None:
    s = Section(
        f"Zone {ZONE}",
        paragraphs=[f"paragraph {ZONE}", "a `code <kept>` span"],
        tables=[Table([f"c {ZONE}"], [[f"a|{ZONE}"]], title=f"t {ZONE}")],
        bullets=[f"bullet {ACCOUNT}"],
        details=[(f"how {ZONE}", [f"first {ZONE}", f"then\n{ACCOUNT}"])],
    )
    out = markdown.render_sections(f"title {APP}", [s])
    assert raw_html(out) == []
    shown = parser().render(out)
    zone, account = html.escape(ZONE, quote=False), html.escape(ACCOUNT, quote=False)
    for expected in (
        f"<h1>title {html.escape(APP, quote=False)}</h1>",
        f"<h2>Zone {zone}</h2>",
        f"<p>paragraph {zone}</p>",
        "<code>code &lt;kept&gt;</code>",
        f"<strong>t {zone}</strong>",
        f"<th>c {zone}</th>",
        f"<td>a|{zone}</td>",
        f"<li>bullet {account}</li>",
        f"<h3>how {zone}</h3>",
        f"<li>then {account}</li>",
    ):
        assert expected in shown, expected


@given(st.text(alphabet="ab <>&`\\|/=\"'!\n", max_size=40))
@example("`\n<!a`")  # a code span over a line that opens an HTML block
def test_no_text_becomes_html(value: str) -> None:
    """Whatever the text, backticks and backslashes included, a viewer sees no HTML in it."""
    assert raw_html(markdown.text(value)) == []
    assert raw_html(markdown.render_sections(value, [Section(value, bullets=[value])])) == []


@given(st.text(alphabet='ab <>&="/', min_size=1, max_size=40).filter(lambda v: v.strip() == v and v.strip()))
def test_plain_text_shows_exactly_as_written(value: str) -> None:
    """Without Markdown syntax in it, a text renders as itself, HTML-escaped once."""
    assert parser().render(markdown.text(value)) == f"<p>{html.escape(value)}</p>\n"
