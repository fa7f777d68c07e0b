"""Getting in and out: the first owner's setup link, login, logout, joining by invitation,
and changing one's password."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from ...store.people import Conflict, InvalidLink
from .. import auth, forms
from ..access import PUBLIC, SIGNED_IN, Ctx, Pages
from ..render import redirect, render

pages = Pages()

NOT_VALID = "This link is not valid: it was used already, it expired, or it never existed. Ask for a new one."


@pages.get("/", PUBLIC)
def home(ctx: Ctx) -> Response:
    return redirect("/orgs" if ctx.visitor.user else "/login")


@pages.get("/health", PUBLIC)
def health(ctx: Ctx) -> Response:
    """For the load balancer: answers once the store is reachable."""
    ctx.app.accounts.count_users()
    return PlainTextResponse("ok")


@pages.get("/login", PUBLIC)
def login_form(ctx: Ctx) -> Response:
    return render(ctx, "login.html", next=forms.local_path(ctx.request.query_params.get("next")), errors={})


@pages.post("/login", PUBLIC)
def login(ctx: Ctx) -> Response:
    next = forms.local_path(ctx.form.get("next"))
    try:
        email = forms.email(ctx.form)
        password = forms.password(ctx.form)
    except forms.FieldError as e:
        return render(
            ctx, "login.html", 400, next=next, errors={e.field: e.message}, email=ctx.form.get("email", "")
        )
    address = ctx.request.client.host if ctx.request.client else "unknown"
    try:
        user = auth.check_password(ctx.app.accounts, ctx.app.settings, email, password, address, ctx.now)
    except auth.Throttled:
        minutes = int(ctx.app.settings.login_window.total_seconds() // 60)
        message = f"Too many failed attempts. Wait {minutes} minutes and try again."
        return render(ctx, "login.html", 429, next=next, errors={"form": message}, email=email)
    if user is None:
        message = "That email and password do not match an account."
        return render(ctx, "login.html", 400, next=next, errors={"form": message}, email=email)
    response = redirect(next)
    auth.start_session(
        ctx.app.accounts, ctx.app.settings, ctx.request, response, user, ctx.now, ctx.visitor.token_hash
    )
    return response


@pages.post("/logout", SIGNED_IN)
def logout(ctx: Ctx) -> Response:
    assert ctx.visitor.token_hash is not None
    ctx.app.accounts.end_session(ctx.visitor.token_hash)
    response = redirect("/login")
    auth.clear_cookie(ctx.request, response, auth.SESSION)
    return response


@pages.get("/setup/{token}", PUBLIC)
def setup_form(ctx: Ctx) -> Response:
    if not ctx.app.accounts.setup_link_valid(auth.digest(ctx.param("token")), ctx.now):
        return render(ctx, "error.html", 404, message=NOT_VALID)
    return render(ctx, "setup.html", errors={}, values={})


@pages.post("/setup/{token}", PUBLIC)
def setup(ctx: Ctx) -> Response:
    token_hash = auth.digest(ctx.param("token"))
    try:
        email, name = forms.email(ctx.form), forms.text(ctx.form, "name")
        organisation = forms.text(ctx.form, "organisation")
        password = forms.password(ctx.form, new=True)
    except forms.FieldError as e:
        return render(ctx, "setup.html", 400, errors={e.field: e.message}, values=ctx.form)
    try:
        user = ctx.app.accounts.setup(
            token_hash, ctx.now, email, name, auth.hash_password(password), organisation
        )
    except InvalidLink:
        return render(ctx, "error.html", 404, message=NOT_VALID)
    response = redirect("/orgs")
    auth.start_session(
        ctx.app.accounts, ctx.app.settings, ctx.request, response, user, ctx.now, ctx.visitor.token_hash
    )
    return response


@pages.get("/join/{token}", PUBLIC)
def join_form(ctx: Ctx) -> Response:
    try:
        invitation = ctx.app.accounts.invitation(auth.digest(ctx.param("token")), ctx.now)
    except InvalidLink:
        return render(ctx, "error.html", 404, message=NOT_VALID)
    return render(ctx, "join.html", invitation=invitation, errors={}, values={})


@pages.post("/join/{token}", PUBLIC)
def join(ctx: Ctx) -> Response:
    token_hash = auth.digest(ctx.param("token"))
    accounts = ctx.app.accounts
    try:
        invitation = accounts.invitation(token_hash, ctx.now)
    except InvalidLink:
        return render(ctx, "error.html", 404, message=NOT_VALID)
    new = None
    if ctx.visitor.user is None:
        try:
            email, name = forms.email(ctx.form), forms.text(ctx.form, "name")
            new = (email, name, auth.hash_password(forms.password(ctx.form, new=True)))
        except forms.FieldError as e:
            return render(
                ctx, "join.html", 400, invitation=invitation, errors={e.field: e.message}, values=ctx.form
            )
    try:
        user = accounts.accept(token_hash, ctx.now, ctx.visitor.user, new)
    except InvalidLink:
        return render(ctx, "error.html", 404, message=NOT_VALID)
    except Conflict as e:
        return render(ctx, "join.html", 409, invitation=invitation, errors={"form": str(e)}, values=ctx.form)
    response = redirect(f"/orgs/{invitation.org_id}")
    if ctx.visitor.user is None:
        auth.start_session(
            accounts, ctx.app.settings, ctx.request, response, user, ctx.now, ctx.visitor.token_hash
        )
    return response


@pages.get("/account/password", SIGNED_IN)
def password_form(ctx: Ctx) -> Response:
    return render(ctx, "password.html", errors={}, done=ctx.request.query_params.get("done") == "1")


@pages.post("/account/password", SIGNED_IN)
def change_password(ctx: Ctx) -> Response:
    """Every session of the user ends, on every device; this browser gets a new one."""
    accounts = ctx.app.accounts
    try:
        old = forms.password(ctx.form, "current")
        new = forms.password(ctx.form, "new", new=True)
        if ctx.form.get("repeat", "") != new:
            raise forms.FieldError("repeat", "the two new passwords differ")
    except forms.FieldError as e:
        return render(ctx, "password.html", 400, errors={e.field: e.message}, done=False)
    if not auth.verify(accounts.password_hash(ctx.user.id), old):
        return render(
            ctx, "password.html", 400, errors={"current": "that is not your current password"}, done=False
        )
    accounts.set_password(ctx.user.id, auth.hash_password(new), ctx.now, ctx.actor)
    response = redirect("/account/password?done=1")
    auth.start_session(accounts, ctx.app.settings, ctx.request, response, ctx.user, ctx.now, None)
    return response
