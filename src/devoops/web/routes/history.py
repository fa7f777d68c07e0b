"""An application's history: every saved assessment with its verdict, risks and maturity; the
diff of any two of them; its milestones; and availability and latency as saved audits
measured them, against their targets. Milestones are the store's (`devoops milestone`)."""

from __future__ import annotations

from starlette.responses import Response

from ...api import portfolio
from ...base.errors import UsageError
from ...report.html import light_markdown
from ...store.people import OrgApp
from .. import forms
from ..access import Ctx, Pages, Role, member
from ..audit import audit
from ..render import redirect, render
from .verdict import APP, VIEWER, base, image, missing, org_app

pages = Pages()


def _number(ctx: Ctx, name: str) -> int | None:
    value = ctx.request.query_params.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _history(ctx: Ctx, app: OrgApp, status: int = 200, errors: dict[str, str] | None = None) -> Response:
    store = ctx.app.store
    measured, _ = portfolio.measured_now(store, app.name)
    lines = portfolio.history(store, app.name)
    return render(
        ctx,
        "history.html",
        status,
        app=app,
        base=base(ctx, app),
        lines=lines,
        entries=[line[0] for line in lines],
        milestones=portfolio.milestones_of(store, app.name),
        measured=measured,
        errors=errors or {},
        can_tag=ctx.visitor.role is not None and ctx.visitor.role >= Role.engineer,
    )


@pages.get(APP + "/history", VIEWER)
def history(ctx: Ctx) -> Response:
    app = org_app(ctx)
    if app is None:
        return missing(ctx)
    return _history(ctx, app)


@pages.get(APP + "/diff", VIEWER)
def compare(ctx: Ctx) -> Response:
    """`?before=ID&after=ID`, both of this application; without them, its two newest."""
    app = org_app(ctx)
    if app is None:
        return missing(ctx)
    store = ctx.app.store
    entries = store.history(app.name, limit=portfolio.HISTORY)[::-1]
    before, after = _number(ctx, "before"), _number(ctx, "after")
    if before is None and after is None and len(entries) >= 2:
        before, after = entries[1].id, entries[0].id
    compared = None
    if before is not None and after is not None:
        compared = portfolio.compare(store, app.name, before, after)
        if compared is None:
            return missing(ctx, "This application has no such saved assessment.")
    return render(
        ctx,
        "diff.html",
        app=app,
        base=base(ctx, app),
        entries=entries,
        before=before,
        after=after,
        compared=compared,
        md=light_markdown,
    )


@pages.post(APP + "/milestones", member(Role.engineer))
def tag(ctx: Ctx) -> Response:
    """Name a saved assessment (default: the newest) as `devoops milestone create` does."""
    app = org_app(ctx)
    if app is None:
        return missing(ctx)
    chosen = ctx.form.get("assessment", "")
    ref = int(chosen) if chosen.isascii() and chosen.isdigit() and len(chosen) < 12 else None
    if chosen and ref is None:
        return missing(ctx, "This application has no such saved assessment.")
    tagged = portfolio.entry(ctx.app.store, app.name, ref)
    if tagged is None:
        if ref is not None:
            return missing(ctx, "This application has no such saved assessment.")
        return _history(ctx, app, 400, {"name": "Save an assessment first: a milestone names one."})
    try:
        name = forms.text(ctx.form, "name")
        ctx.app.store.create_milestone(name, app.name, str(tagged.id))
    except forms.FieldError as e:
        return _history(ctx, app, 400, {e.field: e.message})
    except UsageError as e:
        return _history(ctx, app, 400, {"name": str(e)})
    audit(ctx, "milestone.created", f"{app.name}: {name}", None, {"assessment": tagged.id})
    return redirect(f"{base(ctx, app)}/history#milestones")


def _chart(ctx: Ctx, which: str) -> Response:
    app = org_app(ctx)
    if app is None:
        return missing(ctx)
    png, etag = portfolio.chart(ctx.app.store, app.name, which)
    return image(ctx, png, etag)


@pages.get(APP + "/availability.png", VIEWER)
def availability_chart(ctx: Ctx) -> Response:
    """Availability over time from saved audits, against the SLO of each."""
    return _chart(ctx, "availability")


@pages.get(APP + "/latency.png", VIEWER)
def latency_chart(ctx: Ctx) -> Response:
    """p95 and p99 latency over time from saved audits, against their targets."""
    return _chart(ctx, "latency")
