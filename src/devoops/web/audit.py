"""The audit trail's one door for pages: `audit(ctx, ...)` records who changed what, when, and
the old and new value, in the organisation of the page. Changes the accounts make themselves
(members, invitations, applications) are recorded in their own transaction by the store."""

from __future__ import annotations

from typing import Any

from .access import Ctx


def audit(ctx: Ctx, action: str, subject: str, old: Any, new: Any) -> None:
    """E.g. audit(ctx, "answer.changed", "shop: reliability.downtime_cost_per_hour", 100, 400).
    `old` and `new` are JSON values; never pass a secret."""
    org = ctx.visitor.membership.org_id if ctx.visitor.membership else None
    ctx.app.accounts.record(org, ctx.actor, action, subject, old, new, ctx.now)
