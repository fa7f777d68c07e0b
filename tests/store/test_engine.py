"""Where the store is, and how its URL is shown: never with a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from devoops.base.errors import UsageError
from devoops.store import Store, StoreError, exists, locate
from devoops.store.engine import ENV, FILE, FOLDER, display, sqlite_url

from ..helpers import cli

SECRET = "s3cretpw"


def test_locate_prefers_db_then_the_environment_then_the_workload_then_the_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEVOOPS_DATABASE_URL", raising=False)
    url = "postgresql://devoops@db.internal/devoops"
    workload = tmp_path / "app" / "devoops.yaml"
    assert locate(url, workload) == url
    assert locate(str(tmp_path / "x.db"), workload) == sqlite_url(tmp_path / "x.db")
    assert locate(None, workload) == sqlite_url(workload.parent / FOLDER / FILE)
    deep = tmp_path / "app" / "src" / "deeper"
    deep.mkdir(parents=True)
    with pytest.raises(UsageError, match="--db PATH\\|URL or \\$DEVOOPS_DATABASE_URL"):
        locate(None, cwd=deep)
    (workload.parent / FOLDER).mkdir()
    (workload.parent / FOLDER / FILE).touch()
    assert locate(None, cwd=deep) == sqlite_url(workload.parent / FOLDER / FILE)
    monkeypatch.setenv("DEVOOPS_DATABASE_URL", url)
    assert locate(None, workload) == locate(None, cwd=deep) == url
    assert locate(str(tmp_path / "x.db"), workload) == sqlite_url(tmp_path / "x.db")


def test_exists_is_false_only_for_a_missing_sqlite_file(tmp_path: Path) -> None:
    assert not exists(sqlite_url(tmp_path / "missing.db"))
    Store(sqlite_url(tmp_path / "here.db")).close()
    assert exists(sqlite_url(tmp_path / "here.db"))
    assert exists("postgresql://devoops@db.internal/devoops")


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://u:{SECRET}@127.0.0.1:1/x",
        f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x?sslmode=disable",
        f"postgresql://u:{SECRET}@127.0.0.1:1/x?nonsense=1",
    ],
)
def test_a_password_is_never_shown(url: str) -> None:
    assert SECRET not in display(url) and "u:***@127.0.0.1:1/x" in display(url)
    with pytest.raises(StoreError) as caught:
        Store(url)
    assert SECRET not in str(caught.value) and str(caught.value).startswith("store postgresql")
    assert len(str(caught.value).splitlines()) == 1


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://u@127.0.0.1:1/x?password={SECRET}",
        f"postgresql://u:{SECRET}@127.0.0.1:1/x?sslpassword={SECRET}2&sslmode=require",
        f"postgresql://u@127.0.0.1:1/x?nonsense=1&PassWord={SECRET}",
    ],
)
def test_a_password_in_the_query_is_never_shown(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """libpq takes `password` and `sslpassword` as parameters too; the driver's complaint about
    another parameter must not carry them along either."""
    assert SECRET not in display(url) and "127.0.0.1:1/x?" in display(url)
    with pytest.raises(StoreError) as caught:
        Store(url)
    assert SECRET not in str(caught.value) and "=***" in str(caught.value)
    by_flag = cli("history", "--db", url)
    monkeypatch.setenv(ENV, url)
    by_env = cli("history")
    for ran in (by_flag, by_env):
        assert ran.returncode == 3 and ran.stderr.startswith("error: store postgresql://u")
        assert SECRET not in ran.stdout + ran.stderr


@pytest.mark.parametrize(
    "url",
    [f"postgresql://devoops:{SECRET}/devoops", f"postgresql://devoops:{SECRET}", f"nonsense://:{SECRET}"],
)
def test_a_url_that_does_not_parse_is_not_repeated(url: str) -> None:
    """Without `@host`, the password lands where the port goes; the parser's complaint would
    quote it."""
    for attempt in (lambda: display(url), lambda: exists(url), lambda: Store(url)):
        with pytest.raises(UsageError, match="not a database URL") as caught:
            attempt()
        assert SECRET not in str(caught.value)


def test_only_sqlite_and_postgresql() -> None:
    with pytest.raises(UsageError, match="SQLite or PostgreSQL, not mysql"):
        Store(f"mysql://u:{SECRET}@127.0.0.1/x")


def test_a_store_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the store's folder"):
        Store(sqlite_url(tmp_path / "file" / "sub" / "devoops.db"))
