"""The terminal never breaks a word: the one-page verdict and the whole report of every example,
at every width from 80 to 200 columns; and the verdict stays within 60 lines."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoops.api import assess_file
from devoops.model.assessment import Assessment
from devoops.report.sections import Section, Table
from devoops.report.terminal import LINES, render, render_sections, render_verdict, verdict_sections, widths
from devoops.report.verdict import verdict
from devoops.report.view import report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
WIDTHS = range(80, 201)
BOX = re.compile(r"[\u2500-\u257f•]")
EDGES = "()[]{};:,.*`'\""


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def assessed(request: pytest.FixtureRequest) -> Assessment:
    return assess_file(request.param, years=50).assessment


def tokens(text: str) -> Counter[str]:
    """The words of a text, without the punctuation around them, the table rules and bullets."""
    return Counter(w.strip(EDGES) for w in BOX.sub(" ", text).split() if w.strip(EDGES))


def source_words(sections: list[Section], extra: list[str]) -> Counter[str]:
    texts = list(extra)
    for s in sections:
        texts += [s.heading, *s.paragraphs, *s.bullets]
        for t in s.tables:
            texts += [t.title, *t.columns, *(c for row in t.rows for c in row)]
    return tokens("\n".join(texts))


def broken(sections: list[Section], extra: list[str], printed: str) -> Counter[str]:
    """The words of the sections that the printed text does not hold whole, as often as they
    occur: a word split over two lines ("outag" / "e") is missing from it."""
    return source_words(sections, extra) - tokens(printed)


def test_the_verdict_breaks_no_word_and_fits_a_page_at_every_width(assessed: Assessment) -> None:
    v = verdict(assessed)
    footer = "The whole report: devoops assess devoops.yaml --full"
    sections = verdict_sections(v)
    for width in WIDTHS:
        printed = render_verdict(v, footer, width=width)
        assert printed.count("\n") <= LINES, width
        assert not broken(sections, [v.sentence, footer, f"devoops · Verdict on {v.app}"], printed), width
        assert max(len(line) for line in printed.splitlines()) <= width


def test_the_whole_report_breaks_no_word_at_every_width(assessed: Assessment) -> None:
    sections = report(assessed, plan_limit=10)
    for width in WIDTHS:
        printed = render(assessed, width=width)
        assert not broken(sections, [f"devoops · {assessed.app.name}"], printed), width
        assert max(len(line) for line in printed.splitlines()) <= width


def test_the_check_sees_a_broken_word() -> None:
    """The check above fails on what Rich's folding used to print: "outag" and "e"."""
    sections = [Section("Catastrophes", tables=[Table(["scenario"], [["Zone outage"]])])]
    assert broken(sections, [], "Catastrophes\n│ scenario │\n│ Zone outag │\n│ e │") == Counter({"outage": 1})
    assert not broken(sections, [], "Catastrophes\n│ scenario │\n│ Zone       │\n│ outage │")


def test_a_table_too_wide_for_its_words_is_one_wrapped_line_a_row() -> None:
    columns = [f"column-number-{n}" for n in range(8)]
    table = Table(columns, [[f"value-{n}-{'x' * 12}" for n in range(8)]], title="Wide")
    assert widths(table, 80) is None
    printed = render_sections("wide", [Section("Wide", tables=[table])], color=False, width=80)
    assert "• column-number-0: value-0-xxxxxxxxxxxx; column-number-1: value-1-xxxxxxxxxxxx;" in printed
    assert not broken([Section("Wide", tables=[table])], ["wide"], printed)


CELL = st.text(alphabet="abc xyz-", min_size=0, max_size=40)


@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.lists(st.text(alphabet="hdr ", min_size=1, max_size=15), min_size=n, max_size=n),
            st.lists(st.lists(CELL, min_size=n, max_size=n), max_size=5),
        )
    ),
    st.integers(20, 200),
)
def test_column_widths_hold_the_longest_words_within_the_width(
    shape: tuple[list[str], list[list[str]]], width: int
) -> None:
    columns, rows = shape
    table = Table(columns, rows)
    chosen = widths(table, width)
    cells = list(zip(columns, *rows, strict=True))
    longest = [max((len(w) for c in col for w in c.split()), default=0) for col in cells]
    widest = [max(len(c) for c in col) for col in cells]
    if chosen is None:
        assert sum(max(n, 1) for n in longest) + 3 * len(columns) + 1 > width
        return
    assert sum(chosen) + 3 * len(columns) + 1 <= width
    for w, least, most in zip(chosen, longest, widest, strict=True):
        assert max(least, 1) <= w <= max(most, least, 1)
