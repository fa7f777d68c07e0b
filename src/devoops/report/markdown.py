"""Markdown skin over the report's sections.

Every text the sections carry may hold user names (components, zones, datasets), and Markdown
renders raw HTML: `<`, `>` and `&` are written as entities outside code spans, so a name like
`<img onerror=...>` shows as text. Code spans stay verbatim (Markdown shows them literally) on one line, and
the markers this module writes itself (headings, bold, bullets, table rules) are never escaped.
"""

from __future__ import annotations

import re

from ..model.assessment import Assessment
from .registry import Assessed, Document, Page, Renderer
from .sections import Section, Table
from .view import report

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_TOKEN = re.compile(r"\\[!-/:-@\[-`{-~]|(`+)|[&<>]")
"""A backslash escape (kept: it already shows its character literally), a backtick run, or a
character to escape."""


def text(value: str) -> str:
    """`value` safe as Markdown inline text: HTML special characters as entities outside code
    spans; a code span (a backtick run closed by a run of the same length) is kept verbatim."""
    out: list[str] = []
    pos = 0
    while match := _TOKEN.search(value, pos):
        out.append(value[pos : match.start()])
        token = match.group()
        pos = match.end()
        if match.group(1) is None:
            out.append(_ENTITIES.get(token, token))
            continue
        close = re.compile(rf"(?<!`){token}(?!`)").search(value, pos)
        if close is None:
            out.append(token)
            continue
        # A span's line endings show as spaces anyway; kept, a line starting `<!x` or `<div`
        # inside it would open an HTML block, which block parsing finds before any span.
        out.append(re.sub(r"\r\n?|\n", " ", value[match.start() : close.end()]))
        pos = close.end()
    out.append(value[pos:])
    return "".join(out)


def _line(value: str) -> str:
    """One-line text (headings, bullets, cells): a newline would end the construct early."""
    return text(" ".join(value.splitlines()))


def _cell(value: str) -> str:
    return _line(value).replace("|", "\\|")


def table(t: Table) -> list[str]:
    lines = [f"**{_line(t.title)}**", ""] if t.title else []
    lines.append("| " + " | ".join(_cell(c) for c in t.columns) + " |")
    lines.append("|" + "|".join("---" for _ in t.columns) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return [*lines, ""]


def section(s: Section, level: int = 2) -> list[str]:
    lines = [f"{'#' * level} {_line(s.heading)}", ""]
    for p in s.paragraphs:
        lines += [text(p), ""]
    for t in s.tables:
        lines += table(t)
    if s.bullets:
        lines += [f"- {_line(b)}" for b in s.bullets] + [""]
    for title, steps in s.details:
        lines += [f"{'#' * (level + 1)} {_line(title)}", "", text(steps[0]), ""]
        lines += [f"{n}. {_line(step)}" for n, step in enumerate(steps[1:], 1)] + [""]
    return lines


def render_sections(title: str, sections: list[Section]) -> str:
    lines = [f"# {_line(title)}", ""]
    for s in sections:
        lines += section(s)
    return "\n".join(lines).rstrip() + "\n"


def render(a: Assessment) -> str:
    title = f"devoops assessment: {a.app.name}"
    header = Section(
        "About",
        paragraphs=[
            f"Generated {a.generated_at:%Y-%m-%d %H:%M} UTC from `{a.source}` with devoops "
            f"{a.devoops_version}, lens {a.lens_version}."
        ],
    )
    return render_sections(title, [*report(a), header])


class MarkdownReport(Renderer[Assessed]):
    """The assessment's full report: every horizon, every detail table and every step."""

    format = "md"
    media_type = "text/markdown"

    def render(self, subject: Assessed, page: Page) -> str:
        return render(subject.assessment)


class MarkdownDocument(Renderer[Document]):
    format = "md"
    media_type = "text/markdown"

    def render(self, subject: Document, page: Page) -> str:
        return render_sections(subject.title, subject.sections)
