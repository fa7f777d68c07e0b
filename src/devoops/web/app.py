"""The app factory: one Starlette app over one store. `from_environment` is what each uvicorn
worker calls, so `devoops serve --workers N` runs N processes that share only the store."""

from __future__ import annotations

import os
from pathlib import Path

from secure.middleware.asgi import SecureASGIMiddleware
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from ..store import Store
from ..store.accounts import Accounts
from ..store.engine import ENV
from . import auth
from .access import PUBLIC, App
from .routes import routes
from .security import NoStoreUnlessSaid, headers

STATIC = Path(__file__).parent / "static"
HTMX = STATIC / "htmx.min.js"
"""Fetched from the npm registry by `make web-assets`, checked against its integrity hash,
never committed. Without it every page works the same, only without live updates."""


def create_app(url: str, settings: auth.Settings | None = None) -> Starlette:
    store = Store(url)
    static = Mount("/static", app=StaticFiles(directory=STATIC), name="static")
    static.access = PUBLIC  # type: ignore[attr-defined]
    table: list[BaseRoute] = [*routes(), static]
    app = Starlette(routes=table, exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.devoops = App(store, Accounts(store), settings or auth.Settings(), htmx=HTMX.is_file())
    app.add_middleware(SecureASGIMiddleware, secure=headers())
    app.add_middleware(NoStoreUnlessSaid)
    return app


def from_environment() -> Starlette:
    """For uvicorn's factory mode: the store named by $DEVOOPS_DATABASE_URL (`serve` sets it)."""
    return create_app(os.environ[ENV])


async def _not_found(request: Request, exc: Exception) -> Response:
    return HTMLResponse(_plain("There is no such page."), status_code=404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return HTMLResponse(_plain("That page does not take this kind of request."), status_code=405)


def _plain(message: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>devoops</title>'
        '<link rel="stylesheet" href="/static/devoops.css"></head>'
        f'<body><main id="main"><h1>devoops</h1><p>{message}</p><p><a href="/">Home</a></p></main></body></html>'
    )
