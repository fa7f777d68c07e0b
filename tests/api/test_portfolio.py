"""The portfolio's queries: a page costs the same few statements however many applications it
holds, derives each verdict once, and reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from devoops.api import portfolio
from devoops.model.assessment import Assessment
from devoops.model.common import Risk
from devoops.report.verdict import verdict
from devoops.store import Store
from devoops.store.accounts import Accounts
from devoops.store.engine import sqlite_url
from devoops.store.people import Actor, User

from ..conftest import ROOT
from ..helpers import cli
from ..pgserver import PostgresServer

T = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Assessment:
    """The marketplace example as `devoops assess --save` saved it."""
    url = sqlite_url(tmp_path_factory.mktemp("example") / "devoops.db")
    ran = cli("assess", ROOT / "examples" / "marketplace.yaml", "--save", "--db", url, "--years", "0")
    assert ran.returncode == 0, ran.stderr
    with Store(url) as store:
        return store.load("latest").assessment


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "devoops.db")
        yield Store(url)
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.fresh("portfolio")
    made = Store(server.url(name))
    yield made
    made.close()
    server.drop(name)


def organisation(store: Store, apps: int, example: Assessment) -> int:
    """An organisation with `apps` applications, each with two saved assessments."""
    accounts = Accounts(store)
    owner: User = accounts.create_user(f"o{apps}@example.com", "O", "x", T)
    org = accounts.create_org(f"Org {apps}", owner, T)
    for n in range(apps):
        name = f"org{org}-app{n:02}"
        accounts.add_app(org, name, T, Actor(owner.id, "O"))
        for day in (0, 1):
            at = T + dt.timedelta(days=day)
            a = example.model_copy(
                update={"app": example.app.model_copy(update={"name": name}), "generated_at": at}
            )
            store.save(a, "x", at)
    return org


def statements(store: Store, org: int) -> tuple[portfolio.Portfolio, list[str]]:
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        return portfolio.portfolio(store, org), seen
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)


def test_a_page_costs_the_same_statements_for_three_applications_as_for_thirty(
    store: Store, example: Assessment
) -> None:
    small, large = organisation(store, 3, example), organisation(store, 30, example)
    few, for_few = statements(store, small)
    many, for_many = statements(store, large)
    assert (len(few.lines), len(many.lines)) == (3, 30)
    assert len(for_few) == len(for_many) <= 5
    # Each verdict is derived once: the next page view reads no assessment document.
    again, cached = statements(store, large)
    assert len(cached) == len(for_many) - 1 and again == many


def test_the_lines_carry_the_newest_assessments_figures(store: Store, example: Assessment) -> None:
    org = organisation(store, 2, example)
    folio = portfolio.portfolio(store, org)
    expected = verdict(example).sentence.replace(example.app.name, "{}")
    high = sum(f.risk == Risk.HIGH for f in example.horizons[0].findings)
    for line in folio.lines:
        assert line.sentence == expected.format(line.name)
        assert line.newest is not None and line.newest.high == high
        assert line.newest.generated_at == T + dt.timedelta(days=1)
        assert line.newest.maturity == round(sum(m.value for m in example.maturity) / 6, 1)
        assert line.change == 0 and len(line.saved) == 2
        assert line.last_audit is None and line.last_drill is None
    assert (folio.page, folio.pages, folio.total) == (1, 1, 2)
    assert portfolio.portfolio(store, org, page=9).page == 1


def test_memo_keeps_the_most_recently_used() -> None:
    memo: portfolio.Memo[str, int] = portfolio.Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # a is now the most recent
    memo.put("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (1, None, 3)
    made: list[int] = []

    def make(value: int) -> int:
        made.append(value)
        return value

    assert memo.through("d", lambda: make(4)) == 4
    assert memo.through("d", lambda: make(5)) == 4 and made == [4]
