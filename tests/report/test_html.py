"""The HTML report: user text stays text, the file stands alone, the content is in reading order,
and a real browser opens it without complaint."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import subprocess
import typing
from collections.abc import Callable
from enum import Enum
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

import pytest
from markupsafe import escape
from pydantic import BaseModel

from devoops.api import assess_file
from devoops.evaluate import assess
from devoops.model.assessment import Assessment
from devoops.model.common import Horizon, Risk, Tenet
from devoops.model.evidence import Evidence, Measurement, ProbeResult, Status, Table, Verdict
from devoops.model.lens import Lens
from devoops.model.summary import HistoryEntry
from devoops.model.workload import Workload
from devoops.report import render
from devoops.report.html import light_markdown

from ..conftest import NOW, ROOT, document

CHROMIUM = Path("/usr/bin/chromium")
PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' onmouseover='x")
CONSTRAINED = {
    "BusinessHours.timezone": "must name an IANA time zone",
    "PracticeState.choice": "must be one of the practice's choices to be judged",
    "SloConfig.service": "must be a lower-case DNS label",
    "SloConfig.period": "must be a Prometheus duration",
    "SloConfig.requests_metric": "must be a metric name",
    "SloConfig.latency_histogram": "must be a metric name",
    "SloConfig.error_ratio_query": "excludes good_query, which carries one",
    "Inventory.entry": "component ids, lower-case slugs",
    "Inventory.team_access": "component ids, lower-case slugs",
    "Component.depends_on": "component ids, lower-case slugs",
    "AnyOf.any_of": "component ids, lower-case slugs",
    "Component.datasets": "must name a dataset of answers.data.datasets, whose names are slugs",
}
"""Free-text fields that cannot carry markup, with why; every other str field gets a payload."""
SHOWN = {
    "App.name",
    "App.owner",
    "App.description",
    "PracticeState.evidence",
    "PracticeState.note",
    "Exemption.owner",
    "Exemption.reason",
    "ProbeConfig.target",
    "Defaults.provider",
    "Defaults.account",
}
"""The fields the report displays; the others (dataset descriptions, not-applicable reasons) only
have to stay harmless."""
HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "nav", "a", "main", "section", "footer",
    "h1", "h2", "h3", "p", "abbr", "span", "strong", "code", "div", "ul", "ol", "li", "details", "summary",
    "figure", "figcaption", "table", "caption", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
SVG_TAGS = {"svg", "defs", "g", "path", "clippath", "use", "text", "rect", "style"}


def payload(field: str, n: int) -> str:
    return f"{PAYLOADS[n % len(PAYLOADS)]} [{field}]"


def hostile_document() -> dict[str, Any]:
    counter = itertools.count()

    def p(field: str) -> str:
        return payload(field, next(counter))

    return document(
        **{
            "app.name": " ".join(PAYLOADS) + " [App.name] costs $5 and $x^2$",
            "app.owner": p("App.owner"),
            "app.description": p("App.description"),
            "probes": {"web": {"type": "http", "target": p("ProbeConfig.target")}},
            "slo": {
                "selector": p("SloConfig.selector"),
                "labels": {"team": p("SloConfig.labels")},
                "good_query": p("SloConfig.good_query"),
                "total_query": p("SloConfig.total_query"),
                "runbook_url": p("SloConfig.runbook_url"),
                "dashboard_url": p("SloConfig.dashboard_url"),
            },
            "answers.data.datasets": [
                {"name": "orders", "criticality": "lifeblood", "description": p("Dataset.description")}
            ],
            "inventory": hostile_inventory(p),
            "practices": {
                "iam.mfa": {
                    "choice": "none",
                    "evidence": p("PracticeState.evidence"),
                    "note": p("PracticeState.note"),
                },
                "cache.cdn": {"not_applicable": True, "reason": p("PracticeState.reason")},
                "secrets.management": {
                    "exemption": {
                        "owner": p("Exemption.owner"),
                        "reason": p("Exemption.reason"),
                        "expires": "2030-01-01",
                    }
                },
                "infra.as-code": {
                    "exemption": {
                        "owner": p("Exemption.owner"),
                        "reason": p("Exemption.reason"),
                        "expires": "2026-01-01",
                    }
                },
            },
        }
    )


def hostile_inventory(p: Callable[[str], str]) -> dict[str, Any]:
    """Names of providers, accounts, regions and zones reach the catastrophes' scopes and
    shared-fate groups; `access` names an account, so it carries that account's text."""
    account = p("Component.account")
    return {
        "defaults": {
            "provider": p("Defaults.provider"),
            "account": p("Defaults.account"),
            "region": p("Defaults.region"),
        },
        "components": {
            "web": {
                "kind": "app",
                "description": p("Component.description"),
                "zones": [p("Component.zones")],
                "certificate": p("Component.certificate"),
                "depends_on": ["db"],
            },
            "db": {
                "kind": "database",
                "provider": p("Component.provider"),
                "account": account,
                "region": p("Component.region"),
                "site": p("Component.site"),
                "datasets": ["orders"],
            },
            "ci": {"kind": "ci_cd", "access": [account]},
        },
    }


def leaf_types(annotation: Any) -> list[Any]:
    """The types a field can finally hold: through unions, lists and dict values; Literal holds none."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return []
    if origin is typing.Annotated:
        return leaf_types(args[0])
    if origin is dict:
        return leaf_types(args[1])
    if args:
        return [leaf for arg in args for leaf in leaf_types(arg)]
    return [annotation]


def free_text_fields(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every `Class.field` of the model tree that takes arbitrary text (no enum, no pattern)."""
    seen = seen if seen is not None else {model}
    found = set()
    for name, info in model.model_fields.items():
        for leaf in leaf_types(info.annotation):
            if leaf is str and not any(getattr(m, "pattern", None) for m in info.metadata):
                found.add(f"{model.__name__}.{name}")
            elif isinstance(leaf, type) and issubclass(leaf, BaseModel) and leaf not in seen:
                seen.add(leaf)
                found |= free_text_fields(leaf, seen)
    return found


def carrying(node: object, where: str = "") -> set[str]:
    """The `Class.field`s of an instance whose text holds a payload."""
    if isinstance(node, BaseModel):
        return {
            f
            for name in type(node).model_fields
            for f in carrying(getattr(node, name), f"{type(node).__name__}.{name}")
        }
    if isinstance(node, dict):
        return {f for value in node.values() for f in carrying(value, where)}
    if isinstance(node, list | tuple):
        return {f for item in node for f in carrying(item, where)}
    if isinstance(node, str) and not isinstance(node, Enum) and any(p in node for p in PAYLOADS):
        return {where}
    return set()


class Collector(HTMLParser):
    """Every tag with its attributes, and the text as a browser would show it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def history(count: int, app: str = "crafty", mark: str = "") -> list[HistoryEntry]:
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    return [
        HistoryEntry(
            id=n,
            uid=f"run-{n}",
            app=app,
            generated_at=start + dt.timedelta(days=30 * n),
            saved_at=start + dt.timedelta(days=30 * n, minutes=1),
            source="devoops.yaml",
            lens_version="1",
            devoops_version="0.1.0",
            high=9 - n,
            medium=4,
            unknown=20 - n,
            maturity={t: 1.0 + n for t in Tenet},
            milestones=[f"milestone {n}{mark}"],
        )
        for n in range(count)
    ]


EVIDENCE_TEXT = ("Evidence.summary", "Measurement.name", "Table.title", "Table.rows", "Verdict.reason")
"""What a probe reports is shown too, and a probe may echo whatever the measured system sent."""


def hostile_evidence(target: str) -> ProbeResult:
    def p(field: str) -> str:
        return payload(field, EVIDENCE_TEXT.index(field))

    return ProbeResult(
        name="web",
        kind="http",
        target=target,
        started_at=NOW,
        finished_at=NOW,
        evidence=Evidence(
            status=Status.FAIL,
            summary=p("Evidence.summary"),
            measurements=[Measurement(name=p("Measurement.name"), value=1, unit="ms", target=2, bound="max")],
            tables=[Table(title=p("Table.title"), columns=["route"], rows=[[p("Table.rows")]])],
            verdicts=[
                Verdict(practice="tls.certificates-valid", choice="failing", reason=p("Verdict.reason"))
            ],
        ),
    )


@pytest.fixture(scope="module")
def hostile(lens: Lens) -> Assessment:
    workload = Workload.model_validate(hostile_document())
    evidence = hostile_evidence(workload.probes["web"].target)
    return assess(workload, lens, NOW, source=payload("source", 0), evidence=[evidence])


@pytest.fixture(scope="module")
def market() -> Assessment:
    return assess_file(ROOT / "examples" / "marketplace.yaml", now=NOW).assessment


def section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}"')
    return html[start : html.index("</section>", start)]


def test_every_free_text_field_of_the_workload_is_attacked() -> None:
    fields = free_text_fields(Workload)
    assert {"App.name", "Exemption.reason", "PracticeState.note"} <= fields
    assert carrying(Workload.model_validate(hostile_document())) == fields - CONSTRAINED.keys()
    assert fields >= SHOWN


def test_user_text_stays_text_in_html_and_charts(hostile: Assessment) -> None:
    now = {f.practice: f.risk for f in hostile.at(Horizon.NOW).findings}
    assert now["iam.mfa"] in (Risk.HIGH, Risk.MEDIUM)  # so its evidence and note are shown
    html = render(hostile, "html", history=history(3, app=hostile.app.name, mark=PAYLOADS[1]))
    assert "<script" not in html.lower() and "<img" not in html.lower()
    outside_svg = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    for p in PAYLOADS:
        assert p not in outside_svg
        assert str(escape(p)) in outside_svg
    for chart in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart and "$x^2$" in chart
    page = parse(html)
    tags = {tag for tag, _ in page.tags}
    assert tags <= HTML_TAGS | SVG_TAGS, tags - HTML_TAGS - SVG_TAGS
    for tag, attrs in page.tags:
        for name, value in attrs:
            assert not name.startswith("on") and name != "src", (tag, name)
            if name.endswith("href"):
                assert (value or "").startswith("#"), (tag, name, value)
    text = "".join(page.text)
    for field in (*SHOWN, *EVIDENCE_TEXT):
        assert f"[{field}]" in text, field
    assert hostile.app.name in text and payload("source", 0) in text
    assert text.count("milestone 1" + PAYLOADS[1]) == 2  # the history table and the trend chart


def test_light_markdown_adds_tags_only_around_escaped_text() -> None:
    marked = light_markdown("**<b>x</b>** and `<i>` & **")
    assert marked == "<strong>&lt;b&gt;x&lt;/b&gt;</strong> and <code>&lt;i&gt;</code> &amp; **"


def test_the_report_needs_nothing_from_outside(market: Assessment) -> None:
    html = render(market, "html", history=history(3))
    namespaces = set()
    for _, attrs in parse(html).tags:
        for name, value in attrs:
            if value and re.search(r"https?://", value):
                assert name.startswith("xmlns") and value.startswith("http://www.w3.org/"), (name, value)
                namespaces.add(value)
    rest = html
    for namespace in namespaces:
        rest = rest.replace(f'"{namespace}"', '""')
    assert not re.search(r"https?://|<link|src=|@import|@font-face", rest, flags=re.I)
    assert set(re.findall(r"url\((.)", html)) <= {"#"}


def test_the_report_reads_in_order(market: Assessment) -> None:
    html = render(market, "html")
    order = [
        html.index('<section id="verdict"'),
        html.index('id="radar-chart"'),
        html.index('<section id="tenets"'),
        html.index('<section id="targets"'),
        html.index('<section id="availability-economics"'),
        html.index('<section id="findings-now"'),
        html.index('<section id="plan"'),
        html.index('<section id="tensions"'),
    ]
    assert order == sorted(order)
    assert html.startswith("<!DOCTYPE html>")
    assert render(market, "html") == html  # charts included: the same input gives the same bytes


def test_the_report_holds_tiers_findings_and_plan(market: Assessment) -> None:
    html = render(market, "html")
    tiers = section(html, "availability-economics")
    for option in market.at(Horizon.NOW).targets.availability.options:
        assert f"<td>{escape(option.tier)}</td>" in tiers
    chosen = market.at(Horizon.NOW).targets.availability.tier
    assert re.search(rf'<tr class="chosen">\s*<td>{re.escape(chosen)}</td>', tiers)
    findings = section(html, "findings-now")
    high, medium = findings.index("HIGH risk"), findings.index("MEDIUM risk")
    for f in market.at(Horizon.NOW).findings:
        if f.risk == Risk.HIGH:
            assert high < findings.index(f"<td>{f.practice}</td>") < medium
    assert '<section id="new-risks-in-12-months"' in html
    for item in market.plan:
        assert str(escape(item.title)) in html
        assert all(str(escape(step)) in html for step in item.steps)
    for tension in market.at(Horizon.NOW).tensions:
        assert str(escape(tension.title)) in html


@pytest.mark.parametrize("entries", [0, 1, 2, 5])
def test_the_trend_appears_from_two_saved_assessments(market: Assessment, entries: int) -> None:
    html = render(market, "html", history=history(entries))
    shown = entries >= 2
    assert ('id="trend-chart"' in html) == shown
    assert ('<section id="maturity-over-time"' in html) == shown
    if shown:
        rows = section(html, "maturity-over-time")
        for e in history(entries):
            assert f"<td>{e.generated_at:%Y-%m-%d}</td>" in rows and f"<td>{e.high}</td>" in rows


def test_unknown_formats_name_html() -> None:
    from devoops.base.errors import UsageError

    market = assess_file(ROOT / "examples" / "bookmarks.yaml", now=NOW).assessment
    with pytest.raises(UsageError, match="terminal, html, json, md"):
        render(market, "pdf")


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)


def chromium(page: Path, tmp_path: Path, *action: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on a file URL, offline, logging the page's console to stderr."""
    profile = tmp_path / "profile"
    args = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *action,
        page.resolve().as_uri(),
    ]
    env = os.environ | {"HOME": str(tmp_path)}
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)


def console_messages(stderr: str) -> list[str]:
    """Chromium logs each console message and uncaught error as a `:CONSOLE(...)]` line; the
    report runs no scripts, so any such line is a fault."""
    return [line for line in stderr.splitlines() if re.search(r":CONSOLE[:(\]]", line)]


@needs_chromium
def test_the_console_check_sees_a_failing_script(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><p>broken</p><script>throw new Error("deliberate")</script>')
    result = chromium(page, tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr
    assert any("Uncaught Error: deliberate" in line for line in console_messages(result.stderr))


@needs_chromium
def test_chromium_renders_the_report_cleanly(market: Assessment, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(market, "html", history=history(3)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    result = chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1200,3000")
    assert result.returncode == 0, result.stderr
    assert console_messages(result.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    dom = chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0 and console_messages(dom.stderr) == []
    assert 'id="radar-chart"' in dom.stdout and 'id="trend-chart"' in dom.stdout
    assert "<h2>Plan</h2>" in dom.stdout and "<script" not in dom.stdout
