"""The one-page verdict in the browser: the newest saved assessment's verdict, with the same
figures as its full report, no practice ids, still useful with only the founder's answers,
and nothing of another organisation's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.api.documents import starting_text
from devoops.lens import load_lens
from devoops.report.html import lens_questions
from devoops.report.verdict import verdict
from devoops.store import Store

from .access_pages import Mine, own_app, save, workload
from .conftest import state
from .support import Site

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def mine(app: Starlette, site: Site) -> Mine:
    return own_app(state(app).accounts, site)


def text_of(page: str) -> str:
    """What a reader sees: the page without its tags, entities decoded, spaces folded."""
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_verdict_page_has_the_assessments_figures_and_the_full_report_the_same(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    store_url: str,
    tmp_path: Path,
    mine: Mine,
) -> None:
    save(store_url, workload(tmp_path, "crafty"))
    stored = state(app).store.load("latest", "crafty")
    expected = verdict(stored.assessment, lens_questions())
    assert expected.threats and expected.actions  # the example has catastrophes to show
    founder = client_for("founder")
    page = founder.get(mine("verdict"))
    assert page.status_code == 200
    shown = text_of(page.text)
    assert expected.sentence in shown
    report_link = f"{mine()}/assessments/{stored.entry.id}/report.html"
    assert f'href="{report_link}"' in page.text
    report = founder.get(report_link)
    assert report.status_code == 200
    assert report.headers["content-disposition"].startswith("attachment;")
    full = text_of(report.text)
    for threat in expected.threats:
        for figure in (threat.title, threat.once, threat.a_year):
            assert figure in shown and figure in full, figure
    for action in expected.actions:
        assert action.saves in shown and action.saves in full, action
    for target in expected.targets:
        assert target in shown
    # The same page by the assessment's id, from the history.
    by_id = founder.get(f"{mine()}/assessments/{stored.entry.id}")
    assert expected.sentence in text_of(by_id.text)
    radar = founder.get(f"{mine()}/assessments/{stored.entry.id}/radar.png")
    assert radar.status_code == 200 and radar.content.startswith(PNG)
    again = founder.get(radar.url, headers={"if-none-match": radar.headers["etag"]})
    assert again.status_code == 304 and not again.content


def test_the_verdict_page_names_no_practice_by_its_id(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    store_url: str,
    tmp_path: Path,
    mine: Mine,
) -> None:
    save(store_url, workload(tmp_path, "crafty"))
    page = client_for("viewer").get(mine("verdict")).text
    assert "backups.offsite: same-account" in workload(tmp_path, "crafty").read_text()  # ids are in play
    for practice in load_lens().practices:
        assert practice.id not in page, practice.id


def test_with_only_the_founders_answers_it_shows_the_targets_and_what_to_ask_next(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    store_url: str,
    tmp_path: Path,
    mine: Mine,
) -> None:
    answers_only = tmp_path / "devoops.yaml"
    answers_only.write_text(starting_text("crafty", load_lens()))
    save(store_url, answers_only)
    stored = state(app).store.load("latest", "crafty")
    expected = verdict(stored.assessment, lens_questions())
    assert expected.questions and not expected.threats
    page = client_for("founder").get(mine("verdict")).text
    shown = text_of(page)
    assert "Targets now" in shown and "What to ask your engineer next" in shown
    for line in [*expected.targets, *expected.questions]:
        assert line in shown, line
    for practice in load_lens().practices:
        assert practice.id not in page, practice.id


def test_an_application_without_assessments_says_how_to_save_one(
    site: Site, client_for: Callable[[str | None], TestClient], mine: Mine
) -> None:
    page = client_for("viewer").get(mine("verdict"))
    assert page.status_code == 200
    assert "No assessment of crafty is saved yet" in page.text


def test_no_assessment_of_another_organisation_or_application_is_reachable(
    app: Starlette,
    site: Site,
    client_for: Callable[[str | None], TestClient],
    store_url: str,
    tmp_path: Path,
    mine: Mine,
) -> None:
    save(store_url, workload(tmp_path, "crafty"))
    save(store_url, workload(tmp_path, "bank", "fintech.yaml"))
    with Store(store_url) as store:
        crafty, bank = store.history("crafty")[-1].id, store.history("bank")[-1].id
    a, b = mine(), f"/orgs/{site.org_b}/apps/{site.app_b}"
    pages = ("", "/report.html", "/radar.png")
    owner, other, anonymous = client_for("owner"), client_for("other"), client_for(None)
    for page in pages:
        assert owner.get(f"{a}/assessments/{crafty}{page}").status_code == 200
        # B's assessment under A's application, and B's application in A's organisation
        assert owner.get(f"{a}/assessments/{bank}{page}").status_code == 404
        assert owner.get(f"/orgs/{site.org_a}/apps/{site.app_b}/assessments/{bank}{page}").status_code == 404
        assert owner.get(f"{b}/assessments/{bank}{page}").status_code == 404  # not a member of B
        assert owner.get(f"{a}/assessments/{2**40}{page}").status_code == 404
        assert other.get(f"{a}/assessments/{crafty}{page}").status_code == 404
        assert other.get(f"{b}/assessments/{bank}{page}").status_code == 200
        refused = anonymous.get(f"{a}/assessments/{crafty}{page}")
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login?next=")
    assert owner.get(f"/orgs/{site.org_a}/apps/{site.app_b}/verdict").status_code == 404
