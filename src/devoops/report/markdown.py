"""Markdown skin over the report's sections."""

from __future__ import annotations

from ..model.assessment import Assessment
from .view import Section, Table, report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(t: Table) -> list[str]:
    lines = [f"**{t.title}**", ""] if t.title else []
    lines.append("| " + " | ".join(t.columns) + " |")
    lines.append("|" + "|".join("---" for _ in t.columns) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return [*lines, ""]


def section(s: Section, level: int = 2) -> list[str]:
    lines = [f"{'#' * level} {s.heading}", ""]
    for p in s.paragraphs:
        lines += [p, ""]
    for t in s.tables:
        lines += table(t)
    if s.bullets:
        lines += [f"- {b}" for b in s.bullets] + [""]
    for title, steps in s.details:
        lines += [f"{'#' * (level + 1)} {title}", "", steps[0], ""]
        lines += [f"{n}. {step}" for n, step in enumerate(steps[1:], 1)] + [""]
    return lines


def render_sections(title: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
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
