"""Access control by declaration. Each page declares who may reach it (`PUBLIC`, `SIGNED_IN`,
or `member(role)`: a member of the organisation in its path, with at least that role), and
`Pages` turns the declaration into the checks, in one order for every route:

1. the session cookie is looked up in the store (no state in the process);
2. a page that needs a user sends the anonymous to the login page, doing nothing;
3. an organisation's page answers 404 to anyone not its member (its existence is not shown),
   and 403 to a member below the role;
4. a state-changing request must carry the CSRF token (security.py), else 403;
5. the handler runs, in a worker thread (the store is synchronous), with a `Ctx`.

Handlers look objects up within `ctx.org_id`, so another organisation's ids answer 404."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ..store import Store
from ..store.accounts import Accounts
from ..store.people import Actor, Membership, Session, User
from . import auth, bodies
from .render import redirect, render
from .security import CSRF_FIELD, SAFE_METHODS, csrf_ok


class Role(IntEnum):
    """The roles of a member, from least to most; each may do what the ones below may."""

    viewer = 1
    founder = 2
    engineer = 3
    owner = 4


@dataclass(frozen=True)
class Access:
    signed_in: bool
    role: Role | None = None  # set: the path names an organisation, `{org:int}`

    def __str__(self) -> str:
        return self.role.name if self.role else ("signed in" if self.signed_in else "public")


PUBLIC = Access(signed_in=False)
SIGNED_IN = Access(signed_in=True)


def member(role: Role) -> Access:
    return Access(signed_in=True, role=role)


@dataclass(frozen=True)
class App:
    """What every request shares: the store, its accounts, the settings, and the clock."""

    store: Store
    accounts: Accounts
    settings: auth.Settings
    htmx: bool
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Visitor:
    """The current user, organisation and role of a request (what `current()` answers)."""

    session: Session | None
    token_hash: str | None  # the digest of the session cookie presented, live or not
    membership: Membership | None = None

    @property
    def user(self) -> User | None:
        return self.session.user if self.session else None

    @property
    def role(self) -> Role | None:
        return Role[self.membership.role] if self.membership else None


@dataclass
class Ctx:
    request: Request
    app: App
    visitor: Visitor
    form: Mapping[str, str]
    now: dt.datetime
    csrf: str
    anonymous_csrf: str | None = None  # a new pre-login token to set as a cookie

    @property
    def user(self) -> User:
        assert self.visitor.user is not None, "declared SIGNED_IN or member(...)"
        return self.visitor.user

    @property
    def org_id(self) -> int:
        assert self.visitor.membership is not None, "declared member(...)"
        return self.visitor.membership.org_id

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, f"{self.user.name} <{self.user.email}>")

    def param(self, name: str) -> Any:
        return self.request.path_params[name]


Handler = Callable[[Ctx], Response]


def current(request: Request) -> Visitor:
    """The visitor of a request that went through a declared page."""
    visitor: Visitor = request.state.visitor
    return visitor


def declared(route: BaseRoute) -> Access | None:
    """A route's declaration; None for a route that made none (the route test fails on it)."""
    return getattr(getattr(route, "endpoint", None), "access", None) or getattr(route, "access", None)


class Pages:
    """A collection of declared routes; each routes module has one."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def get(self, path: str, access: Access) -> Callable[[Handler], Handler]:
        return self.add(path, access, ["GET"])

    def post(self, path: str, access: Access) -> Callable[[Handler], Handler]:
        return self.add(path, access, ["POST"])

    def upload(
        self, path: str, access: Access, limit: int, default_name: str
    ) -> Callable[[Handler], Handler]:
        """A POST whose form carries one file of at most `limit` bytes: the handler finds it in
        `ctx.request.state.upload` as (file name, bytes), or None."""
        return self.add(path, access, ["POST"], (limit, default_name))

    def add(
        self, path: str, access: Access, methods: list[str], upload: tuple[int, str] | None = None
    ) -> Callable[[Handler], Handler]:
        if (access.role is not None) != ("{org:int}" in path):
            raise ValueError(f"{path}: an organisation's page names {{org:int}} and declares a role")

        def register(handler: Handler) -> Handler:
            self.routes.append(
                Route(path, _endpoint(access, handler, upload), methods=methods, name=handler.__name__)
            )
            return handler

        return register


def _endpoint(access: Access, handler: Handler, upload: tuple[int, str] | None) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        form: dict[str, str] = {}
        request.state.upload = None
        if request.method not in SAFE_METHODS:
            try:
                if upload is None:
                    form = await bodies.form(request)
                else:
                    form, request.state.upload = await bodies.form_with_file(request, *upload)
            except bodies.Refused as refused:
                return PlainTextResponse(refused.message, refused.status)
        response: Response = await run_in_threadpool(_serve, request, access, handler, form)
        return response

    endpoint.access = access  # type: ignore[attr-defined]
    endpoint.__doc__ = handler.__doc__
    return endpoint


def _serve(request: Request, access: Access, handler: Handler, form: dict[str, str]) -> Response:
    app: App = request.app.state.devoops
    now = app.clock()
    token = auth.presented(request, auth.SESSION)
    token_hash = auth.digest(token) if token else None
    session = app.accounts.session(token_hash, now, app.settings.session_idle) if token_hash else None
    visitor = Visitor(session, token_hash)
    anonymous = auth.presented(request, auth.ANONYMOUS_CSRF)
    ctx = Ctx(request, app, visitor, form, now, csrf=session.csrf_token if session else (anonymous or ""))
    request.state.visitor = visitor
    if access.signed_in and session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect("/login?" + urllib.parse.urlencode({"next": target}))
    if access.role is not None:
        assert session is not None
        membership = app.accounts.membership(session.user.id, request.path_params["org"])
        if membership is None:
            return render(ctx, "error.html", 404, message="There is no such page.")
        ctx.visitor = request.state.visitor = Visitor(session, token_hash, membership)
        if Role[membership.role] < access.role:
            return render(
                ctx,
                "error.html",
                403,
                message=f"This needs the {access.role.name} role in this organisation.",
            )
    if request.method not in SAFE_METHODS and not csrf_ok(request, form.get(CSRF_FIELD), ctx.csrf or None):
        return render(
            ctx, "error.html", 403, message="The form had expired. Go back, reload the page and try again."
        )
    if session is None and not anonymous:
        ctx.csrf = ctx.anonymous_csrf = auth.new_token()
    response = handler(ctx)
    if ctx.anonymous_csrf:
        auth.set_cookie(request, response, auth.ANONYMOUS_CSRF, ctx.anonymous_csrf, max_age=None)
    return response
