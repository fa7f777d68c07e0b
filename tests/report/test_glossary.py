"""The glossary: every word a founder meets defined, found where a text uses it and nowhere
else, and a text split for tooltips is the same text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoops.lens import load_lens
from devoops.report.glossary import Entry, build, glossary
from devoops.report.sections import HORIZON_TITLES

FOUNDER_WORDS = (
    "SLO", "error budget", "availability", "p50", "p95", "p99", "percentile", "latency", "RPO", "RTO",
    "tenet", "importance", "maturity", "finding", "HIGH", "MEDIUM", "catastrophe", "scenario", "what-if",
    "restore drill", "failover", "offsite", "backup", "replica", "practice", "inventory", "company-ending",
    "damaged", "req/s", "on-call", "MFA", "DNS", "registrar", "object lock", "lifeblood",
)  # fmt: skip


@pytest.mark.parametrize("word", FOUNDER_WORDS)
def test_every_word_a_founder_meets_is_defined(word: str) -> None:
    g = glossary()
    [(found, term)] = [(piece, term) for piece, term in g.split(f"the {word} here") if term is not None]
    assert found == word and len(g.means(term)) >= 20


def test_the_lens_speaks_no_capitals_the_glossary_does_not_explain() -> None:
    """Questions, titles and scenarios reach the verdict; their abbreviations are all explained."""
    lens = load_lens(())
    texts = [p.question for p in lens.practices] + [p.title for p in lens.practices]
    texts += [s.title for s in lens.scenarios]
    g = glossary()
    for text in texts:
        for jargon in re.findall(r"\b[A-Z]{2,}(?: [A-Z]{2,})*\b|\bp\d\d\b", text):
            assert g.term_of(jargon) in g.entries, (jargon, text)


def test_capitals_match_as_written_other_forms_in_any_case_never_inside_a_word() -> None:
    g = glossary()
    assert g.used(["The slo and the Availability of a high-availability site"]) == ["availability"]
    assert g.used(["the SLO; HIGH risks"]) == ["SLO", "HIGH"]
    assert g.used(["sloth, unavailable, RPOs, backupless"]) == []
    assert g.used([f"targets {HORIZON_TITLES[h]}" for h in HORIZON_TITLES][1:]) == ["horizon"]


def test_the_longest_form_wins() -> None:
    g = build(
        [
            Entry(term="backup", forms=["backup"], means="a copy"),
            Entry(term="restore drill", forms=["restore every backup"], means="a test"),
        ]
    )
    assert g.split("we restore every backup weekly") == [
        ("we ", None),
        ("restore every backup", "restore drill"),
        (" weekly", None),
    ]


def test_a_form_of_two_terms_is_refused() -> None:
    with pytest.raises(ValueError, match="'Zone' belongs to both 'zone' and 'region'"):
        build(
            [Entry(term="zone", forms=["zone"], means="a"), Entry(term="region", forms=["Zone"], means="b")]
        )


@given(
    st.lists(st.sampled_from(["SLO", "slo", "RPO ", "p95", " ", "availability", "x", "-", "ä", "\n"])).map(
        "".join
    )
)
def test_a_split_text_joins_back_to_itself(text: str) -> None:
    pieces = glossary().split(text)
    assert "".join(piece for piece, _ in pieces) == text
    assert all(term is None or term in glossary().entries for _, term in pieces)
