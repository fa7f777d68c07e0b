"""The symptom quiz page: yes/no pairs for the lens's symptoms; a founder's answers saved as a
version of devoops.yaml with an audit row, shown again on the next visit; each "yes" records
the practice state `devoops quiz` says it implies, a later "no" takes it back, and a state
the engineer recorded otherwise stays; a viewer reads and is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.base.located import Source
from devoops.evaluate.symptoms import implied
from devoops.lens import load_lens
from devoops.store.workloads import Workloads

from .conftest import state
from .support import Site, app_path, csrf_of

Clients = Callable[[str | None], TestClient]


def answer(client: TestClient, site: Site, given: dict[str, str]) -> Any:
    token = csrf_of(client.get(app_path(site, "quiz")).text)
    return client.post(app_path(site, "quiz"), data={**given, "csrf": token})


def practices(app: Starlette, site: Site) -> dict[str, Any]:
    versions = Workloads(state(app).store).versions(site.org_a, site.app_a, with_text=True)
    data = Source.parse(Path("devoops.yaml"), versions[0].text).data if versions else {}
    return dict(data.get("practices") or {})


def checked(page: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'name="([a-z-]+)" value="(yes|no)" checked', page))


def test_yes_seeds_the_practices_it_implies_and_the_answers_come_back(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    lens = load_lens()
    founder = client_for("founder")
    page = founder.get(app_path(site, "quiz")).text
    assert page.count('value="yes"') == len(lens.symptoms) == page.count('value="no"')
    assert checked(page) == {}
    given = {"slow-deploys": "yes", "noisy-alerts": "no", "dns-owner-unknown": "yes"}
    saved = answer(founder, site, given)
    assert saved.status_code == 303
    expected = implied(lens, {"slow-deploys": True, "dns-owner-unknown": True})
    assert expected == {"deploy.fast": "over-20", "dns.owner-known": "unknown"}
    assert practices(app, site) == expected
    page = founder.get(saved.headers["location"]).text
    assert checked(page) == given
    assert "DevOops score: 2 of 8" in page
    event = state(app).accounts.events(site.org_a)[0]
    assert event.action == "quiz.answered" and event.subject == "shop: quiz"
    assert event.old["answers"] == {} and event.new["answers"]["slow-deploys"] is True
    assert event.new["practices"] == expected and event.old["practices"] == {
        "deploy.fast": None,
        "dns.owner-known": None,
    }


def test_a_later_no_takes_back_the_quizs_state_and_keeps_the_engineers(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    founder = client_for("founder")
    assert answer(founder, site, {"slow-deploys": "yes", "hand-configured-hosts": "yes"}).status_code == 303
    engineer = client_for("engineer")
    token = csrf_of(engineer.get(app_path(site, "practices")).text)
    data = {"csrf": token, "practice": "images.immutable", "choice": "baked-images"}
    assert engineer.post(app_path(site, "practices/choice"), data=data).status_code == 303
    assert answer(founder, site, {"slow-deploys": "no", "hand-configured-hosts": "no"}).status_code == 303
    assert practices(app, site) == {"images.immutable": "baked-images"}
    assert checked(founder.get(app_path(site, "quiz")).text) == {
        "slow-deploys": "no",
        "hand-configured-hosts": "no",
    }


def test_two_symptoms_naming_one_practice_keep_the_first_as_devoops_quiz_does(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    founder = client_for("founder")
    both = {"no-offsite-backup": "yes", "backups-in-one-account": "yes"}
    assert answer(founder, site, both).status_code == 303
    assert practices(app, site) == {"backups.offsite": "same-server"}
    assert checked(founder.get(app_path(site, "quiz")).text) == both
    assert answer(founder, site, {**both, "no-offsite-backup": "no"}).status_code == 303
    assert practices(app, site) == {"backups.offsite": "same-account"}


def test_a_viewer_reads_and_is_refused_and_a_bad_answer_saves_nothing(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    assert answer(client_for("founder"), site, {"slow-deploys": "yes"}).status_code == 303
    viewer = client_for("viewer")
    page = viewer.get(app_path(site, "quiz")).text
    main = page.split('<main id="main">')[1]
    assert "<form" not in main and "Does a deploy take 20 minutes or more? Yes" in main.replace(
        "</strong> ", " "
    )
    versions = Workloads(state(app).store).versions(site.org_a, site.app_a)
    token = csrf_of(viewer.get("/orgs").text)
    assert viewer.post(app_path(site, "quiz"), data={"csrf": token, "slow-deploys": "no"}).status_code == 403
    refused = answer(client_for("founder"), site, {"slow-deploys": "maybe"})
    assert refused.status_code == 400 and "Answer yes or no" in refused.text
    assert Workloads(state(app).store).versions(site.org_a, site.app_a) == versions
