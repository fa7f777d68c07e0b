"""Terminal skin over the report's sections: Rich tables, colour only on a terminal."""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from ..model.assessment import Assessment
from .registry import Assessed, Document, Page, Renderer
from .sections import Section, Table
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


def _markup(text: str) -> str:
    """Markdown's **bold** into Rich markup; everything else escaped."""
    return re.sub(r"\\?\*\\?\*(.+?)\\?\*\\?\*", r"[bold]\1[/bold]", escape(text))


def table(t: Table) -> RichTable:
    rich = RichTable(title=t.title or None, title_justify="left", show_lines=False)
    for column in t.columns:
        rich.add_column(column, overflow="fold")
    for row in t.rows:
        rich.add_row(*(f"[{RISK_STYLE[c]}]{c}[/]" if c in RISK_STYLE else escape(c) for c in row))
    return rich


def print_sections(console: Console, title: str, sections: list[Section]) -> None:
    console.rule(f"[bold]{escape(title)}")
    for s in sections:
        console.print()
        console.print(f"[bold underline]{escape(s.heading)}[/]")
        for p in s.paragraphs:
            console.print(_markup(p))
        for t in s.tables:
            console.print(table(t))
        for b in s.bullets:
            console.print(f" • {_markup(b)}")


def render_sections(title: str, sections: list[Section], color: bool, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    print_sections(console, title, sections)
    return buffer.getvalue()


def render(a: Assessment, color: bool = False, width: int = 120) -> str:
    return render_sections(f"devoops · {a.app.name}", report(a, plan_limit=10), color, width)


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
