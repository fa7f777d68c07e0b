"""The workspace's documents in the store, on SQLite and PostgreSQL: versions are added, never
changed; two saves on one base cannot both win; another organisation's ids find nothing; and
removing an application takes its documents with it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from devoops.store import Store, migrate
from devoops.store.accounts import Accounts
from devoops.store.engine import connect
from devoops.store.people import Actor, Conflict
from devoops.store.workloads import Workloads

T = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)


def test_versions_are_added_and_kept(accounts: Accounts) -> None:
    owner = accounts.create_user("o@example.com", "O", "x", T)
    stranger = accounts.create_user("s@example.com", "S", "x", T)
    org = accounts.create_org("A", owner, T)
    other = accounts.create_org("B", stranger, T)
    by = Actor(owner.id, "O <o@example.com>")
    accounts.add_app(org, "shop", T, by)
    app = accounts.apps(org)[0].id
    docs = Workloads(accounts.store)

    assert docs.current(org, app) is None
    docs.save(org, app, 0, "one\n", "first", by, T)
    docs.save(org, app, 1, "two\n", "second", by, T + dt.timedelta(minutes=1))
    with pytest.raises(Conflict, match="newer version"):
        docs.save(org, app, 1, "stale\n", "from an old page", by, T + dt.timedelta(minutes=2))

    current = docs.current(org, app)
    assert current is not None and (current.number, current.text, current.summary) == (2, "two\n", "second")
    assert [(v.number, v.text) for v in docs.versions(org, app)] == [(2, ""), (1, "")]
    first = docs.version(org, app, 1)
    assert first is not None and (first.text, first.author, first.created_at) == ("one\n", by.label, T)
    # Another organisation names this application's id: nothing, and it cannot write.
    assert docs.current(other, app) is None and docs.versions(other, app) == []
    assert docs.version(other, app, 1) is None
    with pytest.raises(Conflict, match="no such application"):
        docs.save(other, app, 2, "taken\n", "x", by, T)
    assert docs.current(org, app).number == 2  # type: ignore[union-attr]
    # The application goes: so do its documents (a new holder of the name starts afresh).
    assert accounts.remove_app(org, app, T, by)
    accounts.add_app(org, "shop", T, by)
    again = accounts.apps(org)[0].id
    assert docs.current(org, again) is None and docs.versions(org, app) == []


def test_a_store_at_0004_gains_the_workload_versions(backend_url: str) -> None:
    """Organisations and applications made before the workspace existed get documents."""
    engine = connect(backend_url)
    try:
        migrate.upgrade(engine, "0004")
        with engine.connect() as conn:
            assert "workload_versions" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
    with Store(backend_url) as store:
        accounts = Accounts(store)
        owner = accounts.create_user("o@example.com", "O", "x", T)
        org = accounts.create_org("A", owner, T)
        accounts.add_app(org, "shop", T, Actor(owner.id, "O"))
        app = accounts.apps(org)[0].id
        saved = Workloads(store).save(org, app, 0, "text\n", "first", Actor(owner.id, "O"), T)
        assert saved.number == 1 and Workloads(store).current(org, app) == saved
        with store.engine.connect() as conn:
            assert migrate.current(conn) == migrate.head() == "0005"
