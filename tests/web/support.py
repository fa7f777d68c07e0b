"""A site to test against: a store with two organisations and a user of every role, and a
browser-like client per user that signs in through the login form."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import httpx
from starlette.testclient import TestClient

from devoops.store.accounts import Accounts
from devoops.store.people import Actor, User
from devoops.web import auth

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has a form with a CSRF token"
    return found[1]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sign_in(client: httpx.Client | TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf": token})


def post(
    client: httpx.Client | TestClient, path: str, data: dict[str, str], form_page: str = "/orgs"
) -> httpx.Response:
    """A form post as the browser makes it: with the token of a page the visitor has."""
    token = csrf_of(client.get(form_page).text)
    return client.post(path, data={**data, "csrf": token})


@dataclass
class Site:
    """Organisation A (an owner, engineer, founder and viewer, an app, an open invitation) and
    organisation B (its owner and an app), in one store."""

    accounts: Accounts
    users: dict[str, User] = field(default_factory=dict)
    org_a: int = 0
    org_b: int = 0
    app_a: int = 0
    app_b: int = 0
    invitation_a: int = 0
    invitation_b: int = 0
    assessment_a: int = 0
    assessment_b: int = 0

    def populate(self) -> None:
        hashed = auth.hash_password(PASSWORD)
        a = self.accounts
        t = now()
        for who in ("owner", "engineer", "founder", "viewer", "other"):
            self.users[who] = a.create_user(f"{who}@example.com", who.title(), hashed, t)
        self.org_a = a.create_org("Org A", self.users["owner"], t)
        self.org_b = a.create_org("Org B", self.users["other"], t)
        by = Actor(self.users["owner"].id, "Owner")
        for role in ("engineer", "founder", "viewer"):
            a.invite(self.org_a, role, "", auth.digest(role + "-token"), t, dt.timedelta(days=1), by)
            a.accept(auth.digest(role + "-token"), t, self.users[role])
        a.add_app(self.org_a, "shop", t, by)
        a.add_app(self.org_b, "bank", t, Actor(self.users["other"].id, "Other"))
        self.app_a = a.apps(self.org_a)[0].id
        self.app_b = a.apps(self.org_b)[0].id
        a.invite(self.org_a, "viewer", "for someone", auth.digest("open-a"), t, dt.timedelta(days=1), by)
        other = Actor(self.users["other"].id, "Other")
        a.invite(self.org_b, "viewer", "for someone", auth.digest("open-b"), t, dt.timedelta(days=1), other)
        self.invitation_a = a.pending_invitations(self.org_a, t)[0].id
        self.invitation_b = a.pending_invitations(self.org_b, t)[0].id


def assess(site: Site) -> None:
    """An assessment saved for each organisation's application, as `devoops assess --save`
    saves one, of the document each starts from."""
    from devoops.api.documents import assess_text, starting_text
    from devoops.lens import load_lens

    lens = load_lens()
    for name in ("shop", "bank"):
        text = starting_text(name, lens)
        saved = site.accounts.store.save(assess_text(text, lens, now(), years=0).assessment, text, now())
        setattr(site, f"assessment_{'a' if name == 'shop' else 'b'}", saved.id)


def app_path(site: Site, page: str, org: str = "a") -> str:
    """A page of the workspace of org A's application (or B's)."""
    if org == "a":
        return f"/orgs/{site.org_a}/apps/{site.app_a}/{page}"
    return f"/orgs/{site.org_b}/apps/{site.app_b}/{page}"


def send_file(
    client: httpx.Client | TestClient, site: Site, what: str, name: str, content: bytes
) -> httpx.Response:
    """The inventory page's upload form, as the browser sends it (multipart, with the page's token)."""
    token = csrf_of(client.get(app_path(site, "inventory")).text)
    return client.post(
        app_path(site, "upload"),
        data={"csrf": token, "what": what},
        files={"file": (name, content, "application/octet-stream")},
    )
