"""Retention is pure: which of this database's backups go, never anything else."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoops.backup.manifest import Manifest
from devoops.backup.retention import Policy, backup_name, file_stem, prune, same_source, taken_at

NOW = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)
moments = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2026, 11, 29, 3, 0), timezones=st.just(dt.UTC)
).map(lambda t: t.replace(microsecond=0))
databases = st.text(min_size=1, max_size=12)


@given(databases, moments)
def test_a_name_gives_back_its_database_and_time(database: str, taken: dt.datetime) -> None:
    name = backup_name(database, taken)
    assert taken_at(database, name) == taken
    assert "/" not in name and " " not in name


@given(
    st.sampled_from(["shop", "shop-eu", "shop-eu-1"]),
    st.sampled_from(["shop", "shop-eu", "shop-eu-1"]),
    moments,
)
def test_a_database_never_claims_anothers_backups(mine: str, other: str, taken: dt.datetime) -> None:
    name = backup_name(other, taken)
    assert (taken_at(mine, name) is not None) == (mine == other)


def test_names_devoops_did_not_write_are_not_backups() -> None:
    for name in [
        "shop-20261128T030000Z.dump.zst.age.manifest.json",
        "shop-20261128T030000Z.dump.gz",
        "shop-20261399T030000Z.dump.zst.age",  # no 99th of a 13th month
        "old/shop-20261128T030000Z.dump.zst.age",
        "shop-20261128T030000.dump.zst.age",
    ]:
        assert taken_at("shop", name) is None
    assert file_stem("../etc passwd") == "_etc_passwd"


@given(
    st.lists(moments, max_size=15, unique=True),
    st.integers(min_value=1, max_value=10),
    st.one_of(st.none(), st.floats(min_value=0.01, max_value=2000)),
    st.lists(st.sampled_from(["notes.txt", "shop-eu-20250101T000000Z.dump.zst.age", "x.dump"]), max_size=3),
)
def test_prune_keeps_the_newest_and_the_young_and_touches_nothing_else(
    times: list[dt.datetime], keep: int, days: float | None, strangers: list[str]
) -> None:
    made = backup_name("shop", NOW)
    ours = [backup_name("shop", t) for t in times if t != NOW]
    doomed = prune(ours + [made] + strangers, "shop", Policy(keep, days), NOW, made)
    assert made not in doomed and not set(doomed) & set(strangers)
    assert set(doomed) <= set(ours)
    newest_first = sorted(ours + [made], key=lambda n: taken_at("shop", n), reverse=True)  # type: ignore[arg-type,return-value]
    for rank, name in enumerate(newest_first):
        stamp = taken_at("shop", name)
        assert stamp is not None
        too_old = days is not None and stamp < NOW - dt.timedelta(days=days)
        assert (name in doomed) == (name != made and (rank >= keep or too_old))
    assert doomed == sorted(doomed, key=lambda n: taken_at("shop", n))  # type: ignore[arg-type,return-value]


def test_a_policy_that_would_delete_everything_is_refused() -> None:
    with pytest.raises(ValueError, match="--keep must be at least 1"):
        Policy(keep=0)
    with pytest.raises(ValueError, match="--keep-days"):
        Policy(keep_days=0)
    assert prune([backup_name("shop", NOW)], "shop", Policy(1, 0.001), NOW, backup_name("shop", NOW)) == []


def manifest(backup: str, database: str, system_identifier: str | None) -> Manifest:
    return Manifest(
        backup=backup,
        created_at=NOW,
        finished_at=NOW,
        database=database,
        system_identifier=system_identifier,
        server_version="15.8",
        pg_dump_version="15.8",
        size=1,
        sha256="0" * 64,
        encryption="age (passphrase)",
        tables=[],
    )


def test_only_manifests_of_the_same_database_and_cluster_are_ours() -> None:
    name = [backup_name("shop db", NOW - dt.timedelta(days=d)) for d in range(7)]
    assert name[0] == backup_name("shop_db", NOW - dt.timedelta(days=0))  # one file name, two databases
    manifests: dict[str, Manifest | None] = {
        name[0]: manifest(name[0], "shop db", "7001"),
        name[1]: manifest(name[1], "shop_db", "7001"),  # the other database
        name[2]: manifest(name[2], "shop db", "7002"),  # another cluster
        name[3]: None,  # missing or unreadable
        name[4]: manifest(name[4], "shop db", None),  # names no cluster
        name[5]: manifest(name[6], "shop db", "7001"),  # describes another file
        name[6]: manifest(name[6], "shop db", "7001"),
    }
    assert same_source(manifests, "shop db", "7001") == (
        sorted([name[0], name[6]]),
        sorted([name[3], name[4]]),
    )


@given(
    st.lists(
        st.tuples(st.sampled_from(["app", "app ", "app_"]), st.sampled_from(["1", "2", None]), st.booleans()),
        max_size=12,
    )
)
def test_same_source_never_claims_another_source(entries: list[tuple[str, str | None, bool]]) -> None:
    manifests: dict[str, Manifest | None] = {}
    for i, (database, system, readable) in enumerate(entries):
        name = backup_name(database, NOW - dt.timedelta(hours=i))
        manifests[name] = manifest(name, database, system) if readable else None
    ours, unverified = same_source(manifests, "app", "1")
    assert not set(ours) & set(unverified) and set(ours) | set(unverified) <= set(manifests)
    for name, found in manifests.items():
        mine = found is not None and (found.database, found.system_identifier) == ("app", "1")
        unsure = found is None or (found.database == "app" and found.system_identifier is None)
        assert (name in ours) == mine and (name in unverified) == unsure
