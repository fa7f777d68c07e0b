"""The words a founder meets in a report, each explained in plain words (glossary.yaml), and
where they occur in a text: the verdict glosses them (tooltips in HTML, a list in a terminal)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..base.located import read
from ..model.common import Strict, Text


class Entry(Strict):
    term: Text
    forms: list[Text]
    means: Text


class GlossaryFile(Strict):
    terms: list[Entry]


@dataclass(frozen=True)
class Glossary:
    entries: dict[str, Entry]
    pattern: re.Pattern[str]
    by_form: dict[str, str]
    """Each form (lower case unless all capitals) to its term."""

    def term_of(self, found: str) -> str:
        return self.by_form.get(found, self.by_form.get(found.lower(), found))

    def means(self, term: str) -> str:
        return self.entries[term].means

    def split(self, text: str) -> list[tuple[str, str | None]]:
        """The text in pieces, each with the term it spells or None: what HTML wraps in tooltips."""
        pieces: list[tuple[str, str | None]] = []
        at = 0
        for m in self.pattern.finditer(text):
            if m.start() > at:
                pieces.append((text[at : m.start()], None))
            pieces.append((m[0], self.term_of(m[0])))
            at = m.end()
        if at < len(text):
            pieces.append((text[at:], None))
        return pieces

    def used(self, texts: list[str]) -> list[str]:
        """The terms the texts use, in the order they first appear."""
        seen: dict[str, None] = {}
        for text in texts:
            for m in self.pattern.finditer(text):
                seen.setdefault(self.term_of(m[0]))
        return list(seen)


def _form(form: str) -> str:
    """An all-capitals form matches as written; any other in any case; never inside a word."""
    body = re.escape(form)
    return rf"(?<![\w]){body if form.isupper() else f'(?i:{body})'}(?![\w])"


def build(entries: list[Entry]) -> Glossary:
    by_form: dict[str, str] = {}
    for e in entries:
        for form in e.forms:
            key = form if form.isupper() else form.lower()
            if by_form.setdefault(key, e.term) != e.term:
                raise ValueError(f"glossary: {form!r} belongs to both {by_form[key]!r} and {e.term!r}")
    forms = sorted({f for e in entries for f in e.forms}, key=lambda f: (-len(f), f))
    return Glossary({e.term: e for e in entries}, re.compile("|".join(_form(f) for f in forms)), by_form)


@cache
def glossary() -> Glossary:
    """The shipped glossary, read once a process."""
    path = Path(str(resources.files("devoops.report") / "glossary.yaml"))
    return build(read(path).validate(GlossaryFile).terms)
