"""The practices page: every practice under its tenet, each choice labelled with what the
assessment's own judge says of it at the application's importance, set with one click by an
engineer or owner (each a new version of devoops.yaml and an audit row with the old value);
exemptions need a reason and a future expiry, not-applicable a reason; founders and viewers
read and are refused."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.api.workload import load_text
from devoops.derive import derive
from devoops.evaluate.rules import judge, required
from devoops.lens import load_lens
from devoops.model.common import Horizon
from devoops.store.workloads import Workloads

from .conftest import state
from .support import Site, app_path, csrf_of, now

Clients = Callable[[str | None], TestClient]


def article(page: str, practice: str) -> str:
    found = re.search(rf'<article class="practice" id="{re.escape(practice)}".*?</article>', page, re.S)
    assert found, practice
    return found[0]


def labels(page: str, practice: str) -> dict[str, str]:
    """Each choice's risk label on the page: choice id -> HIGH, MEDIUM, NONE or NOT_APPLICABLE."""
    pairs = re.findall(
        r'name="choice" value="([^"]+)".*?class="risk risk-([a-z_]+)"', article(page, practice), re.S
    )
    return {choice: risk.upper() for choice, risk in pairs}


def choose(client: TestClient, site: Site, practice: str, choice: str) -> int:
    token = csrf_of(client.get(app_path(site, "practices")).text)
    data = {"csrf": token, "practice": practice, "choice": choice}
    return int(client.post(app_path(site, "practices/choice"), data=data).status_code)


def test_each_choice_is_labelled_by_the_assessments_judge(site: Site, client_for: Clients) -> None:
    page = client_for("engineer").get(app_path(site, "practices")).text
    lens = load_lens()
    text = client_for("viewer").get(app_path(site, "devoops.yaml")).text
    w = load_text(text, lens).workload
    importance = {i.tenet: i.value for i in derive(w, lens, Horizon.NOW).importance}
    risks = set()
    for p in lens.practices:
        expected = {
            c.id: (judge(p, c.id, importance).risk if required(p, importance) else "NOT_APPLICABLE")
            for c in p.choices
        }
        assert labels(page, p.id) == expected, p.id
        risks |= set(expected.values())
    assert {"HIGH", "MEDIUM", "NONE"} <= risks
    for t in lens.tenets:
        assert f'id="tenet-{t.id.value}"' in page


def test_one_click_records_a_choice_as_a_new_version_with_the_old_value_audited(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    engineer = client_for("engineer")
    docs = Workloads(state(app).store)
    assert choose(engineer, site, "backups.offsite", "same-account") == 303
    first = docs.current(site.org_a, site.app_a)
    assert first is not None and first.number == 1 and first.author.startswith("Engineer")
    assert "backups.offsite: same-account" in first.text
    assert "# Written by `devoops init`" in first.text  # the comments stay
    page = engineer.get(app_path(site, "practices")).text
    assert labels(page, "backups.offsite")["same-account"] == "HIGH"
    assert 'aria-pressed="true"' in article(page, "backups.offsite").split('value="same-account"')[1][:200]

    owner = client_for("owner")
    assert choose(owner, site, "backups.offsite", "separate-account") == 303
    versions = docs.versions(site.org_a, site.app_a)
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].summary == "backups.offsite: separate-account"
    assert "backups.offsite: same-account" in docs.version(site.org_a, site.app_a, 1).text  # type: ignore[union-attr]
    events = [e for e in state(app).accounts.events(site.org_a) if e.action == "practice.changed"]
    assert [(e.subject, e.old, e.new) for e in events] == [
        ("shop: practices.backups.offsite", "same-account", "separate-account"),
        ("shop: practices.backups.offsite", None, "same-account"),
    ]
    assert events[0].actor.startswith("Owner") and events[1].actor.startswith("Engineer")
    trail = client_for("viewer").get(f"/orgs/{site.org_a}/audit").text
    assert "practice.changed" in trail and "same-account" in trail


@pytest.mark.parametrize("who", ["founder", "viewer"])
def test_founders_and_viewers_read_and_are_refused(
    app: Starlette, site: Site, client_for: Clients, who: str
) -> None:
    client = client_for(who)
    page = client.get(app_path(site, "practices"))
    assert page.status_code == 200 and 'class="risk risk-high"' in page.text
    assert "/practices/choice" not in page.text and "Exempt it" not in page.text
    token = csrf_of(client.get(f"/orgs/{site.org_a}").text)
    for action, data in (
        ("choice", {"practice": "backups.offsite", "choice": "none"}),
        ("exemption", {"practice": "backups.offsite", "owner": "x", "reason": "x", "expires": "2099-01-01"}),
        ("not-applicable", {"practice": "backups.offsite", "reason": "x"}),
        ("clear", {"practice": "backups.offsite"}),
    ):
        assert (
            client.post(app_path(site, f"practices/{action}"), data={"csrf": token, **data}).status_code
            == 403
        )
    assert Workloads(state(app).store).versions(site.org_a, site.app_a) == []


def test_an_exemption_needs_a_reason_and_a_future_date(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    engineer = client_for("engineer")
    docs = Workloads(state(app).store)
    today = now().date()
    path = app_path(site, "practices/exemption")
    token = csrf_of(engineer.get(app_path(site, "practices")).text)
    good = {"csrf": token, "practice": "dns.owner-known", "owner": "Engineer", "reason": "moving registrar"}
    refused = {
        "reason": ({**good, "reason": "  ", "expires": "2099-01-01"}, "fill this in"),
        "expires": ({**good, "expires": today.isoformat()}, "a date after today"),
    }
    for field, (data, message) in refused.items():
        response = engineer.post(path, data=data)
        assert response.status_code == 400
        part = article(response.text, "dns.owner-known")
        assert f'id="dns.owner-known-exempt-{field}-error">{message}' in part
        assert "<details open>" in part
    for expires in ("2020-01-01", "31/12/2099", "", (today.replace(year=today.year + 6)).isoformat()):
        assert engineer.post(path, data={**good, "expires": expires}).status_code == 400
    assert docs.versions(site.org_a, site.app_a) == []

    until = today.replace(year=today.year + 1)
    assert engineer.post(path, data={**good, "expires": until.isoformat()}).status_code == 303
    w = load_text(docs.current(site.org_a, site.app_a).text, load_lens()).workload  # type: ignore[union-attr]
    exemption = w.practices["dns.owner-known"].exemption
    assert exemption is not None and (exemption.reason, exemption.expires) == ("moving registrar", until)
    page = engineer.get(app_path(site, "practices")).text
    assert f"Exempt until {until}" in article(page, "dns.owner-known")


def test_not_applicable_needs_a_reason_and_replaces_the_choice(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    engineer = client_for("engineer")
    docs = Workloads(state(app).store)
    assert choose(engineer, site, "email.anti-spoofing", "none") == 303
    token = csrf_of(engineer.get(app_path(site, "practices")).text)
    path = app_path(site, "practices/not-applicable")
    refused = engineer.post(path, data={"csrf": token, "practice": "email.anti-spoofing", "reason": ""})
    assert refused.status_code == 400
    assert 'id="email.anti-spoofing-na-reason-error">fill this in' in refused.text
    assert docs.current(site.org_a, site.app_a).number == 1  # type: ignore[union-attr]
    data = {"csrf": token, "practice": "email.anti-spoofing", "reason": "we send no email"}
    assert engineer.post(path, data=data).status_code == 303
    state_ = load_text(docs.current(site.org_a, site.app_a).text, load_lens()).workload.practices  # type: ignore[union-attr]
    assert state_["email.anti-spoofing"].not_applicable and state_["email.anti-spoofing"].choice is None
    event = state(app).accounts.events(site.org_a)[0]
    assert (event.old, event.new) == ("none", {"not_applicable": True, "reason": "we send no email"})
    # Cleared: the record goes, and with the last one the practices section.
    clear = engineer.post(
        app_path(site, "practices/clear"), data={"csrf": token, "practice": "email.anti-spoofing"}
    )
    assert clear.status_code == 303
    assert "practices:" not in docs.current(site.org_a, site.app_a).text  # type: ignore[union-attr]


def test_an_unknown_choice_or_practice_saves_nothing(app: Starlette, site: Site, client_for: Clients) -> None:
    engineer = client_for("engineer")
    response_status = choose(engineer, site, "backups.offsite", "tape-in-a-drawer")
    assert response_status == 400
    token = csrf_of(engineer.get(app_path(site, "practices")).text)
    shown = engineer.post(
        app_path(site, "practices/choice"),
        data={"csrf": token, "practice": "backups.offsite", "choice": "tape"},
    )
    assert re.search(
        r"devoops\.yaml:\d+:\d+: practices\.backups\.offsite: unknown choice &#39;tape&#39;", shown.text
    )
    assert choose(engineer, site, "no.such-practice", "none") == 404
    assert Workloads(state(app).store).versions(site.org_a, site.app_a) == []
