"""The one-page verdict of an application's saved assessment, readable by a founder in two
minutes, its full report a click away, and its tenet radar. Every id in a path is looked up
within the visitor's organisation and the application: another's answers 404."""

from __future__ import annotations

from starlette.responses import Response

from ...api import portfolio
from ...model.summary import HistoryEntry
from ...report.sections import TENET_TITLES
from ...store.people import OrgApp
from ..access import Ctx, Pages, Role, member
from ..render import render

pages = Pages()
VIEWER = member(Role.viewer)
APP = "/orgs/{org:int}/apps/{app:int}"
ASSESSMENT = APP + "/assessments/{assessment:int}"
NO_APP = "There is no such application in this organisation."
NO_ASSESSMENT = "This application has no such saved assessment."


def org_app(ctx: Ctx) -> OrgApp | None:
    """The application named in the path, within the visitor's organisation."""
    found = ctx.app.accounts.apps(ctx.org_id, ctx.param("app"))
    return found[0] if found else None


def base(ctx: Ctx, app: OrgApp) -> str:
    return f"/orgs/{ctx.org_id}/apps/{app.id}"


def missing(ctx: Ctx, message: str = NO_APP) -> Response:
    return render(ctx, "error.html", 404, message=message)


def image(ctx: Ctx, png: bytes, etag: str) -> Response:
    """A figure, answered 304 when the browser already holds this version of it."""
    tag = f'"{etag}"'
    headers = {"ETag": tag, "Cache-Control": "private, max-age=86400"}
    if ctx.request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(png, media_type="image/png", headers=headers)


def assessment(ctx: Ctx) -> tuple[OrgApp, HistoryEntry] | None:
    """The application and its saved assessment named in the path."""
    app = org_app(ctx)
    if app is None:
        return None
    found = portfolio.entry(ctx.app.store, app.name, ctx.param("assessment"))
    return None if found is None else (app, found)


def _page(ctx: Ctx, app: OrgApp, shown: HistoryEntry | None, newest: HistoryEntry | None) -> Response:
    here = base(ctx, app)
    fragment = None
    if shown is not None:
        fragment = portfolio.one_page(ctx.app.store, shown, f"{here}/assessments/{shown.id}/report.html")
    return render(
        ctx,
        "verdict.html",
        app=app,
        base=here,
        shown=shown,
        fragment=fragment,
        newest=newest,
        tenet_titles=TENET_TITLES,
    )


@pages.get(APP + "/verdict", VIEWER)
def newest_verdict(ctx: Ctx) -> Response:
    """The verdict of the newest saved assessment: what a founder opens."""
    app = org_app(ctx)
    if app is None:
        return missing(ctx)
    newest = portfolio.entry(ctx.app.store, app.name)
    return _page(ctx, app, newest, newest)


@pages.get(ASSESSMENT, VIEWER)
def assessment_verdict(ctx: Ctx) -> Response:
    """The verdict of one saved assessment of the history."""
    found = assessment(ctx)
    if found is None:
        return missing(ctx, NO_ASSESSMENT)
    app, shown = found
    return _page(ctx, app, shown, portfolio.entry(ctx.app.store, app.name))


@pages.get(ASSESSMENT + "/report.html", VIEWER)
def full_report(ctx: Ctx) -> Response:
    """The full HTML report, as a file: it carries its own styles and charts inline, which the
    app's Content-Security-Policy refuses in a page, and it opens offline."""
    found = assessment(ctx)
    if found is None:
        return missing(ctx, NO_ASSESSMENT)
    shown = found[1]
    name = f"devoops-{shown.id}-{shown.generated_at:%Y%m%d-%H%M}.html"
    return Response(
        portfolio.full_report(ctx.app.store, shown).encode(),
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@pages.get(ASSESSMENT + "/radar.png", VIEWER)
def tenet_radar(ctx: Ctx) -> Response:
    """Importance against maturity per tenet, drawn once per saved assessment."""
    found = assessment(ctx)
    if found is None:
        return missing(ctx, NO_ASSESSMENT)
    shown = found[1]
    return image(ctx, portfolio.tenet_radar(ctx.app.store, shown), f"radar-{shown.uid}")
