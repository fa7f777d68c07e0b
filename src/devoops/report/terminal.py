"""Terminal skin over the report's sections and the one-page verdict: Rich tables, colour only
on a terminal. No word is ever broken across lines: a table is laid out within the width with
each column at least as wide as its longest word, and one that cannot fit so is printed as one
wrapped line per row."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from ..model.assessment import Assessment
from .glossary import glossary
from .registry import Assessed, Document, Page, Renderer
from .sections import Section, Table
from .verdict import Verdict
from .view import report

RISK_STYLE = {
    "HIGH": "bold red",
    "MEDIUM": "yellow",
    "NONE": "green",
    "UNKNOWN": "magenta",
    "company-ending": "bold red",
    "damaged": "yellow",
    "degraded": "magenta",
    "survives": "green",
}
LINES = 60
"""The verdict's most lines, at any width from 80 columns."""


def _markup(text: str) -> str:
    """Markdown's **bold** into Rich markup; everything else escaped."""
    return re.sub(r"\\?\*\\?\*(.+?)\\?\*\\?\*", r"[bold]\1[/bold]", escape(text))


def _cell(text: str) -> str:
    return f"[{RISK_STYLE[text]}]{text}[/]" if text in RISK_STYLE else escape(text)


def _longest_word(text: str) -> int:
    return max((cell_len(w) for w in text.split()), default=0)


def _widest_line(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


def widths(t: Table, width: int) -> list[int] | None:
    """Column widths within `width` that hold each column's longest word (and, where room
    allows, its widest cell), or None when even the longest words do not fit side by side."""
    columns = list(zip(t.columns, *t.rows, strict=True)) if t.rows else [(c,) for c in t.columns]
    least = [max(_longest_word(c) for c in col) or 1 for col in columns]
    most = [max(max(_widest_line(c) for c in col), m) for col, m in zip(columns, least, strict=True)]
    room = width - 3 * len(columns) - 1  # padding of one either side, and the rules between
    if sum(least) > room:
        return None
    if sum(most) <= room:
        return most
    chosen, spare = list(least), room - sum(least)
    order = sorted(range(len(chosen)), key=lambda i: most[i] - least[i])
    for left, i in enumerate(order):  # water-filling: the least lacking whole, the rest shared
        gain = min(most[i] - chosen[i], spare // (len(order) - left))
        chosen[i] += gain
        spare -= gain
    return chosen


def table(t: Table, width: int = 120) -> RichTable:
    """A table whose words are never broken: columns sized by `widths`, else one row a line."""
    sized = widths(t, width)
    if sized is None:
        return rows_as_lines(t)
    rich = RichTable(title=t.title or None, title_justify="left", show_lines=False)
    for column, w in zip(t.columns, sized, strict=True):
        rich.add_column(column, width=w, overflow="fold")
    for row in t.rows:
        rich.add_row(*(_cell(c) for c in row))
    return rich


def rows_as_lines(t: Table) -> RichTable:
    """A table too wide for the terminal: each row one wrapped line, "column: value; ...", its
    first value in bold, hanging under a bullet."""
    grid = RichTable.grid(padding=(0, 1))
    grid.title, grid.title_justify = t.title or None, "left"
    grid.add_column(width=1)
    grid.add_column(ratio=1)
    for row in t.rows:
        first = f"{escape(t.columns[0])}: [bold]{escape(row[0])}[/bold]" if t.columns[0] else escape(row[0])
        cells = [
            f"{escape(name)}: {_cell(c)}" if name else _cell(c)
            for name, c in zip(t.columns, row, strict=True)
        ]
        grid.add_row("•", "; ".join([first, *(c for c, v in zip(cells[1:], row[1:], strict=True) if v)]))
    return grid


def print_sections(console: Console, title: str, sections: list[Section], rule: bool = True) -> None:
    if rule:
        console.rule(f"[bold]{escape(title)}")
    for s in sections:
        console.print()
        console.print(f"[bold underline]{escape(s.heading)}[/]")
        for p in s.paragraphs:
            console.print(_markup(p))
        for t in s.tables:
            console.print(table(t, console.width))
        if s.bullets:
            console.print(bullets(s.bullets))


NUMBERED = re.compile(r"(\d+)\. (.*)", re.S)


def bullets(items: list[str]) -> RichTable:
    """Bullets (or "1. " numbered items) with their lines hanging under the first."""
    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(ratio=1)
    for item in items:
        m = NUMBERED.fullmatch(item)
        grid.add_row(f"{m[1]}." if m else "•", _markup(m[2] if m else item))
    return grid


def _console(buffer: io.StringIO, color: bool, width: int) -> Console:
    return Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)


def _printed(color: bool, width: int, draw: Callable[[Console], None]) -> str:
    buffer = io.StringIO()
    draw(_console(buffer, color, width))
    text = buffer.getvalue()  # without colour, no line ends in the padding of a table's cell
    return text if color else "".join(line.rstrip() + "\n" for line in text.splitlines())


def render_sections(title: str, sections: list[Section], color: bool, width: int = 120) -> str:
    return _printed(color, width, lambda console: print_sections(console, title, sections))


def render(a: Assessment, color: bool = False, width: int = 120) -> str:
    return render_sections(f"devoops · {a.app.name}", report(a, plan_limit=10), color, width)


def verdict_sections(v: Verdict) -> list[Section]:
    """The verdict as sections: what could end the company and the cheapest fixes, the best
    actions, the targets, and what to ask the engineer."""
    out = []
    if v.threats:
        rows = [[t.title, t.once, t.a_year, t.how_often] for t in v.threats]
        fixes: dict[str, list[str]] = {}
        for t in v.threats:
            cost = f" ({t.fix.cost} a year)" if t.fix.cost else ""
            fixes.setdefault(f"{t.fix.title}{cost}", []).append(t.title)
        out.append(
            Section(
                f"What could end {v.app}",
                tables=[Table(["catastrophe", "once", "expected a year", "how often"], rows)],
                bullets=[f"**Fix:** {fix}; for {', '.join(titles)}." for fix, titles in fixes.items()],
            )
        )
    if v.actions:
        heading = "The three actions that save the most per money spent" if v.actions_priced else "Do first"
        out.append(
            Section(
                heading,
                bullets=[
                    f"{n}. {a.title}: saves {a.saves} a year {f'for {a.costs}' if a.costs else 'at no cost'}."
                    if a.saves
                    else f"{n}. {a.title} ({a.costs})."
                    for n, a in enumerate(v.actions, 1)
                ],
            )
        )
    out.append(Section("Targets now", bullets=v.targets))
    if v.questions:
        asked = v.questions[: 3 if v.threats else len(v.questions)]
        out.append(Section("What to ask your engineer next", bullets=asked))
    return out


def shown_texts(sections: list[Section]) -> list[str]:
    """Every text the sections show: headings, paragraphs, bullets and table cells."""
    out = []
    for s in sections:
        out += [s.heading, *s.paragraphs, *s.bullets]
        for t in s.tables:
            out += [t.title, *t.columns, *(c for row in t.rows for c in row)]
    return out


def words(texts: list[str]) -> list[str]:
    """The glossary terms the texts use, those written in capitals first (the least guessable)."""
    return sorted(glossary().used(texts), key=lambda term: not term.isupper())


def render_verdict(v: Verdict, footer: str = "", color: bool = False, width: int = 120) -> str:
    """The verdict in at most LINES lines: as many of the words it uses explained as fit, then
    the footer (where the whole report is)."""
    sections = verdict_sections(v)

    def draw(console: Console) -> None:
        console.rule(f"[bold]{escape(f'devoops · Verdict on {v.app}')}")
        console.print(f"[bold]{escape(v.sentence)}[/]")
        print_sections(console, "", sections, rule=False)

    def end(console: Console) -> None:
        if footer:
            console.print()
            console.print(_markup(footer))

    text, tail = _printed(color, width, draw), _printed(color, width, end)
    shown: list[str] = []
    for term in words([v.sentence, *shown_texts(sections)]):
        trial = [*shown, f"**{term}**: {glossary().means(term)}"]
        if (text + _printed(color, width, _words(trial)) + tail).count("\n") > LINES:
            break
        shown = trial
    return text + (_printed(color, width, _words(shown)) if shown else "") + tail


def _words(explained: list[str]) -> Callable[[Console], None]:
    def draw(console: Console) -> None:
        console.print()
        console.print("[bold underline]Words[/]")
        console.print(bullets(explained))

    return draw


class TerminalReport(Renderer[Assessed]):
    """The assessment's short report: now only, the top of the plan, no detail tables."""

    format = "terminal"
    media_type = "text/plain"

    def render(self, subject: Assessed, page: Page) -> str:
        return render(subject.assessment, page.color, page.width)


class TerminalDocument(Renderer[Document]):
    format = "terminal"
    media_type = "text/plain"

    def render(self, subject: Document, page: Page) -> str:
        return render_sections(subject.title, subject.sections, page.color, page.width)
