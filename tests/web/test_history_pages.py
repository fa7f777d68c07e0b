"""An application's history in the browser: every saved assessment with its verdict, risks and
maturity; the diff of two real saved assessments; milestones made by engineers and owners;
availability and latency measured by saved audits, against their targets."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.evaluate.diff import diff
from devoops.model.evidence import Evidence, Measurement, ProbeResult, Status
from devoops.report.verdict import verdict
from devoops.store import Store

from .access_pages import Mine, own_app, save, workload
from .conftest import state
from .support import Site, csrf_of
from .test_verdict_pages import PNG, text_of

BETTER = ("capacity.load-tested: never", "capacity.load-tested: expected-peak")


@pytest.fixture
def mine(app: Starlette, site: Site) -> Mine:
    return own_app(state(app).accounts, site)


@pytest.fixture
def two(store_url: str, tmp_path: Path) -> tuple[int, int]:
    """Two saved assessments of org A's crafty, the second load-tested to the expected peak."""
    save(store_url, workload(tmp_path, "crafty"))
    save(store_url, workload(tmp_path, "crafty", changes=[BETTER]))
    with Store(store_url) as store:
        before, after = store.history("crafty")
    return before.id, after.id


def tag(client: TestClient, mine: Mine, name: str, assessment: int | str) -> int:
    token = csrf_of(client.get(mine("history")).text)
    data = {"csrf": token, "name": name, "assessment": str(assessment)}
    return client.post(mine("milestones"), data=data).status_code


def test_the_history_lists_each_saved_assessment_as_saved(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    two: tuple[int, int],
    mine: Mine,
) -> None:
    store = state(app).store
    page = client_for("viewer").get(mine("history"))
    assert page.status_code == 200
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\"><a href=\"[^\"]*/assessments/(\d+)\">.*?</tr>", page.text, re.S
    )
    assert [int(r) for r in rows] == [two[1], two[0]]  # newest first
    for id in two:
        stored = store.load(str(id), "crafty")
        row = re.search(rf"/assessments/{id}\">.*?</tr>", page.text, re.S)
        assert row
        cells = text_of(row[0])
        assert verdict(stored.assessment).sentence in cells
        high = sum(f.risk.value == "HIGH" for f in stored.assessment.horizons[0].findings)
        assert f" {high} " in cells and stored.entry.high == high


def test_the_diff_of_two_saved_assessments_shows_what_changed(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    two: tuple[int, int],
    mine: Mine,
) -> None:
    store = state(app).store
    before, after = (store.load(str(id), "crafty").assessment for id in two)
    expected = diff(before, after, (f"#{two[0]}", f"#{two[1]}"))
    improved = [c for c in expected.of("improved") if c.kind == "finding"]
    assert improved  # the load test resolves a finding
    viewer = client_for("viewer")
    page = viewer.get(mine("diff") + f"?before={two[0]}&after={two[1]}")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Improved" in shown
    for change in improved:
        assert change.title in shown and f"{change.before} → {change.after}" in shown
    # With no choice, the two newest; the other way round, the same change as a regression.
    assert text_of(viewer.get(mine("diff")).text) == shown
    backwards = text_of(viewer.get(mine("diff") + f"?before={two[1]}&after={two[0]}").text)
    assert "Regressed" in backwards and improved[0].title in backwards


def test_a_diff_of_another_applications_assessment_is_404(
    site: Site,
    client_for: Callable[[str | None], TestClient],
    store_url: str,
    tmp_path: Path,
    two: tuple[int, int],
    mine: Mine,
) -> None:
    save(store_url, workload(tmp_path, "bank", "fintech.yaml"))
    with Store(store_url) as store:
        bank = store.history("bank")[-1].id
    owner = client_for("owner")
    assert owner.get(mine("diff") + f"?before={two[0]}&after={bank}").status_code == 404
    assert owner.get(mine("diff") + f"?before={bank}&after={two[0]}").status_code == 404
    assert client_for("other").get(mine("diff")).status_code == 404


def test_engineers_and_owners_name_milestones_others_cannot(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    two: tuple[int, int],
    mine: Mine,
) -> None:
    store = state(app).store
    assert tag(client_for("engineer"), mine, "baseline", two[0]) == 303
    assert tag(client_for("owner"), mine, "after-offsite", two[1]) == 303
    assert tag(client_for("founder"), mine, "nope", two[1]) == 403
    assert tag(client_for("viewer"), mine, "nope", two[1]) == 403
    assert [e.milestones for e in store.history("crafty")] == [["baseline"], ["after-offsite"]]
    page = client_for("viewer").get(mine("history")).text
    assert "baseline" in page and "after-offsite" in page
    assert "nope" not in page and '<form method="post" action' not in page.split("Milestones")[1]
    events = [(e.action, e.subject) for e in state(app).accounts.events(site.org_a)]
    assert ("milestone.created", "crafty: baseline") in events


def test_a_refused_milestone_says_why_and_changes_nothing(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    two: tuple[int, int],
    store_url: str,
    tmp_path: Path,
    mine: Mine,
) -> None:
    store = state(app).store
    engineer = client_for("engineer")
    assert tag(engineer, mine, "baseline", two[0]) == 303
    for name, status, why in (
        ("baseline", 400, "already has a milestone"),
        ("42", 400, "neither"),
        ("", 400, ""),
    ):
        token = csrf_of(engineer.get(mine("history")).text)
        refused = engineer.post(
            mine("milestones"), data={"csrf": token, "name": name, "assessment": str(two[1])}
        )
        assert refused.status_code == status, name
        assert why in refused.text
    save(store_url, workload(tmp_path, "bank", "fintech.yaml"))
    bank = store.history("bank")[-1].id
    assert tag(engineer, mine, "theirs", bank) == 404
    assert [e.milestones for e in store.history("crafty")] == [["baseline"], []]
    assert store.history("bank")[-1].milestones == []


def probe(at: dt.datetime, availability: float, p95: float) -> ProbeResult:
    evidence = Evidence(
        status=Status.PASS if availability >= 0.999 else Status.FAIL,
        summary="measured",
        measurements=[
            Measurement(name="availability", value=availability, unit="ratio", target=0.999, bound="min"),
            Measurement(name="p95", value=p95, unit="ms", target=300, bound="max"),
        ],
    )
    return ProbeResult(
        name="site", kind="prometheus", target="t", started_at=at, finished_at=at, evidence=evidence
    )


def test_measured_availability_and_latency_are_charted_against_their_targets(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    two: tuple[int, int],
    mine: Mine,
) -> None:
    """Audits saved as `devoops audit --save` saves them: the assessment with its probe results."""
    store = state(app).store
    viewer = client_for("viewer")
    empty = viewer.get(mine("availability.png"))
    assert empty.status_code == 200 and empty.content.startswith(PNG)
    assert "No saved audit of crafty has measured" in viewer.get(mine("history")).text
    base = store.load(str(two[1]), "crafty").assessment
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    for day, (availability, p95) in enumerate(((0.9971, 410.0), (0.99952, 240.5))):
        at = start + dt.timedelta(days=day)
        store.save(
            base.model_copy(update={"generated_at": at, "evidence": [probe(at, availability, p95)]}), "x", at
        )
    page = viewer.get(mine("history")).text
    shown = text_of(page)
    for figure in ("99.710 %", "99.952 %", "at least 99.900 %", "410.0 ms", "240.5 ms", "at most 300 ms"):
        assert figure in shown, figure
    chart = viewer.get(mine("availability.png"))
    assert chart.content.startswith(PNG) and chart.content != empty.content
    assert viewer.get(chart.url, headers={"if-none-match": chart.headers["etag"]}).status_code == 304
    latency = viewer.get(mine("latency.png"))
    assert latency.content.startswith(PNG) and latency.content != chart.content
    assert 'alt="Availability of crafty' in page


def test_another_organisations_history_and_charts_are_404(
    site: Site, client_for: Callable[[str | None], TestClient], mine: Mine
) -> None:
    other, anonymous = client_for("other"), client_for(None)
    for page in ("history", "diff", "availability.png", "latency.png"):
        assert other.get(mine(page)).status_code == 404
        assert client_for("owner").get(f"/orgs/{site.org_a}/apps/{site.app_b}/{page}").status_code == 404
        refused = anonymous.get(mine(page))
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login?next=")
