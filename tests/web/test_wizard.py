"""The founder's wizard in the browser: each step's answers saved as a new version of
devoops.yaml with an audit row holding the old value; the consequence shown is
`consequence_of` the saved document; a refused answer saves nothing and is shown beside its
field, located; a viewer reads and is refused; progress is kept and shown; after the sixth
step the answers are assessed, saved as `devoops assess --save` saves, and the one-page
verdict shown."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.api.founder import consequence_of
from devoops.api.workload import load_text
from devoops.base.located import Source
from devoops.derive.founder import rps_from_visitors
from devoops.lens import load_lens
from devoops.model.common import Horizon
from devoops.report.verdict import verdict
from devoops.store.workloads import Workloads

from .conftest import state
from .support import Site, app_path, csrf_of

Clients = Callable[[str | None], TestClient]
STEP_1 = {
    "app.stage": "mvp",
    "app.audience": "local",
    "app.currency": "EUR",
    "answers.reliability.downtime_cost_per_hour": "400",
    "answers.reliability.incident_cost": "0",
    "app.business_hours": "24x7",
    "answers.reliability.maintenance_window.every": "none",
}


def step_post(client: TestClient, site: Site, step: int, data: dict[str, str], page: str = "") -> Any:
    token = csrf_of(client.get(app_path(site, f"wizard/{step}")).text)
    return client.post(app_path(site, f"wizard/{step}{page}"), data={**data, "csrf": token})


def stored(app: Starlette, site: Site) -> tuple[list[Any], dict[str, Any]]:
    """The application's versions, newest first, and the newest as plain data."""
    versions = Workloads(state(app).store).versions(site.org_a, site.app_a, with_text=True)
    data = Source.parse(Path("devoops.yaml"), versions[0].text).data if versions else {}
    return versions, data


def text_of(page: str) -> str:
    """What a reader sees: the tags gone, the entities read."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'<span class="error" id="{re.escape(field)}-error">(.*?)</span>', page, re.S)
    assert found, f"no error beside {field}"
    return html.unescape(found[1])


def test_each_step_saves_a_version_and_an_audit_row_with_the_old_value(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    founder = client_for("founder")
    saved = step_post(founder, site, 1, STEP_1)
    assert saved.status_code == 303 and "?saved=1" in saved.headers["location"]
    versions, data = stored(app, site)
    assert len(versions) == 1 and versions[0].author.startswith("Founder")
    assert data["app"]["currency"] == "EUR"
    assert data["answers"]["reliability"]["downtime_cost_per_hour"] == 400
    event = state(app).accounts.events(site.org_a)[0]
    assert event.action == "answer.changed" and event.subject == "shop: answers.reliability"
    assert event.old["answers.reliability.downtime_cost_per_hour"] == 100  # the lens default before
    assert event.new["answers.reliability.downtime_cost_per_hour"] == 400
    assert event.old["app.currency"] == "USD" and event.new["app.currency"] == "EUR"

    again = step_post(founder, site, 1, {**STEP_1, "answers.reliability.downtime_cost_per_hour": "900"})
    assert again.status_code == 303
    versions, data = stored(app, site)
    assert [v.number for v in versions] == [2, 1]
    assert data["answers"]["reliability"]["downtime_cost_per_hour"] == 900
    event = state(app).accounts.events(site.org_a)[0]
    assert event.old == {"answers.reliability.downtime_cost_per_hour": 400}
    assert event.new == {"answers.reliability.downtime_cost_per_hour": 900}
    assert "answers.reliability" in founder.get(f"/orgs/{site.org_a}/audit").text


def test_the_consequence_shown_is_that_of_the_saved_document(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    founder = client_for("founder")
    page = founder.get(step_post(founder, site, 1, STEP_1).headers["location"]).text
    _, data = stored(app, site)
    expected = consequence_of(data, load_lens(), "reliability")
    assert expected is not None and expected.tiers
    shown = re.findall(r'class="consequence-line">(.*?)</p>', page)
    assert [html.unescape(line) for line in shown] == list(expected.lines)
    # The worked example of docs/founder.md: at 400 EUR an hour, 99.9 % is cheapest.
    assert shown[0] == "At 400 EUR an hour, 99.9 % is the cheapest total: at most 43.2 min down a month."
    rows = re.findall(r'<tr( class="cheapest")?><th scope="row">(.*?)</th>', page)
    assert len(rows) == len(expected.tiers)
    assert [bool(c) for c, _ in rows] == [t.cheapest for t in expected.tiers]
    # The table is drawn again as the cost changes: at 20 EUR an hour the cheapest moves.
    page = founder.get(
        step_post(founder, site, 1, {**STEP_1, "answers.reliability.downtime_cost_per_hour": "20"}).headers[
            "location"
        ]
    ).text
    cheaper = consequence_of(stored(app, site)[1], load_lens(), "reliability")
    assert cheaper is not None
    assert [t.cheapest for t in cheaper.tiers] != [t.cheapest for t in expected.tiers]
    assert [bool(c) for c in re.findall(r"<tr( class=\"cheapest\")?><th scope=\"row\">", page)] == [
        t.cheapest for t in cheaper.tiers
    ]


def test_showing_the_consequence_saves_nothing(app: Starlette, site: Site, client_for: Clients) -> None:
    founder = client_for("founder")
    shown = step_post(
        founder, site, 1, {**STEP_1, "answers.reliability.downtime_cost_per_hour": "5000"}, "/consequence"
    )
    assert shown.status_code == 200
    assert stored(app, site)[0] == []
    assert "not saved yet" in shown.text
    assert "At 5,000 EUR an hour" in html.unescape(shown.text)
    assert 'value="5000"' in shown.text  # the answers stay in the form


def test_an_invalid_answer_saves_nothing_and_is_shown_located_beside_its_field(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    founder = client_for("founder")
    typed = step_post(founder, site, 1, {**STEP_1, "answers.reliability.downtime_cost_per_hour": "lots"})
    assert typed.status_code == 400
    assert error_beside(typed.text, "answers.reliability.downtime_cost_per_hour") == "a number, please"
    negative = step_post(founder, site, 1, {**STEP_1, "answers.reliability.downtime_cost_per_hour": "-5"})
    assert negative.status_code == 400
    located = error_beside(negative.text, "answers.reliability.downtime_cost_per_hour")
    assert re.match(r"devoops\.yaml:\d+:\d+: answers\.reliability\.downtime_cost_per_hour(\.now)?: ", located)
    later = step_post(founder, site, 1, {**STEP_1, "answers.reliability.downtime_cost_per_hour@12mo": "-1"})
    assert later.status_code == 400
    assert "12mo" in error_beside(later.text, "answers.reliability.downtime_cost_per_hour@12mo")
    currency = step_post(founder, site, 1, {**STEP_1, "app.currency": "euros"})
    assert error_beside(currency.text, "app.currency").endswith("a three-letter currency code, e.g. EUR")
    # The first row left empty: the second is the first kind of data named, and refused there.
    dataset = step_post(founder, site, 4, {"dataset.0.name": "", "dataset.1.name": "our orders"})
    assert dataset.status_code == 400
    beside = error_beside(dataset.text, "dataset.1.name")
    assert re.match(r"devoops\.yaml:\d+:\d+: answers\.data\.datasets\.0\.name: ", beside)
    hours = step_post(founder, site, 4, {"dataset.0.name": "orders", "dataset.0.rpo_minutes": "soon"})
    assert error_beside(hours.text, "dataset.0.rpo_minutes") == "a duration such as 30 min, 2 h or 1 d"
    assert stored(app, site)[0] == []
    assert state(app).accounts.events(site.org_a)[0].action != "answer.changed"


def test_a_viewer_reads_the_answers_and_is_refused_403(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    assert step_post(client_for("founder"), site, 1, STEP_1).status_code == 303
    viewer = client_for("viewer")
    page = viewer.get(app_path(site, "wizard/1")).text
    main = page.split('<main id="main">')[1]
    assert "<form" not in main and "<input" not in main
    assert "EUR" in main and "First customers" in main  # the answer, by its label
    before = stored(app, site)[0]
    token = csrf_of(viewer.get("/orgs").text)
    for path in ("wizard/1", "wizard/1/consequence", "wizard/finish"):
        assert viewer.post(app_path(site, path), data={**STEP_1, "csrf": token}).status_code == 403
    assert stored(app, site)[0] == before
    assert state(app).store.history() == []


def test_progress_is_kept_and_the_founder_resumes_where_they_stopped(site: Site, client_for: Clients) -> None:
    founder = client_for("founder")
    assert founder.get(app_path(site, "wizard")).text.count("not yet") == 6
    assert "Continue the six questions" in founder.get(f"/orgs/{site.org_a}/apps/{site.app_a}").text
    assert step_post(founder, site, 1, STEP_1).status_code == 303
    assert step_post(founder, site, 3, {"answers.performance.level": "outstanding"}).status_code == 303
    overview = founder.get(app_path(site, "wizard")).text
    rows = dict(re.findall(r'wizard/(\d)">\d\. .*?</a></th><td>(.*?)</td>', overview))
    assert {n for n, said in rows.items() if said.startswith("by Founder")} == {"1", "3"}
    assert {n for n, said in rows.items() if said == "not yet"} == {"2", "4", "5", "6"}
    assert re.search(r'wizard/2">Continue with question 2', overview)
    step = founder.get(app_path(site, "wizard/3")).text
    assert 'value="outstanding" checked' in step  # the saved answer, shown back
    assert re.search(r'class="answered"><a href="[^"]+/wizard/1"', step)
    assert 'rel="prev"' in step and app_path(site, "wizard/2") in step  # back to the previous step


def test_visitors_a_day_become_requests_a_second_and_come_back_as_visitors(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    founder = client_for("founder")
    data = {
        "traffic.unit": "visitors",
        "traffic.figure": "20000",
        "traffic.figure@12mo": "100000",
        "answers.traffic.peak.multiplier": "10",
        "answers.traffic.peak.likelihood": "likely",
        "answers.traffic.scale_up_minutes": "15",
    }
    page = founder.get(step_post(founder, site, 2, data).headers["location"]).text
    rps = stored(app, site)[1]["answers"]["traffic"]["baseline_rps"]
    assert rps["now"] == pytest.approx(rps_from_visitors(20_000), rel=5e-3)
    assert rps["12mo"] == pytest.approx(rps_from_visitors(100_000), rel=5e-3)
    assert "20,000 visitors a day is about 11.1 requests a second" in text_of(page)
    assert 'name="traffic.figure" type="text" value="20000"' in page
    assert 'name="traffic.figure@12mo" type="text" value="100000"' in page


def test_business_hours_maintenance_and_the_engineers_details(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    founder = client_for("founder")
    data = {
        **STEP_1,
        "answers.reliability.downtime_cost_per_hour@12mo": "2000",
        "app.business_hours": "business",
        "app.business_hours.days@mon": "on",
        "app.business_hours.days@tue": "on",
        "app.business_hours.start": "8:00",
        "app.business_hours.end": "17:30",
        "app.business_hours.timezone": "Europe/Berlin",
        "answers.reliability.maintenance_window.every": "week",
        "answers.reliability.maintenance_window.minutes": "90",
        "app.owner": "",
    }
    assert step_post(founder, site, 1, data).status_code == 303
    app_part = stored(app, site)[1]["app"]
    assert app_part["business_hours"] == {
        "days": ["mon", "tue"],
        "start": "08:00",
        "end": "17:30",
        "timezone": "Europe/Berlin",
    }
    reliability = stored(app, site)[1]["answers"]["reliability"]
    assert reliability["downtime_cost_per_hour"] == {"now": 400, "12mo": 2000}
    assert reliability["maintenance_window"] == {"every": "week", "minutes": 90}
    lines = consequence_of(stored(app, site)[1], load_lens(), "reliability")
    assert lines is not None and any("business hours" in line for line in lines.lines)
    # Around the clock again: the days and times asked only for business hours are not kept.
    assert step_post(founder, site, 1, {**data, "app.business_hours": "24x7"}).status_code == 303
    assert stored(app, site)[1]["app"]["business_hours"] == "24x7"
    # The engineer's details are skippable and kept when given.
    team = {
        "answers.engineering.team_size": "4",
        "answers.engineering.oncall_24x7_feasible": "no",
        "answers.engineering.releases_per_week": "10",
        "answers.engineering.speed_vs_reliability": "7",
    }
    assert step_post(founder, site, 6, team).status_code == 303
    engineering = stored(app, site)[1]["answers"]["engineering"]
    assert engineering["team_size"] == 4 and engineering["oncall_24x7_feasible"] is False
    assert step_post(founder, site, 6, {**team, "answers.engineering.ops_engineers": "2"}).status_code == 303
    assert stored(app, site)[1]["answers"]["engineering"]["ops_engineers"] == 2


def test_kinds_of_data_are_added_changed_and_removed(app: Starlette, site: Site, client_for: Clients) -> None:
    founder = client_for("founder")
    two = {
        "dataset.0.name": "orders",
        "dataset.0.criticality": "lifeblood",
        "dataset.0.regulated": "financial",
        "dataset.0.rpo_minutes": "none",
        "dataset.0.rto_minutes": "2 h",
        "dataset.1.name": "photos",
        "dataset.1.criticality": "important",
        "dataset.1.regulated": "none",
        "dataset.1.rpo_minutes": "1 d",
        "dataset.1.rto_minutes": "",
    }
    # The page offers one row (the default "main") and one more: the second named replaces nothing.
    page = founder.get(step_post(founder, site, 4, two).headers["location"]).text
    datasets = stored(app, site)[1]["answers"]["data"]["datasets"]
    assert [d["name"] for d in datasets] == ["orders", "photos"]
    assert datasets[0]["rpo_minutes"] == 0 and datasets[0]["rto_minutes"] == 120
    assert datasets[1]["rpo_minutes"] == 1440 and "rto_minutes" not in datasets[1]
    assert 'name="dataset.2.name"' in page  # room for a third
    w = load_text(
        Workloads(state(app).store).versions(site.org_a, site.app_a, with_text=True)[0].text, load_lens()
    )
    c = consequence_of(stored(app, site)[1], load_lens(), "data", Horizon.NOW)
    assert c is not None and [html.unescape(x) for x in re.findall(r'consequence-line">(.*?)</p>', page)][
        : len(c.lines)
    ] == list(c.lines)
    assert [d.name for d in w.workload.answers.data.datasets] == ["orders", "photos"]
    assert step_post(founder, site, 4, {**two, "dataset.0.name": ""}).status_code == 303
    assert [d["name"] for d in stored(app, site)[1]["answers"]["data"]["datasets"]] == ["photos"]


def test_after_the_sixth_step_the_answers_are_assessed_and_the_verdict_shown(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    founder = client_for("founder")
    assert step_post(founder, site, 1, STEP_1).status_code == 303
    last = founder.get(app_path(site, "wizard/6")).text
    assert "Assess my answers" in last
    done = founder.post(app_path(site, "wizard/finish"), data={"csrf": csrf_of(last)})
    assert done.status_code == 303 and done.headers["location"].endswith("/verdict")
    history = state(app).store.history("shop")
    assert len(history) == 1
    saved = state(app).store.load("latest", "shop")
    assert saved.workload_text == stored(app, site)[0][0].text  # the stored document, as assessed
    event = state(app).accounts.events(site.org_a)[0]
    assert event.action == "assessment.saved" and event.new["assessment"] == history[0].id
    page = text_of(founder.get(done.headers["location"]).text)
    one = verdict(saved.assessment, {p.id: p.question for p in load_lens().practices})
    assert one.sentence in page
    assert one.targets and all(t in page for t in one.targets)
    assert "at most 43 minutes down a month" in page or "43.2 min" in page
    report = re.search(r'<a href="([^"]+)">The full report</a>', founder.get(done.headers["location"]).text)
    assert report and report[1].endswith(f"/assessments/{history[0].id}/report.html")
    assert founder.get(report[1]).status_code == 200


@settings(max_examples=60, deadline=None)
@given(
    now=st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda x: round(x, 2)),
    later=st.none() | st.integers(min_value=0, max_value=10**9),
    team=st.integers(min_value=1, max_value=500),
)
def test_a_form_sent_back_unchanged_reads_as_what_the_document_holds(
    now: float, later: int | None, team: int
) -> None:
    """What a step shows is what reading it back gives: numbers typed as a person types them."""
    from devoops.api.interview import defaults, horizon_value
    from devoops.derive.founder import steps
    from devoops.web.routes import wizard_form as wf

    lens = load_lens()
    data = defaults(lens)
    data["answers"]["reliability"]["downtime_cost_per_hour"] = horizon_value(now, later)
    data["answers"]["engineering"]["team_size"] = team
    for step in steps(lens):
        if step.id not in ("reliability", "engineering"):
            continue
        form = wf.shown(step, data)
        found = wf.read(step, form, wf.dataset_rows(data))
        assert found.errors == {}
        read_back = {a.key: value for a, value in found.answers}
        if step.id == "reliability":
            assert read_back["answers.reliability.downtime_cost_per_hour"] == horizon_value(now, later)
            assert read_back["app.currency"] == "USD"
        else:
            assert read_back["answers.engineering.team_size"] == team
