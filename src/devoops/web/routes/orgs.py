"""The organisations a user belongs to, and an organisation's applications: the portfolio's
skeleton, each application with the age of its newest saved assessment."""

from __future__ import annotations

from starlette.responses import Response

from ...store.people import Conflict
from .. import forms
from ..access import SIGNED_IN, Ctx, Pages, Role, member
from ..render import redirect, render

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
    return render(ctx, "portfolio.html", apps=ctx.app.accounts.apps(ctx.org_id), errors={})


@pages.post("/orgs/{org:int}/apps", member(Role.owner))
def add_app(ctx: Ctx) -> Response:
    try:
        name = forms.text(ctx.form, "name")
        ctx.app.accounts.add_app(ctx.org_id, name, ctx.now, ctx.actor)
    except forms.FieldError as e:
        return render(
            ctx, "portfolio.html", 400, apps=ctx.app.accounts.apps(ctx.org_id), errors={e.field: e.message}
        )
    except Conflict as e:
        return render(
            ctx, "portfolio.html", 409, apps=ctx.app.accounts.apps(ctx.org_id), errors={"name": str(e)}
        )
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
