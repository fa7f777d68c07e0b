"""The practices of one application, grouped by tenet: each choice with what it would mean at
the application's importance today, set with one click (one small form per choice, so it works
without JavaScript); an exemption with its owner, reason and expiry, or not-applicable with its
reason. Engineers and owners change them; everyone in the organisation reads them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from starlette.responses import Response

from ...api.documents import (
    FILE,
    Change,
    clear_practice,
    practice_board,
    set_choice,
    set_exemption,
    set_not_applicable,
)
from ...api.workload import load_text
from ...base.errors import InputError
from ...store.people import Conflict
from .. import forms
from ..access import Ctx, Pages
from ..render import redirect, render
from .workspace import APP, ENGINEER, VIEWER, Document, document, no_app, save

pages = Pages()
REASON_LIMIT = 500
EXEMPTION_YEARS = 5
"""The longest exemption taken: one that lasts longer is a decision, record it as a choice."""


def _page(
    ctx: Ctx, doc: Document, status: int = 200, errors: dict[str, dict[str, str]] | None = None
) -> Response:
    workload = load_text(doc.text, doc.lens, FILE).workload
    return render(
        ctx,
        "practices.html",
        status,
        doc=doc,
        groups=practice_board(workload, doc.lens, ctx.now.date()),
        errors=errors or {},
        values=ctx.form,
        today=ctx.now.date(),
    )


@pages.get(APP + "/practices", VIEWER)
def practices(ctx: Ctx) -> Response:
    doc = document(ctx)
    return no_app(ctx) if doc is None else _page(ctx, doc)


def _change(ctx: Ctx, make: Callable[[Document, str], Change]) -> Response:
    """Apply one practice's change; a refused field is shown beside it, under its practice."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    practice = ctx.form.get("practice", "")
    if doc.lens.practice(practice) is None:
        return render(ctx, "error.html", 404, message="There is no such practice.")
    try:
        change = make(doc, practice)
        save(ctx, doc, change, "practice.changed")
    except forms.FieldError as e:
        return _page(ctx, doc, 400, {practice: {e.field: e.message}})
    except InputError as e:
        return _page(ctx, doc, 400, {practice: {"form": str(e)}})
    except Conflict as e:
        return _page(ctx, doc, 409, {practice: {"form": str(e)}})
    return redirect(doc.path(ctx, "practices") + f"#{practice}")


@pages.post(APP + "/practices/choice", ENGINEER)
def choose(ctx: Ctx) -> Response:
    def make(doc: Document, practice: str) -> Change:
        return set_choice(doc.text, doc.lens, practice, forms.text(ctx.form, "choice", 100))

    return _change(ctx, make)


@pages.post(APP + "/practices/exemption", ENGINEER)
def exempt(ctx: Ctx) -> Response:
    def make(doc: Document, practice: str) -> Change:
        owner = forms.text(ctx.form, "owner", 200)
        reason = forms.text(ctx.form, "reason", REASON_LIMIT)
        expires = future_date(ctx.form, "expires", ctx.now.date())
        return set_exemption(doc.text, doc.lens, practice, owner, reason, expires)

    return _change(ctx, make)


@pages.post(APP + "/practices/not-applicable", ENGINEER)
def not_applicable(ctx: Ctx) -> Response:
    def make(doc: Document, practice: str) -> Change:
        reason = forms.text(ctx.form, "reason", REASON_LIMIT)
        return set_not_applicable(doc.text, doc.lens, practice, reason)

    return _change(ctx, make)


@pages.post(APP + "/practices/clear", ENGINEER)
def clear(ctx: Ctx) -> Response:
    return _change(ctx, lambda doc, practice: clear_practice(doc.text, doc.lens, practice))


def future_date(form: Mapping[str, str], field: str, today: dt.date) -> dt.date:
    """A date after today (YYYY-MM-DD, as a date input sends it), at most EXEMPTION_YEARS away."""
    value = forms.text(form, field, 10)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise forms.FieldError(field, "a date, like 2027-03-31") from None
    if day <= today:
        raise forms.FieldError(field, "a date after today: an exemption that has ended exempts nothing")
    if day > today.replace(year=today.year + EXEMPTION_YEARS, day=min(today.day, 28)):
        raise forms.FieldError(field, f"at most {EXEMPTION_YEARS} years from today")
    return day
