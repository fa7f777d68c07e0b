"""An organisation's members and invitations: the owner's page. An invitation's link is shown
once, when it is made; the store keeps only its digest."""

from __future__ import annotations

from starlette.responses import Response

from ...store.people import ROLES, Conflict
from .. import auth, forms
from ..access import Ctx, Pages, Role, member
from ..render import redirect, render

pages = Pages()
OWNER = member(Role.owner)
NO_MEMBER = "There is no such member in this organisation."


def _page(
    ctx: Ctx, status: int = 200, errors: dict[str, str] | None = None, link: str | None = None
) -> Response:
    accounts = ctx.app.accounts
    return render(
        ctx,
        "members.html",
        status,
        members=accounts.members(ctx.org_id),
        invitations=accounts.pending_invitations(ctx.org_id, ctx.now),
        roles=ROLES,
        errors=errors or {},
        link=link,
        ttl_days=ctx.app.settings.invitation_ttl.days,
    )


@pages.get("/orgs/{org:int}/members", OWNER)
def members(ctx: Ctx) -> Response:
    return _page(ctx)


@pages.post("/orgs/{org:int}/invitations", OWNER)
def invite(ctx: Ctx) -> Response:
    try:
        role = forms.role(ctx.form)
        note = forms.text(ctx.form, "note", required=False)
    except forms.FieldError as e:
        return _page(ctx, 400, {e.field: e.message})
    token = auth.new_token()
    ctx.app.accounts.invite(
        ctx.org_id, role, note, auth.digest(token), ctx.now, ctx.app.settings.invitation_ttl, ctx.actor
    )
    return _page(ctx, 201, link=str(ctx.request.url_for("join_form", token=token)))


@pages.post("/orgs/{org:int}/invitations/{invitation:int}/revoke", OWNER)
def revoke(ctx: Ctx) -> Response:
    if not ctx.app.accounts.revoke_invitation(ctx.org_id, ctx.param("invitation"), ctx.now, ctx.actor):
        return render(ctx, "error.html", 404, message="There is no such invitation in this organisation.")
    return redirect(f"/orgs/{ctx.org_id}/members")


@pages.post("/orgs/{org:int}/members/{user:int}/role", OWNER)
def set_role(ctx: Ctx) -> Response:
    try:
        role = forms.role(ctx.form)
        changed = ctx.app.accounts.set_role(ctx.org_id, ctx.param("user"), role, ctx.now, ctx.actor)
    except forms.FieldError as e:
        return _page(ctx, 400, {e.field: e.message})
    except Conflict as e:
        return _page(ctx, 409, {"form": str(e)})
    if not changed:
        return render(ctx, "error.html", 404, message=NO_MEMBER)
    return redirect(f"/orgs/{ctx.org_id}/members")


@pages.post("/orgs/{org:int}/members/{user:int}/remove", OWNER)
def remove(ctx: Ctx) -> Response:
    try:
        removed = ctx.app.accounts.remove_member(ctx.org_id, ctx.param("user"), ctx.now, ctx.actor)
    except Conflict as e:
        return _page(ctx, 409, {"form": str(e)})
    if not removed:
        return render(ctx, "error.html", 404, message=NO_MEMBER)
    return redirect(f"/orgs/{ctx.org_id}/members")
