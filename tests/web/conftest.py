"""The web suite: the app over a fresh store per test (SQLite, and PostgreSQL where a test asks
for `pg_url`), driven through Starlette's TestClient; process-level tests run `devoops serve`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.store import Store
from devoops.store.accounts import Accounts
from devoops.store.engine import sqlite_url
from devoops.web.access import App
from devoops.web.app import create_app

from ..pgserver import PostgresServer
from .support import Site, sign_in


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / ".devoops" / "devoops.db")


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    name = postgres.fresh("web")
    yield postgres.url(name)
    postgres.drop(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backend_url(request: pytest.FixtureRequest, store_url: str) -> str:
    """An empty store's URL, on SQLite and on PostgreSQL."""
    return store_url if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
def accounts(backend_url: str) -> Iterator[Accounts]:
    """The accounts of a fresh store, on SQLite and on PostgreSQL."""
    store = Store(backend_url)
    yield Accounts(store)
    store.close()


@pytest.fixture
def app(store_url: str) -> Iterator[Starlette]:
    made = create_app(store_url)
    yield made
    state(made).store.close()


def state(app: Starlette) -> App:
    found: App = app.state.devoops
    return found


@pytest.fixture
def site(app: Starlette) -> Site:
    made = Site(state(app).accounts)
    made.populate()
    return made


@pytest.fixture
def client_for(app: Starlette, site: Site) -> Iterator[Callable[[str | None], TestClient]]:
    """A signed-in client per user of the site (None: anonymous), one cookie jar each."""
    made: list[TestClient] = []

    def client(who: str | None) -> TestClient:
        c = TestClient(app, follow_redirects=False)
        made.append(c)
        if who is not None:
            assert sign_in(c, site.users[who].email).status_code == 303
        return c

    yield client
    for c in made:
        c.close()
