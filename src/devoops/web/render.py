"""Pages from Jinja2 templates, autoescaped everywhere: whatever a user typed is text in the
page, never markup. Every page gets the visitor, their CSRF token and the navigation."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse

if TYPE_CHECKING:
    from .access import Ctx


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("devoops.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["age"] = age
    env.filters["when"] = when
    return env


def render(ctx: Ctx, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    page = (
        environment()
        .get_template(template)
        .render(
            visitor=ctx.visitor,
            csrf=ctx.csrf,
            htmx=ctx.app.htmx,
            path=ctx.request.url.path,
            now=ctx.now,
            **values,
        )
    )
    return HTMLResponse(page, status_code=status)


def redirect(path: str) -> RedirectResponse:
    """After a POST: 303, so the browser GETs the next page and a reload does not post again."""
    return RedirectResponse(path, status_code=303)


def when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def age(moment: dt.datetime | None, now: dt.datetime) -> str:
    """How long ago, in the largest whole unit: "3 days ago"."""
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"
