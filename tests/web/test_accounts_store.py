"""The accounts tables on both backends: the migration from the previous revision keeps the
saved assessments, login failures are counted atomically by several writers, and sessions
expire and idle out by the store's clock, not a process's memory."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from devoops.store import Store, migrate
from devoops.store.accounts import Accounts
from devoops.store.engine import connect
from devoops.store.people import Actor

from .support import now

WINDOW = dt.timedelta(minutes=15)


def test_a_store_at_0003_gains_the_accounts_tables(backend_url: str) -> None:
    engine = connect(backend_url)
    try:
        migrate.upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO applications (name, created_at) VALUES ('shop', CURRENT_TIMESTAMP)")
            )
    finally:
        engine.dispose()
    with Store(backend_url) as store:
        accounts = Accounts(store)
        owner = accounts.create_user("o@example.com", "O", "hash", now())
        org = accounts.create_org("Org", owner, now())
        accounts.add_app(org, "shop", now(), Actor(owner.id, "O"))
        [app] = accounts.apps(org)
        assert (app.name, app.assessments, app.newest) == ("shop", 0, None)
        with store.engine.connect() as conn:
            assert migrate.current(conn) == migrate.head()


def test_failures_counted_by_many_writers_at_once_are_all_counted(accounts: Accounts) -> None:
    t = now()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: accounts.count_failure(["account:a", "address:1"], t, WINDOW), range(30)))
    assert accounts.failures(["account:a", "address:1", "account:b"], t - WINDOW) == {
        "account:a": 30,
        "address:1": 30,
    }
    # After the window a failure starts a new count; forgetting clears one key only.
    later = t + WINDOW + dt.timedelta(seconds=1)
    accounts.count_failure(["account:a"], later, WINDOW)
    assert accounts.failures(["account:a", "address:1"], later - WINDOW) == {"account:a": 1}
    accounts.forget_failures("account:a")
    assert accounts.failures(["account:a", "address:1"], t - WINDOW) == {"address:1": 30}


def test_sessions_expire_and_idle_out(accounts: Accounts) -> None:
    t = now()
    user = accounts.create_user("u@example.com", "U", "hash", t)
    accounts.open_session(user.id, "h" * 64, "csrf", t, dt.timedelta(hours=2))
    idle = dt.timedelta(hours=1)
    assert accounts.session("h" * 64, t + dt.timedelta(minutes=50), idle) is not None
    # Used at 50 minutes, so alive at 100 though more than the idle time after it began.
    found = accounts.session("h" * 64, t + dt.timedelta(minutes=100), idle)
    assert found is not None and found.user == user and found.csrf_token == "csrf"
    assert accounts.session("h" * 64, t + dt.timedelta(minutes=121), idle) is None  # its lifetime
    accounts.open_session(user.id, "i" * 64, "csrf", t, dt.timedelta(hours=9))
    assert accounts.session("i" * 64, t + dt.timedelta(minutes=61), idle) is None  # idle
