"""Access control, route by route: every route of the app declares who may reach it, and each
refuses an anonymous visitor, a member below its role, and a member of another organisation;
the ids of another organisation's objects answer 404 and change nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from devoops.store.workloads import Workloads
from devoops.web.access import Role, declared

from . import access_pages
from .conftest import state
from .support import Site, assess, csrf_of, now

ROLES = ("viewer", "founder", "engineer", "owner")


@pytest.fixture(autouse=True)
def assessed(site: Site) -> None:
    """A saved assessment in each organisation, for the pages that name one."""
    assess(site)


def routes(app: Starlette) -> list[tuple[str, str, Route]]:
    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((method, route.path, route))
    return found


def concrete(path: str, site: Site, org: int, objects: str = "a") -> str:
    """The path with its parameters filled: the organisation given, and objects of org A or B."""
    values = {
        "org": org,
        "app": site.app_a if objects == "a" else site.app_b,
        "invitation": site.invitation_a if objects == "a" else site.invitation_b,
        "user": site.users["viewer" if objects == "a" else "other"].id,
        "token": "not-a-token",
        "step": 1,
        "assessment": site.assessment_a if objects == "a" else site.assessment_b,
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m[1]]), path)


def snapshot(app: Starlette, site: Site) -> tuple[object, ...]:
    """What a refused request must leave as it was: each organisation's applications, members,
    invitations and workload versions, and the saved assessments."""
    a = state(app).accounts
    documents = Workloads(state(app).store)
    t = now()
    return (
        *(
            (
                a.apps(org),
                a.members(org),
                [i.id for i in a.pending_invitations(org, t)],
                documents.versions(org, app_id),
            )
            for org, app_id in ((site.org_a, site.app_a), (site.org_b, site.app_b))
        ),
        state(app).store.history(),
    )


def request(client: TestClient, method: str, path: str, csrf_page: str = "/orgs") -> int:
    if method == "GET":
        return client.get(path).status_code
    token = csrf_of(client.get(csrf_page).text)
    return client.post(path, data={"csrf": token, "role": "owner", "name": "x", "note": "x"}).status_code


EXPECTED = {
    ("GET", "/"): "public",
    ("GET", "/health"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "signed in",
    ("GET", "/setup/{token}"): "public",
    ("POST", "/setup/{token}"): "public",
    ("GET", "/join/{token}"): "public",
    ("POST", "/join/{token}"): "public",
    ("GET", "/account/password"): "signed in",
    ("POST", "/account/password"): "signed in",
    ("GET", "/orgs"): "signed in",
    ("POST", "/orgs"): "signed in",
    ("GET", "/orgs/{org:int}"): "viewer",
    ("POST", "/orgs/{org:int}/apps"): "owner",
    ("GET", "/orgs/{org:int}/apps/{app:int}"): "viewer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/remove"): "owner",
    ("GET", "/orgs/{org:int}/members"): "owner",
    ("POST", "/orgs/{org:int}/invitations"): "owner",
    ("POST", "/orgs/{org:int}/invitations/{invitation:int}/revoke"): "owner",
    ("POST", "/orgs/{org:int}/members/{user:int}/role"): "owner",
    ("POST", "/orgs/{org:int}/members/{user:int}/remove"): "owner",
    ("GET", "/orgs/{org:int}/audit"): "viewer",
    ("GET", "/orgs/{org:int}/apps/{app:int}/workspace"): "viewer",
    ("GET", "/orgs/{org:int}/apps/{app:int}/devoops.yaml"): "viewer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/assess"): "engineer",
    ("GET", "/orgs/{org:int}/apps/{app:int}/practices"): "viewer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/practices/choice"): "engineer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/practices/exemption"): "engineer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/practices/not-applicable"): "engineer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/practices/clear"): "engineer",
    ("GET", "/orgs/{org:int}/apps/{app:int}/inventory"): "viewer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/inventory/component"): "engineer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/inventory/remove"): "engineer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/upload"): "engineer",
    ("GET", "/orgs/{org:int}/apps/{app:int}/wizard"): "viewer",
    ("GET", "/orgs/{org:int}/apps/{app:int}/wizard/{step:int}"): "viewer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/wizard/{step:int}"): "founder",
    ("POST", "/orgs/{org:int}/apps/{app:int}/wizard/{step:int}/consequence"): "founder",
    ("POST", "/orgs/{org:int}/apps/{app:int}/wizard/finish"): "founder",
    ("GET", "/orgs/{org:int}/apps/{app:int}/quiz"): "viewer",
    ("POST", "/orgs/{org:int}/apps/{app:int}/quiz"): "founder",
}
"""Who may reach what, written down once more: a route added, or a declaration loosened,
fails here until this table agrees (and the tests below then check the new route too)."""
EXPECTED |= access_pages.ACCESS


def test_every_route_declares_who_may_reach_it(app: Starlette) -> None:
    for route in app.routes:
        assert declared(route) is not None, f"{route.path} declares no access"
    assert {(m, p): str(declared(r)) for m, p, r in routes(app)} == EXPECTED
    org_routes = [r for _, _, r in routes(app) if "{org" in r.path]
    assert org_routes and all(declared(r).role is not None for r in org_routes)  # type: ignore[union-attr]


def test_anonymous_visitors_reach_only_public_routes(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    before = snapshot(app, site)
    anonymous = client_for(None)
    checked = 0
    for method, path, route in routes(app):
        if not declared(route).signed_in:  # type: ignore[union-attr]
            continue
        response = (
            anonymous.get(concrete(path, site, site.org_a))
            if method == "GET"
            else anonymous.post(
                concrete(path, site, site.org_a),
                data={"csrf": csrf_of(anonymous.get("/login").text), "role": "owner"},
            )
        )
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("/login?next="), (method, path)
        checked += 1
    assert checked >= 15
    assert snapshot(app, site) == before


@pytest.mark.parametrize("who", ["viewer", "founder", "engineer"])
def test_members_below_a_routes_role_are_refused(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient], who: str
) -> None:
    before = snapshot(app, site)
    client = client_for(who)
    refused = 0
    for method, path, route in routes(app):
        needed = declared(route).role  # type: ignore[union-attr]
        if needed is None or (Role[who] >= needed and method != "GET"):
            continue  # what an allowed form does is tested with the form's page
        status = request(client, method, concrete(path, site, site.org_a), f"/orgs/{site.org_a}")
        if Role[who] < needed:
            assert status == 403, (who, method, path)
            refused += 1
        elif method == "GET":
            assert status == 200, (who, method, path)
    assert refused > 0
    assert snapshot(app, site) == before


def test_another_organisations_member_gets_404_everywhere(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    """The owner of B, with every right in B, asks for A's pages: none exists for them."""
    before = snapshot(app, site)
    other = client_for("other")
    for method, path, route in routes(app):
        if declared(route).role is None:  # type: ignore[union-attr]
            continue
        assert request(other, method, concrete(path, site, site.org_a), f"/orgs/{site.org_b}") == 404, (
            method,
            path,
        )
    assert snapshot(app, site) == before


def test_ids_of_another_organisations_objects_are_404_in_ones_own(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    """No direct object references: A's owner, in A's pages, names B's app, invitation, member."""
    before = snapshot(app, site)
    owner = client_for("owner")
    checked = 0
    for method, path, route in routes(app):
        if declared(route).role is None or not re.search(r"\{(app|invitation|user|assessment)", path):  # type: ignore[union-attr]
            continue
        status = request(owner, method, concrete(path, site, site.org_a, objects="b"), f"/orgs/{site.org_a}")
        assert status == 404, (method, path)
        checked += 1
    assert checked == sum(1 for _, path in EXPECTED if re.search(r"\{(app|invitation|user|assessment)", path))
    assert snapshot(app, site) == before


def test_each_role_sees_its_organisations_pages_and_the_owner_acts(
    app: Starlette, site: Site, client_for: Callable[[str | None], TestClient]
) -> None:
    viewer = client_for("viewer")
    page = viewer.get(f"/orgs/{site.org_a}").text
    assert "shop" in page and "bank" not in page
    assert "Add an application" not in page and f"/orgs/{site.org_a}/members" not in page
    assert viewer.get("/orgs").text.count("/orgs/") == 1  # A only

    owner = client_for("owner")
    token = csrf_of(owner.get(f"/orgs/{site.org_a}").text)
    assert owner.post(f"/orgs/{site.org_a}/apps", data={"csrf": token, "name": "blog"}).status_code == 303
    assert [a.name for a in state(app).accounts.apps(site.org_a)] == ["blog", "shop"]
    # B already holds "bank": A cannot take it.
    assert owner.post(f"/orgs/{site.org_a}/apps", data={"csrf": token, "name": "bank"}).status_code == 409
    viewer_id = site.users["viewer"].id
    path = f"/orgs/{site.org_a}/members/{viewer_id}/role"
    assert owner.post(path, data={"csrf": token, "role": "engineer"}).status_code == 303
    assert state(app).accounts.membership(viewer_id, site.org_a).role == "engineer"  # type: ignore[union-attr]
    # The last owner cannot step down or leave.
    me = site.users["owner"].id
    assert (
        owner.post(
            f"/orgs/{site.org_a}/members/{me}/role", data={"csrf": token, "role": "viewer"}
        ).status_code
        == 409
    )
    assert owner.post(f"/orgs/{site.org_a}/members/{me}/remove", data={"csrf": token}).status_code == 409
    trail = viewer.get(f"/orgs/{site.org_a}/audit").text
    assert "app.added" in trail and "member.role" in trail and "engineer" in trail
