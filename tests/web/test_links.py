"""Getting in: the one-time setup link for the first owner and the owners' invitation links,
each single-use and expiring, spent once even when two requests race for it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.store.accounts import Accounts
from devoops.store.people import Actor, InvalidLink
from devoops.web import auth

from .conftest import state
from .support import PASSWORD, Site, csrf_of, now, sign_in

NEW = {"name": "Ada", "email": "ada@example.com", "password": "a long enough password"}


def form(client: TestClient, path: str, data: dict[str, str]) -> int:
    page = client.get(path)
    if page.status_code != 200:
        return page.status_code
    return client.post(path, data={**data, "csrf": csrf_of(page.text)}).status_code


def test_the_setup_link_makes_the_first_owner_once(app: Starlette) -> None:
    accounts = state(app).accounts
    token = auth.new_token()
    accounts.create_setup_link(auth.digest(token), now(), dt.timedelta(hours=1))
    with TestClient(app, follow_redirects=False) as first:
        bad = form(first, f"/setup/{token}", {**NEW, "password": "short", "organisation": "Acme"})
        assert bad == 400 and accounts.count_users() == 0
        assert form(first, f"/setup/{token}", {**NEW, "organisation": "Acme"}) == 303
        orgs = first.get("/orgs").text
        assert "Acme" in orgs and "(owner)" in orgs
    with TestClient(app, follow_redirects=False) as second:  # spent
        assert second.get(f"/setup/{token}").status_code == 404
        assert (
            second.post(f"/setup/{token}", data={**NEW, "organisation": "X", "csrf": "x"}).status_code == 403
        )
    # A new link once someone exists is no way in either.
    again = auth.new_token()
    accounts.create_setup_link(auth.digest(again), now(), dt.timedelta(hours=1))
    with TestClient(app, follow_redirects=False) as third:
        assert (
            form(third, f"/setup/{again}", {**NEW, "email": "eve@example.com", "organisation": "Evil"}) == 404
        )
    assert accounts.count_users() == 1


def test_an_expired_or_unknown_setup_link_is_refused(app: Starlette) -> None:
    accounts = state(app).accounts
    live, expired = auth.new_token(), auth.new_token()
    accounts.create_setup_link(auth.digest(expired), now() - dt.timedelta(hours=2), dt.timedelta(hours=1))
    accounts.create_setup_link(auth.digest(live), now(), dt.timedelta(hours=1))
    with TestClient(app, follow_redirects=False) as client:
        assert client.get(f"/setup/{expired}").status_code == 404
        assert client.get(f"/setup/{live[:-1]}").status_code == 404
        assert form(client, f"/setup/{expired}", {**NEW, "organisation": "Acme"}) == 404
        assert client.get(f"/setup/{live}").status_code == 200
    assert accounts.count_users() == 0


def test_an_owner_invites_and_the_link_works_once(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    owner = client_for("owner")
    token = csrf_of(owner.get(f"/orgs/{site.org_a}/members").text)
    made = owner.post(
        f"/orgs/{site.org_a}/invitations", data={"csrf": token, "role": "founder", "note": "Ada"}
    )
    assert made.status_code == 201
    link = re.search(r'value="(http://testserver/join/[^"]+)"', made.text)
    assert link
    path = link[1].removeprefix("http://testserver")
    newcomer = client_for(None)
    assert "as <strong>founder</strong>" in newcomer.get(path).text
    assert form(newcomer, path, NEW) == 303
    assert newcomer.get(f"/orgs/{site.org_a}").status_code == 200
    ada = state(app).accounts.credentials("ada@example.com")
    assert ada and state(app).accounts.membership(ada[0].id, site.org_a).role == "founder"  # type: ignore[union-attr]
    assert form(client_for(None), path, {**NEW, "email": "bob@example.com"}) == 404  # spent
    assert form(client_for("other"), path, {}) == 404


def test_a_signed_in_user_joins_and_a_member_keeps_the_link_unspent(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    accounts = state(app).accounts
    t = now()
    by = Actor(site.users["owner"].id, "Owner")
    accounts.invite(site.org_a, "engineer", "", auth.digest("join-me"), t, dt.timedelta(days=1), by)
    member = client_for("viewer")
    page = member.get("/join/join-me")
    refused = member.post("/join/join-me", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 409 and "already a member" in refused.text
    other = client_for("other")
    assert form(other, "/join/join-me", {}) == 303
    assert accounts.membership(site.users["other"].id, site.org_a).role == "engineer"  # type: ignore[union-attr]
    # An account that exists is told to sign in, not given a second one.
    accounts.invite(site.org_a, "viewer", "", auth.digest("second"), t, dt.timedelta(days=1), by)
    taken = client_for(None)
    page = taken.get("/join/second")
    response = taken.post(
        "/join/second", data={**NEW, "email": site.users["founder"].email, "csrf": csrf_of(page.text)}
    )
    assert response.status_code == 409 and "sign in with it" in response.text
    assert sign_in(client_for(None), site.users["founder"].email, PASSWORD).status_code == 303


def test_expired_and_revoked_invitations_are_refused(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    accounts = state(app).accounts
    by = Actor(site.users["owner"].id, "Owner")
    accounts.invite(
        site.org_a, "owner", "", auth.digest("old"), now() - dt.timedelta(days=8), dt.timedelta(days=7), by
    )
    anonymous = client_for(None)
    assert anonymous.get("/join/old").status_code == 404
    owner = client_for("owner")
    token = csrf_of(owner.get(f"/orgs/{site.org_a}/members").text)
    revoke = f"/orgs/{site.org_a}/invitations/{site.invitation_a}/revoke"
    assert owner.post(revoke, data={"csrf": token}).status_code == 303
    assert anonymous.get("/join/open-a").status_code == 404
    assert owner.post(revoke, data={"csrf": token}).status_code == 404


@pytest.mark.parametrize("link", ["setup", "invitation"])
def test_two_requests_racing_for_one_link_spend_it_once(accounts: Accounts, link: str) -> None:
    t = now()
    if link == "invitation":
        owner = accounts.create_user("o@example.com", "O", auth.hash_password(PASSWORD), t)
        org = accounts.create_org("Org", owner, t)
        accounts.invite(org, "viewer", "", auth.digest("race"), t, dt.timedelta(days=1), Actor(owner.id, "O"))
    else:
        accounts.create_setup_link(auth.digest("race"), t, dt.timedelta(days=1))

    def spend(n: int) -> bool:
        try:
            if link == "setup":
                accounts.setup(auth.digest("race"), t, f"u{n}@example.com", "U", "x", "Org")
            else:
                accounts.accept(auth.digest("race"), t, None, (f"u{n}@example.com", "U", "x"))
            return True
        except InvalidLink:
            return False

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(spend, range(8))) == [False] * 7 + [True]
