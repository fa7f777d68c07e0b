"""An organisation's portfolio: each application with the verdict, HIGH count and maturity of
its newest saved assessment, its trend, and the age of its last audit and drill, a page at a
time; nothing of another organisation's."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.api.portfolio import PAGE
from devoops.model.common import Risk
from devoops.model.evidence import Evidence, ProbeResult, Status
from devoops.report.verdict import verdict
from devoops.store.people import Actor

from .access_pages import Mine, own_app, save, workload
from .conftest import state
from .support import Site, now
from .test_history_pages import BETTER
from .test_verdict_pages import text_of


@pytest.fixture
def mine(app: Starlette, site: Site) -> Mine:
    return own_app(state(app).accounts, site)


def row(page: str, app_id: int) -> str:
    found = re.search(rf'<th scope="row"><a href="/orgs/\d+/apps/{app_id}">.*?</tr>', page, re.S)
    assert found, app_id
    return text_of(found[0])


def result(kind: str, at: dt.datetime) -> ProbeResult:
    evidence = Evidence(status=Status.PASS, summary="held")
    return ProbeResult(name=kind, kind=kind, target="t", started_at=at, finished_at=at, evidence=evidence)


def test_each_application_shows_its_newest_assessments_figures(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    store_url: str,
    tmp_path: Path,
    mine: Mine,
) -> None:
    store = state(app).store
    save(store_url, workload(tmp_path, "crafty"))
    save(store_url, workload(tmp_path, "crafty", changes=[BETTER]))
    newest = store.load("latest", "crafty")
    first = store.load(str(store.history("crafty")[0].id), "crafty")
    page = client_for("viewer").get(f"/orgs/{site.org_a}")
    assert page.status_code == 200
    shown = row(page.text, mine.id)
    assert verdict(newest.assessment).sentence in shown
    high = sum(f.risk == Risk.HIGH for f in newest.assessment.horizons[0].findings)
    assert high == newest.entry.high and f" {high} " in shown
    mean = round(sum(m.value for m in newest.assessment.maturity) / 6, 1)
    change = round(mean - round(sum(m.value for m in first.assessment.maturity) / 6, 1), 1)
    assert change > 0  # the load test raised maturity
    assert f"{mean:.1f}, up {change} since the first of 2 assessments" in shown
    assert f"/assessments/{newest.entry.id}/radar.png" in page.text
    assert "never" in shown  # no audit, no drill yet


def test_the_ages_of_the_last_audit_and_drill_come_from_saved_probe_results(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    store_url: str,
    tmp_path: Path,
    mine: Mine,
) -> None:
    store = state(app).store
    save(store_url, workload(tmp_path, "crafty"))
    base = store.load("latest", "crafty").assessment
    t = now()
    audited = [result("prometheus", t - dt.timedelta(days=3)), result("tls", t - dt.timedelta(hours=5))]
    store.save(base.model_copy(update={"generated_at": t, "evidence": audited}), "x", t)
    drilled = [result("restore_drill", t - dt.timedelta(days=40))]
    store.save(base.model_copy(update={"generated_at": t, "evidence": drilled}), "x", t)
    shown = row(client_for("viewer").get(f"/orgs/{site.org_a}").text, mine.id)
    assert shown.rstrip().endswith(" 3 5 hours ago 40 days ago")


def test_many_applications_come_a_page_at_a_time(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    accounts = state(app).accounts
    by = Actor(site.users["owner"].id, "Owner")
    for n in range(PAGE):
        accounts.add_app(site.org_a, f"app-{n:03}", now(), by)
    viewer = client_for("viewer")
    first = viewer.get(f"/orgs/{site.org_a}").text
    second = viewer.get(f"/orgs/{site.org_a}?page=2").text
    assert "page 1 of 2, 51 applications" in first and 'rel="next"' in first
    assert first.count('<th scope="row">') == PAGE and second.count('<th scope="row">') == 1
    assert ">shop</a>" in second and 'rel="prev"' in second
    assert viewer.get(f"/orgs/{site.org_a}?page=x").text.count('<th scope="row">') == PAGE


def test_another_organisations_portfolio_is_404(
    site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    assert client_for("other").get(f"/orgs/{site.org_a}").status_code == 404
    assert client_for("owner").get(f"/orgs/{site.org_b}").status_code == 404
    refused = client_for(None).get(f"/orgs/{site.org_a}")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login?next=")
    assert "bank" not in client_for("owner").get(f"/orgs/{site.org_a}").text


PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_application_and_milestone_names_are_escaped(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    store_url: str,
    tmp_path: Path,
    payload: str,
) -> None:
    from .support import csrf_of

    name = f"app {payload}"
    state(app).accounts.add_app(site.org_a, name, now(), Actor(site.users["owner"].id, "Owner"))
    app_id = next(a.id for a in state(app).accounts.apps(site.org_a) if a.name == name)
    save(store_url, workload(tmp_path, name))
    save(store_url, workload(tmp_path, name, changes=[BETTER]))
    engineer = client_for("engineer")
    base = f"/orgs/{site.org_a}/apps/{app_id}"
    token = csrf_of(engineer.get(f"{base}/history").text)
    assert (
        engineer.post(f"{base}/milestones", data={"csrf": token, "name": f"m {payload}"}).status_code == 303
    )
    pages = [
        engineer.get(p).text
        for p in (f"/orgs/{site.org_a}", f"{base}/verdict", f"{base}/history", f"{base}/diff")
    ]
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    for page in pages:
        assert payload not in page
        assert escaped in page
    assert f"m {escaped}" in pages[2]
