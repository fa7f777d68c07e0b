"""Sessions and forms against attack: CSRF, fixation, logout and password change revoking,
throttled logins, and the headers every response carries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.store.tables import sessions
from devoops.web import auth

from .conftest import state
from .support import PASSWORD, Site, assess, csrf_of, sign_in


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get(auth.SESSION)


def plant(client: TestClient, token: str) -> None:
    """A session cookie as another site or a script would set it, replacing the browser's own."""
    client.cookies.delete(auth.SESSION)
    client.cookies.set(auth.SESSION, token, domain="testserver.local", path="/")


def test_a_state_changing_request_without_the_right_token_is_refused(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    owner = client_for("owner")
    path = f"/orgs/{site.org_a}/apps"
    assert owner.post(path, data={"name": "nope"}).status_code == 403
    assert owner.post(path, data={"name": "nope", "csrf": "forged"}).status_code == 403
    # Another user's token is no good for this session.
    assert (
        owner.post(
            path, data={"name": "nope", "csrf": csrf_of(client_for("viewer").get("/orgs").text)}
        ).status_code
        == 403
    )
    # The right token from another site, as the browser reports it, is refused too.
    token = csrf_of(owner.get("/orgs").text)
    assert (
        owner.post(
            path, data={"name": "nope", "csrf": token}, headers={"sec-fetch-site": "cross-site"}
        ).status_code
        == 403
    )
    assert (
        owner.post(
            path, content=b'{"name": "nope"}', headers={"content-type": "application/json"}
        ).status_code
        == 415
    )
    assert [a.name for a in state(app).accounts.apps(site.org_a)] == ["shop"]
    assert owner.post(path, data={"name": "yes", "csrf": token}).status_code == 303
    # Logging in needs the pre-login token of the visitor's own cookie.
    anonymous = client_for(None)
    anonymous.get("/login")
    login = {"email": site.users["owner"].email, "password": PASSWORD}
    assert anonymous.post("/login", data={**login, "csrf": "forged"}).status_code == 403
    assert session_cookie(anonymous) is None


def test_a_session_id_planted_before_login_is_never_the_one_after(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    attacker = client_for("viewer")
    planted = session_cookie(attacker)
    assert planted
    victim = client_for(None)
    plant(victim, planted)
    assert sign_in(victim, site.users["owner"].email).status_code == 303
    fresh = session_cookie(victim)
    assert fresh and fresh != planted
    assert victim.get(f"/orgs/{site.org_a}/members").status_code == 200
    # The session the visitor came with ended at login: the planted id signs in no one now.
    assert attacker.get("/orgs").status_code == 303
    # And a made-up id never becomes a session.
    stranger = client_for(None)
    plant(stranger, "made-up")
    sign_in(stranger, site.users["viewer"].email)
    assert session_cookie(stranger) != "made-up"


def test_logout_ends_the_session_in_the_store(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    owner = client_for("owner")
    token = session_cookie(owner)
    assert token
    assert owner.post("/logout", data={"csrf": csrf_of(owner.get("/orgs").text)}).status_code == 303
    replay = client_for(None)
    plant(replay, token)
    assert replay.get("/orgs").status_code == 303
    with state(app).store.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sessions).where(sessions.c.token_hash == auth.digest(token))).first()
            is None
        )


def test_a_new_password_ends_every_other_session(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    laptop, phone = client_for("founder"), client_for("founder")
    old_cookie = session_cookie(laptop)
    token = csrf_of(laptop.get("/account/password").text)
    new = "a brand new passphrase"
    wrong = laptop.post(
        "/account/password", data={"csrf": token, "current": "guess", "new": new, "repeat": new}
    )
    assert wrong.status_code == 400 and "not your current password" in wrong.text
    changed = laptop.post(
        "/account/password", data={"csrf": token, "current": PASSWORD, "new": new, "repeat": new}
    )
    assert changed.status_code == 303
    assert phone.get("/orgs").status_code == 303  # signed out elsewhere
    assert session_cookie(laptop) != old_cookie
    assert laptop.get("/orgs").status_code == 200  # this browser got a new session
    replay = client_for(None)
    plant(replay, old_cookie or "")
    assert replay.get("/orgs").status_code == 303
    assert sign_in(client_for(None), site.users["founder"].email).status_code == 400
    assert sign_in(client_for(None), site.users["founder"].email, new).status_code == 303


def test_failed_logins_are_throttled_per_account_in_the_store(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    email = site.users["engineer"].email
    client = client_for(None)
    limit = state(app).settings.failures_per_account
    for _ in range(limit):
        assert sign_in(client, email, "wrong password").status_code == 400
    refused = sign_in(client, email)  # the right password, too late
    assert refused.status_code == 429 and "Too many failed attempts" in refused.text
    assert session_cookie(client) is None
    # Another account from the same address is not locked out by it.
    assert sign_in(client_for(None), site.users["viewer"].email).status_code == 303
    # The counters are the store's: a second app over the same store sees them.
    from devoops.web.app import create_app

    twin = create_app(state(app).store._url)
    try:
        with TestClient(twin, follow_redirects=False) as other:
            assert sign_in(other, email).status_code == 429
        # Once the window has passed, the right password works again.
        later = dt.datetime.now(dt.UTC) + state(app).settings.login_window + dt.timedelta(seconds=1)
        twin.state.devoops = type(state(twin))(**{**state(twin).__dict__, "clock": lambda: later})
        with TestClient(twin, follow_redirects=False) as other:
            assert sign_in(other, email).status_code == 303
    finally:
        state(twin).store.close()


def test_every_response_carries_the_security_headers(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    owner = client_for("owner")
    for response in (
        owner.get(f"/orgs/{site.org_a}"),
        owner.get("/static/devoops.css"),
        owner.get("/no/such/page"),
        client_for(None).get("/login"),
        owner.post(f"/orgs/{site.org_a}/apps", data={}),
    ):
        h = response.headers
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert h["x-frame-options"] == "DENY"
        assert "max-age=" in h["strict-transport-security"]
        assert h["cross-origin-opener-policy"] == "same-origin"
        assert "camera=()" in h["permissions-policy"]
        assert "no-store" in h["cache-control"]
    cookie = client_for(None).post(
        "/login",
        data={
            "email": site.users["owner"].email,
            "password": PASSWORD,
            "csrf": csrf_of(owner.get("/orgs").text),
        },
    )
    assert cookie.status_code == 403  # another visitor's token


def test_the_session_cookie_is_httponly_samesite_and_secure_behind_tls(app: Starlette, site: Site) -> None:
    for base, name, secure in (
        ("http://testserver", auth.SESSION, False),
        ("https://testserver", "__Host-" + auth.SESSION, True),
    ):
        with TestClient(app, base_url=base, follow_redirects=False) as client:
            response = sign_in(client, site.users["owner"].email)
            assert response.status_code == 303
            header = next(v for v in response.headers.get_list("set-cookie") if v.startswith(name + "="))
            assert "HttpOnly" in header and "SameSite=lax" in header and "Path=/" in header
            assert ("Secure" in header) is secure


def test_a_saved_assessments_chart_may_be_cached_and_pages_may_not(
    site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    """Pages hold one member's data: no-store. A radar of a saved assessment never changes, so
    it says `private, max-age` itself, and the no-store default leaves it alone."""
    assess(site)
    viewer = client_for("viewer")
    base = f"/orgs/{site.org_a}/apps/{site.app_a}"
    assert viewer.get(base).headers["cache-control"] == "no-store"
    radar = viewer.get(f"{base}/assessments/{site.assessment_a}/radar.png")
    assert radar.status_code == 200 and radar.headers["content-type"] == "image/png"
    assert radar.headers["cache-control"] == "private, max-age=86400"
