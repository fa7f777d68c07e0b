"""The audit trail of an organisation: who changed what, when, from which value to which.
Every member reads it: a founder sees who changed their answers."""

from __future__ import annotations

import json

from starlette.responses import Response

from ..access import Ctx, Pages, Role, member
from ..render import render

pages = Pages()


@pages.get("/orgs/{org:int}/audit", member(Role.viewer))
def trail(ctx: Ctx) -> Response:
    events = ctx.app.accounts.events(ctx.org_id)
    shown = [(e, _value(e.old), _value(e.new)) for e in events]
    return render(ctx, "trail.html", events=shown)


def _value(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
