"""The organisations a user belongs to, an organisation's page (its portfolio, portfolio.py),
its applications added and removed, and one application's page."""

from __future__ import annotations

from starlette.responses import Response

from ...store.people import Conflict
from .. import forms
from ..access import SIGNED_IN, Ctx, Pages, Role, member
from ..render import redirect, render
from . import portfolio as portfolio_page

pages = Pages()


@pages.get("/orgs", SIGNED_IN)
def organisations(ctx: Ctx) -> Response:
    return render(ctx, "orgs.html", memberships=ctx.app.accounts.memberships(ctx.user.id), errors={})


@pages.post("/orgs", SIGNED_IN)
def create_organisation(ctx: Ctx) -> Response:
    """Anyone signed in may start an organisation, and owns it."""
    try:
        name = forms.text(ctx.form, "name")
    except forms.FieldError as e:
        memberships = ctx.app.accounts.memberships(ctx.user.id)
        return render(ctx, "orgs.html", 400, memberships=memberships, errors={e.field: e.message})
    org_id = ctx.app.accounts.create_org(name, ctx.user, ctx.now)
    return redirect(f"/orgs/{org_id}")


@pages.get("/orgs/{org:int}", member(Role.viewer))
def portfolio(ctx: Ctx) -> Response:
    return portfolio_page.page(ctx)


@pages.post("/orgs/{org:int}/apps", member(Role.owner))
def add_app(ctx: Ctx) -> Response:
    try:
        name = forms.text(ctx.form, "name")
        ctx.app.accounts.add_app(ctx.org_id, name, ctx.now, ctx.actor)
    except forms.FieldError as e:
        return portfolio_page.page(ctx, 400, {e.field: e.message})
    except Conflict as e:
        return portfolio_page.page(ctx, 409, {"name": str(e)})
    return redirect(f"/orgs/{ctx.org_id}")


@pages.get("/orgs/{org:int}/apps/{app:int}", member(Role.viewer))
def application(ctx: Ctx) -> Response:
    found = ctx.app.accounts.apps(ctx.org_id, ctx.param("app"))
    if not found:
        return render(ctx, "error.html", 404, message="There is no such application in this organisation.")
    history = ctx.app.store.history(found[0].name, limit=50) if found[0].assessments else []
    return render(ctx, "app.html", app=found[0], history=history[::-1])


@pages.post("/orgs/{org:int}/apps/{app:int}/remove", member(Role.owner))
def remove_app(ctx: Ctx) -> Response:
    if not ctx.app.accounts.remove_app(ctx.org_id, ctx.param("app"), ctx.now, ctx.actor):
        return render(ctx, "error.html", 404, message="There is no such application in this organisation.")
    return redirect(f"/orgs/{ctx.org_id}")
