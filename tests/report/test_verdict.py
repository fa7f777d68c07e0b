"""The one-page verdict: its figures are the full report's, its fixes are what `devoops whatif`
proves, its targets follow the answers, it names no id, every term it uses is explained, and
with only the founder's answers it still says what to ask next."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from devoops.api import Result, assess_file, whatif_file
from devoops.base.fmt import minutes
from devoops.model.common import Horizon
from devoops.model.resilience import Verdict as Outcome
from devoops.report.catastrophes import catastrophes
from devoops.report.glossary import glossary
from devoops.report.html import verdict_fragment
from devoops.report.verdict import Action, Fix, Threat, Verdict, counted, verdict
from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ID = re.compile(r"\b[a-z][a-z0-9]*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*\b")


@pytest.fixture(scope="module")
def bookmarks() -> Result:
    return assess_file(ROOT / "examples" / "bookmarks.yaml", years=0)


@pytest.fixture(scope="module")
def founder(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """Nothing but the founder's answers: the defaults `devoops init` writes."""
    path = tmp_path_factory.mktemp("founder") / "devoops.yaml"
    assert cli("init", "--defaults", "-o", path).returncode == 0
    return assess_file(path, years=0)


def asked(result: Result) -> dict[str, str]:
    return {p.id: p.question for p in result.lens.practices}


def table_rows(result: Result, title: str) -> list[list[str]]:
    [section] = catastrophes(result.assessment, (Horizon.NOW,))
    return next(t.rows for t in section.tables if t.title.startswith(title))


def test_each_company_ending_catastrophe_is_on_the_page_as_the_full_report_prices_it(
    bookmarks: Result,
) -> None:
    v = verdict(bookmarks.assessment)
    rows = {row[0]: row for row in table_rows(bookmarks, "Scenarios now")}
    ending = [title for title, row in rows.items() if row[7] == Outcome.COMPANY_ENDING.value]
    assert len(ending) >= 2 and sorted(t.title for t in v.threats) == sorted(ending)
    for t in v.threats:  # the report's cost and expected/yr columns
        assert (t.once, t.a_year) == (rows[t.title][8], rows[t.title][9])
    assert v.sentence.startswith(counted(len(ending), "catastrophe").capitalize() + " could end linkpile")
    assert v.threats[0].a_year in v.sentence and v.threats[0].title in v.sentence


def test_the_three_actions_are_the_full_reports_top_improvements(bookmarks: Result) -> None:
    v = verdict(bookmarks.assessment)
    rows = table_rows(bookmarks, "Top improvements now")[:3]
    assert v.actions_priced and len(v.actions) == 3
    for action, row in zip(v.actions, rows, strict=True):
        assert action.saves == row[3]
        assert action.costs == (row[4] if row[5] != "free" else "")


def test_a_single_fix_is_what_whatif_proves_saves_the_company(bookmarks: Result) -> None:
    v = verdict(bookmarks.assessment)
    r = bookmarks.assessment.at(Horizon.NOW).resilience
    assert r is not None
    priced = [t for t in v.threats if t.fix.cost is not None]
    assert priced
    for t in priced:
        change = next(c for c in r.changes if c.title == t.fix.title)
        outcome = whatif_file(ROOT / "examples" / "bookmarks.yaml", change.change.split())
        [after] = [
            m
            for m in outcome.changes[0].moves
            if m.scenario in {o.scenario for o in r.scenarios if o.title == t.title}
        ]
        assert (
            after.verdict_before == Outcome.COMPANY_ENDING and after.verdict_after != Outcome.COMPANY_ENDING
        )
        cheaper = [
            c
            for c in r.changes
            if c.cost_per_year < change.cost_per_year
            and any(
                m.scenario == after.scenario and m.verdict_after != Outcome.COMPANY_ENDING for m in c.moves
            )
        ]
        assert not cheaper, t.title


def test_the_targets_are_said_in_words_from_the_targets(bookmarks: Result, founder: Result) -> None:
    for result in (bookmarks, founder):
        targets = result.assessment.at(Horizon.NOW).targets
        lines = verdict(result.assessment).targets
        budget, unit = minutes(targets.availability.error_budget_minutes_per_month).split()
        assert lines[0].startswith(f"At most {budget} {'hours' if unit == 'h' else 'minutes'} down a month")
        assert f"within {targets.latency.p95_ms / 1000:g} seconds for 95 in 100 visitors" in lines[1]
        for d in targets.data:
            rpo = minutes(d.rpo_minutes).split()[0]
            assert any(line.startswith(f"{d.name}: lose at most {rpo} ") for line in lines)


def test_with_only_the_founders_answers_it_says_what_to_ask_next(founder: Result) -> None:
    v = verdict(founder.assessment, asked(founder))
    assert not v.threats and not v.actions
    assert "ask your engineer" in v.sentence
    questions = set(asked(founder).values())
    assert len(v.questions) >= 3 and all(q in questions for q in v.questions)
    printed = cli("assess", founder.loaded.path, "--years", "0", columns=80).stdout
    assert "What to ask your engineer next" in printed and v.questions[0].split()[0] in printed


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_no_id_appears_and_every_term_is_explained(path: Path) -> None:
    result = assess_file(path, years=0)
    v = verdict(result.assessment, asked(result))
    texts = v.texts()
    ids = {p.id for p in result.lens.practices}
    r = result.assessment.at(Horizon.NOW).resilience
    if r is not None:
        ids |= {o.scenario for o in r.scenarios} | {c.change for c in r.changes}
    for text in texts:
        assert not ID.search(text), text
        assert not [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)], text
    g = glossary()
    currency = result.assessment.at(Horizon.NOW).targets.availability.currency
    for text in texts:  # capitals and percentiles are jargon: each one is in the glossary
        for jargon in re.findall(r"\b[A-Z]{2,}(?: [A-Z]{2,})*\b|\bp\d\d\b", text):
            assert jargon == currency or g.term_of(jargon) in g.entries, jargon
    assert set(g.used(texts)) <= set(g.entries)


def test_the_html_fragment_says_what_the_verdict_says(bookmarks: Result) -> None:
    v = verdict(bookmarks.assessment, asked(bookmarks))
    page = Page()
    page.feed(str(verdict_fragment(v, "#full")))
    text = " ".join("".join(page.text).split())
    assert {tag for tag, _ in page.tags} <= {"section", "h2", "h3", "p", "strong", "div", "table", "thead",
                                              "tbody", "tr", "th", "td", "ol", "ul", "li", "abbr", "details",
                                              "summary", "a"}  # fmt: skip
    assert all(not name.startswith("on") and name != "style" for _, attrs in page.tags for name, _ in attrs)
    for piece in v.texts():
        assert " ".join(piece.split()) in text, piece
    titles = {value for tag, attrs in page.tags if tag == "abbr" for name, value in attrs if name == "title"}
    assert titles == {glossary().means(t) for t in glossary().used(v.texts())}
    assert ("href", "#full") in [a for tag, attrs in page.tags if tag == "a" for a in attrs]


def test_the_html_fragment_escapes_what_it_is_given() -> None:
    hostile = "<script>alert(1)</script>"
    v = Verdict(
        app=hostile,
        sentence=f"SLO {hostile}",
        threats=[Threat(hostile, hostile, "1 EUR", "2 EUR", "0.1 a year", Fix(hostile, "3 EUR"))],
        actions=[Action(hostile, "4 EUR", "5 EUR")],
        actions_priced=True,
        targets=[hostile],
        questions=[hostile],
        counts={},
    )
    html = str(verdict_fragment(v))
    assert "<script" not in html and html.count("&lt;script&gt;") >= 8


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)
