"""Self-contained HTML skin over the report's sections: one file with inline CSS and SVG charts
that opens offline, prints cleanly and runs no scripts."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from ..model.assessment import Assessment
from ..model.common import HORIZONS, Horizon, Risk
from ..model.resilience import Verdict
from ..model.summary import HistoryEntry
from . import assessment, charts, explain
from .catastrophes import catastrophes
from .glossary import glossary
from .registry import Assessed, Page, Renderer
from .sections import HORIZON_TITLES, Section, Table
from .verdict import Verdict as OnePage
from .verdict import verdict as one_page

BOLD = re.compile(r"\*\*(.+?)\*\*")
CODE = re.compile(r"`(.+?)`")
SHOWN_RISKS = (Risk.HIGH, Risk.MEDIUM)
EXPLAINED = (
    ("Latency", explain.latency),
    ("Capacity", explain.capacity),
    ("Delivery", explain.delivery),
    ("Data", explain.data),
)


def light_markdown(text: str) -> Markup:
    """The sections' **bold** and `code` as tags, added only after the whole text is escaped, so
    nothing a user typed can become markup."""
    escaped = str(escape(text))
    return Markup(CODE.sub(r"<code>\1</code>", BOLD.sub(r"<strong>\1</strong>", escaped)))


def glossed(text: str, seen: set[str] | None = None) -> Markup:
    """The text escaped, each glossary term it uses in an <abbr> whose title explains it; with
    `seen`, only a term's first use on the page (the terms glossed are added to it)."""
    g = glossary()
    out = []
    for piece, term in g.split(text):
        if term is None or (seen is not None and term in seen):
            out.append(escape(piece))
        else:
            out.append(Markup('<abbr title="{}">{}</abbr>').format(g.means(term), piece))
            if seen is not None:
                seen.add(term)
    return Markup("").join(out)


def verdict_fragment(v: OnePage, full_report: str = "", id: str = "one-page") -> Markup:
    """The one-page verdict as an HTML fragment to place in a page: its terms explained in
    tooltips and in a list, a link to the full report when `full_report` is its address."""
    words = [(term, glossary().means(term)) for term in glossary().used(v.texts())]
    template = environment().get_template("verdict.html.j2")
    return Markup(template.render(v=v, words=words, full_report=full_report, id=id, seen=set()))


def lens_questions() -> dict[str, str]:
    """The built-in lens's question of each practice, to name an unanswered one as asked."""
    from ..lens import load_lens

    return {p.id: p.question for p in load_lens(()).practices}


def anchor(heading: str) -> str:
    """A stable id for a section heading, for the contents links."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("devoops.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = light_markdown
    env.filters["anchor"] = anchor
    env.filters["glossed"] = glossed
    return env


def targets(a: Assessment) -> Section:
    """The targets per horizon, followed by how each is derived, in the words of `devoops explain`."""
    section = assessment.targets(a)
    for name, topic in EXPLAINED:
        if name != "Data" or a.at(Horizon.NOW).targets.data:
            section.bullets += [f"**{name}.** {p}" for p in topic(a)[0].paragraphs]
    return section


def by_risk(section: Section) -> Section:
    """One table per risk, HIGH before MEDIUM, in place of the risk column."""
    if section.tables:
        table = section.tables[0]
        section.tables = [
            Table(table.columns[1:], rows, title=f"{risk.value} risk")
            for risk in SHOWN_RISKS
            if (rows := [row[1:] for row in table.rows if row[0] == risk.value])
        ]
    return section


def new_risks(a: Assessment) -> list[Section]:
    """Per later horizon, the findings whose risk is higher than at the horizon before."""
    sections = []
    for before, horizon in zip(HORIZONS, HORIZONS[1:], strict=False):
        earlier = {row[1]: Risk(row[0]).rank for t in assessment.findings(a, before).tables for row in t.rows}
        current = assessment.findings(a, horizon)
        rows = [row for t in current.tables for row in t.rows if Risk(row[0]).rank > earlier.get(row[1], 0)]
        if rows:
            heading = f"New risks {HORIZON_TITLES[horizon]}"
            paragraph = f"At higher risk than {HORIZON_TITLES[before]}, as importance grows by then."
            table = Table(current.tables[0].columns, rows)
            sections.append(by_risk(Section(heading, paragraphs=[paragraph], tables=[table])))
    return sections


def history_section(history: Sequence[HistoryEntry]) -> Section:
    entries = sorted(history, key=lambda e: e.generated_at)
    rows = [
        [f"{e.generated_at:%Y-%m-%d}", str(e.high), str(e.medium), ", ".join(e.milestones) or "-"]
        for e in entries
    ]
    return Section(
        "Maturity over time",
        paragraphs=[f"{len(entries)} saved assessments; HIGH and MEDIUM count findings now at each date."],
        tables=[Table(["date", "high", "medium", "milestones"], rows)],
    )


def sections(a: Assessment) -> list[Section]:
    """Everything after the verdict and the radar chart, in reading order."""
    return [
        assessment.tenets(a),
        targets(a),
        *assessment.evidence(a),
        explain.availability(a)[0],
        *catastrophes(a),
        by_risk(assessment.findings(a)),
        *new_risks(a),
        assessment.plan(a),
        assessment.tensions(a),
    ]


def render(a: Assessment, history: Sequence[HistoryEntry] = ()) -> str:
    trend = charts.trend(history)
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            a=a,
            title=f"devoops assessment: {a.app.name}",
            generated=f"{a.generated_at:%Y-%m-%d %H:%M} UTC",
            one_page=verdict_fragment(one_page(a, lens_questions())),
            verdict=assessment.verdict(a),
            # matplotlib's SVG writer escapes every text it draws; the markup around it is its own.
            radar=Markup(charts.radar(a)),
            sections=sections(a),
            trend=None if trend is None else Markup(trend),
            history=history_section(history) if trend is not None else None,
            risks=[r.value for r in Risk] + [v.value for v in Verdict],
        )
    )


class HtmlReport(Renderer[Assessed]):
    format = "html"
    media_type = "text/html"

    def render(self, subject: Assessed, page: Page) -> str:
        return render(subject.assessment, subject.history)
