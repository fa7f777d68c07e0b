"""An organisation's portfolio: every application with its verdict in one sentence, its HIGH
risks now, its tenet radar, its maturity trend, and the age of its last audit and drill. A page
holds `portfolio.PAGE` applications and costs the same few queries however many there are.

`page` is the whole page, owners' form to add an application included: the organisation's own
page (`orgs.portfolio`, and `orgs.add_app` when it refuses a name)."""

from __future__ import annotations

from starlette.responses import Response

from ...api import portfolio
from ..access import Ctx
from ..render import render


def page(ctx: Ctx, status: int = 200, errors: dict[str, str] | None = None) -> Response:
    asked = ctx.request.query_params.get("page", "1")
    number = int(asked) if asked.isascii() and asked.isdigit() and len(asked) < 9 else 1
    return render(
        ctx,
        "portfolio_overview.html",
        status,
        folio=portfolio.portfolio(ctx.app.store, ctx.org_id, number),
        errors=errors or {},
    )
