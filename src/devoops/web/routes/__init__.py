"""Every page of the app, each declared with who may reach it (devoops.web.access)."""

from __future__ import annotations

from starlette.routing import Route

from . import (
    account,
    audit,
    history,
    inventory,
    orgs,
    people,
    practices,
    quiz,
    verdict,
    wizard,
    workspace,
)


def routes() -> list[Route]:
    return [
        *account.pages.routes,
        *orgs.pages.routes,
        *people.pages.routes,
        *audit.pages.routes,
        *workspace.pages.routes,
        *practices.pages.routes,
        *inventory.pages.routes,
        *wizard.pages.routes,
        *quiz.pages.routes,
        *verdict.pages.routes,
        *history.pages.routes,
    ]
