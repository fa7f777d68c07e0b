"""Serve the browser app over the store: founders, engineers and owners in a browser (docs/web.md)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from .store import Db

if TYPE_CHECKING:
    from ..store import Store

NEEDS = ("starlette", "uvicorn", "jinja2", "argon2", "secure")
"""The modules the app imports, from the `devoops[web]` extra."""
NAME = "serve"
EXAMPLE = "Example: devoops serve --port 8000 --db postgresql://devoops@db/devoops --workers 4"


def run(
    host: Annotated[str, typer.Option("--host", help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="the port to listen on")] = 8000,
    db: Db = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="worker processes")] = 1,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            metavar="IPS",
            help="the TLS proxies whose X-Forwarded-Proto/For are believed (comma-separated, or *)",
        ),
    ] = None,
) -> None:
    import importlib.util

    from ..base.errors import UsageError

    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(
            f"the browser app needs {', '.join(missing)}: install them with pip install 'devoops[web]'"
        )
    import uvicorn

    from ..store import Store, locate
    from ..store.engine import ENV, display

    url = locate(db, cwd=None) if db or os.environ.get(ENV) else _default()
    with Store(url) as store:
        link = _setup_link(store, host, port)
    typer.echo(f"devoops serve: store {display(url)}, http://{host}:{port}/", err=True)
    if link:
        typer.echo(f"No one has an account yet. Open this link once to create the first owner:\n{link}")
    os.environ[ENV] = url  # each worker opens the same store from it
    uvicorn.run(
        "devoops.web.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level="info",
    )


def _default() -> str:
    """The store beside the workload: the nearest `.devoops/devoops.db`, else a new one here."""
    from pathlib import Path

    from ..base.errors import UsageError
    from ..store import locate
    from ..store.engine import FILE, FOLDER, sqlite_url

    try:
        return locate(None)
    except UsageError:
        return sqlite_url(Path.cwd() / FOLDER / FILE)


def _setup_link(store: Store, host: str, port: int) -> str | None:
    """With no account in the store, a new single-use, expiring setup link."""
    import datetime as dt

    from ..store.accounts import Accounts
    from ..store.people import digest, new_token

    accounts = Accounts(store)
    if accounts.count_users():
        return None
    token = new_token()
    accounts.create_setup_link(digest(token), dt.datetime.now(dt.UTC))
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/setup/{token}"
