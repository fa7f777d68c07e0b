"""Whatever a user types is text in every page that shows it, never markup: a payload in each
free-text field (names, emails, organisations, applications, invitation notes) comes back
escaped wherever it appears: pages, the member list, the audit trail."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.web import auth

from .conftest import state
from .support import Site, csrf_of, now

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
]


def raw_markup(page: str, payload: str) -> bool:
    """The payload's own tags would reach the browser as markup."""
    return bool(re.search(r"<(script|img|svg)\b", payload)) and payload in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_every_free_text_field_are_escaped(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient], payload: str
) -> None:
    accounts = state(app).accounts
    owner = client_for("owner")
    token = csrf_of(owner.get("/orgs").text)
    # An organisation name and an application name.
    made = owner.post("/orgs", data={"csrf": token, "name": f"Org {payload}"})
    assert made.status_code == 303
    org = int(made.headers["location"].rsplit("/", 1)[1])
    assert owner.post(f"/orgs/{org}/apps", data={"csrf": token, "name": f"app {payload}"}).status_code == 303
    # An invitation note, and the name and email of the person who joins through it.
    made = owner.post(f"/orgs/{org}/invitations", data={"csrf": token, "role": "viewer", "note": payload})
    link = re.search(r'value="http://testserver(/join/[^"]+)"', made.text)
    assert link
    joiner = client_for(None)
    join_page = joiner.get(link[1])
    email = "x" + re.sub(r"\s", "", payload) + "@example.com"
    joined = joiner.post(
        link[1],
        data={
            "csrf": csrf_of(join_page.text),
            "name": payload,
            "email": email,
            "password": "long enough password",
        },
    )
    assert joined.status_code == 303, joined.text
    app_id = accounts.apps(org)[0].id
    pages = [
        owner.get("/orgs").text,
        owner.get(f"/orgs/{org}").text,
        owner.get(f"/orgs/{org}/apps/{app_id}").text,
        owner.get(f"/orgs/{org}/members").text,
        owner.get(f"/orgs/{org}/audit").text,
        joiner.get("/orgs").text,
        made.text,
    ]
    for page in pages:
        assert not raw_markup(page, payload)
    shown = "\n".join(pages)
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&#34;").replace("'", "&#39;") in shown
    # A field echoed back after a refusal is escaped too (the login form keeps the email).
    anonymous = client_for(None)
    refused = anonymous.post(
        "/login", data={"csrf": csrf_of(anonymous.get("/login").text), "email": payload, "password": "x"}
    )
    assert refused.status_code == 400 and not raw_markup(refused.text, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_setup_form_refused_keeps_its_fields_escaped(app: Starlette, payload: str) -> None:
    token = auth.new_token()
    state(app).accounts.create_setup_link(auth.digest(token), now(), dt.timedelta(hours=1))
    with TestClient(app, follow_redirects=False) as client:
        page = client.get(f"/setup/{token}")
        fields = {"name": payload, "organisation": payload, "email": "a@example.com", "password": "short"}
        refused = client.post(f"/setup/{token}", data={**fields, "csrf": csrf_of(page.text)})
    assert refused.status_code == 400
    assert not raw_markup(refused.text, payload)
    assert (
        refused.text.count(
            payload.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
        )
        == 2
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_the_workspaces_free_text_are_escaped(
    site: Site, client_for: Callable[[str | None], TestClient], payload: str
) -> None:
    """Exemption owner and reason, a not-applicable reason, a component's placement, a typed
    dependency the loader refuses, and an uploaded file's name: in the practices, inventory and
    workspace pages, the refusals that echo them and the audit trail."""
    from .support import app_path, send_file

    engineer = client_for("engineer")
    token = csrf_of(engineer.get(app_path(site, "practices")).text)
    until = (now().date() + dt.timedelta(days=30)).isoformat()
    sent = [
        engineer.post(
            app_path(site, "practices/exemption"),
            data={
                "csrf": token,
                "practice": "dns.owner-known",
                "owner": payload,
                "reason": payload,
                "expires": until,
            },
        ),
        engineer.post(
            app_path(site, "practices/not-applicable"),
            data={"csrf": token, "practice": "email.anti-spoofing", "reason": payload},
        ),
        engineer.post(
            app_path(site, "inventory/component"),
            data={
                "csrf": token,
                "id": "web",
                "kind": "app",
                "provider": payload,
                "account": payload,
                "region": payload,
            },
        ),
    ]
    assert [r.status_code for r in sent] == [303, 303, 303]
    refusals = [
        engineer.post(
            app_path(site, "inventory/component"),
            data={"csrf": token, "id": "api", "kind": "app", "depends_on": payload, "zones": payload},
        ),
        engineer.post(
            app_path(site, "practices/exemption"),
            data={
                "csrf": token,
                "practice": "iam.mfa",
                "owner": payload,
                "reason": payload,
                "expires": "2000-01-01",
            },
        ),
        send_file(engineer, site, "workload", payload + ".yaml", b"app: [\n"),
    ]
    assert [r.status_code for r in refusals] == [400, 400, 400]
    assert (
        send_file(engineer, site, "terraform", payload + ".json", b'{"format_version": "1.0"}').status_code
        == 400
    )
    pages = [
        engineer.get(app_path(site, "practices")).text,
        engineer.get(app_path(site, "inventory")).text,
        engineer.get(app_path(site, "workspace")).text,
        engineer.get(f"/orgs/{site.org_a}/audit").text,
        *(r.text for r in refusals),
    ]
    for page in pages:
        assert not raw_markup(page, payload)
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    assert escaped in pages[0] and escaped in pages[1] and escaped in pages[3]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_the_wizards_free_text_stay_text(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient], payload: str
) -> None:
    """The application's name on every wizard page, the quiz and the verdict; the currency,
    time zone, owner, traffic figure and the names of kinds of data typed into the wizard,
    whether the loader takes them or refuses them beside the field."""
    owner = client_for("owner")
    token = csrf_of(owner.get(f"/orgs/{site.org_a}").text)
    assert (
        owner.post(f"/orgs/{site.org_a}/apps", data={"csrf": token, "name": f"app {payload}"}).status_code
        == 303
    )
    made = next(a for a in state(app).accounts.apps(site.org_a) if a.name != "shop")
    base = f"/orgs/{site.org_a}/apps/{made.id}"
    step_1 = {
        "csrf": token,
        "app.stage": "mvp",
        "app.audience": "local",
        "app.currency": "EUR",
        "answers.reliability.downtime_cost_per_hour": "400",
        "answers.reliability.incident_cost": "0",
        "app.business_hours": "business",
        "app.business_hours.days@mon": "on",
        "app.business_hours.start": "09:00",
        "app.business_hours.end": "17:00",
        "app.business_hours.timezone": payload,
        "answers.reliability.maintenance_window.every": "none",
        "app.owner": payload,
    }
    sent = [
        owner.post(f"{base}/wizard/1", data=step_1),
        owner.post(
            f"{base}/wizard/1", data={**step_1, "app.business_hours.timezone": "UTC", "app.currency": payload}
        ),
        owner.post(f"{base}/wizard/1/consequence", data={**step_1, "app.owner": ""}),
        owner.post(
            f"{base}/wizard/2", data={"csrf": token, "traffic.unit": "visitors", "traffic.figure": payload}
        ),
        owner.post(
            f"{base}/wizard/4",
            data={"csrf": token, "dataset.0.name": payload, "dataset.0.rpo_minutes": payload},
        ),
        owner.post(
            f"{base}/wizard/4",
            data={"csrf": token, "dataset.0.name": "orders", "dataset.0.rto_minutes": payload},
        ),
        owner.post(f"{base}/quiz", data={"csrf": token, "slow-deploys": payload}),
    ]
    assert all(r.status_code == 400 for r in sent), [r.status_code for r in sent]
    assert owner.post(f"{base}/wizard/finish", data={"csrf": token}).status_code == 303
    pages = [
        *(r.text for r in sent),
        owner.get(f"{base}/wizard").text,
        *(owner.get(f"{base}/wizard/{n}").text for n in range(1, 7)),
        owner.get(f"{base}/verdict").text,
        owner.get(f"{base}/quiz").text,
    ]
    for page in pages:
        assert not raw_markup(page, payload)
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    assert all(escaped in page for page in pages[7:]), "the application's name, escaped, on each page"
    assert escaped in sent[0].text and escaped in sent[3].text and escaped in sent[4].text  # kept in the form
