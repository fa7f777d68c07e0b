"""Saving, listing, loading and naming assessments: the same suite on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from devoops.base.errors import UsageError
from devoops.model.common import Horizon, Risk
from devoops.store import Store

from .support import FINTECH, assessed, findings_in, findings_rows, raw, variant

UTC_ZERO = dt.timedelta(0)


def test_save_history_load_round_trip(store_url: str) -> None:
    a, text = assessed()
    # Offsets other than UTC on the way in; microseconds that must survive both backends.
    a = a.model_copy(
        update={
            "generated_at": dt.datetime(
                2026, 12, 1, 9, 0, 0, 654321, tzinfo=dt.timezone(dt.timedelta(hours=-8))
            )
        }
    )
    saved_at = dt.datetime(
        2026, 12, 1, 22, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
    )
    text += "# ünïcödé ✓, a tab\there, trailing spaces   \r\n# ${DB_PASSWORD} stays as written\n# no newline"

    with Store(store_url) as store:
        entry = store.save(a, text, saved_at)
        [listed] = store.history()
        stored = store.load(str(entry.id))
        by_latest = store.load("latest")

    assert stored.assessment == a
    assert by_latest.assessment == a and by_latest.entry == stored.entry
    assert stored.workload_text == text
    assert listed == entry == stored.entry
    assert listed.uid and listed.app == "linkpile" and listed.milestones == []
    for moment in (listed.generated_at, listed.saved_at, stored.entry.generated_at, stored.entry.saved_at):
        assert moment.tzinfo is not None and moment.utcoffset() == UTC_ZERO
    assert listed.generated_at == a.generated_at
    assert listed.saved_at == saved_at

    now = a.at(Horizon.NOW).findings
    counts = tuple(sum(f.risk == risk for f in now) for risk in (Risk.HIGH, Risk.MEDIUM, Risk.UNKNOWN))
    assert all(counts), "the example should have findings of every kind, so a mix-up would show"
    assert (listed.high, listed.medium, listed.unknown) == counts
    assert listed.maturity == {m.tenet: m.value for m in a.maturity}
    assert listed.lens_version == a.lens_version and listed.devoops_version == a.devoops_version
    assert listed.source == a.source

    with raw(store_url) as conn:
        row = conn.execute(sa.text("SELECT workload_sha256, schema_version FROM assessments")).one()
        rows = conn.execute(sa.text("SELECT horizon, practice, risk, source, tenets FROM findings")).all()
    assert row.workload_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert row.schema_version == a.schema_version == "2"
    assert sorted(tuple(r) for r in rows) == sorted(
        (v.horizon.value, f.practice, f.risk.value, f.source, ",".join(t.value for t in f.tenets))
        for v in a.horizons
        for f in v.findings
    )


def test_history_is_oldest_first_and_limited_to_the_newest(store_url: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        # Saved out of order: history follows when they were assessed, then the id.
        ids = [store.save(variant(a, hours=hours), text).id for hours in (2, 0, 1, 1)]
        everything = store.history()
        newest = store.history(limit=2)
    assert [e.generated_at - a.generated_at for e in everything] == [
        dt.timedelta(hours=h) for h in (0, 1, 1, 2)
    ]
    assert [e.id for e in everything] == [ids[1], ids[2], ids[3], ids[0]]
    assert [e.id for e in newest] == [ids[3], ids[0]]


def test_several_applications_in_one_store(store_url: str) -> None:
    a, text = assessed()
    ledger, ledger_text = assessed(FINTECH)
    with Store(store_url) as store:
        linkpile_ids = [store.save(variant(a, hours=h), text).id for h in range(3)]
        ledger_ids = [store.save(variant(ledger, hours=h), ledger_text).id for h in range(2)]
        apps = store.apps()
        assert set(apps) == {"linkpile", ledger.app.name} and len(apps) == 2

        assert [e.id for e in store.history("linkpile")] == linkpile_ids
        assert [e.id for e in store.history(ledger.app.name)] == ledger_ids
        assert store.history("nobody") == []
        assert [e.id for e in store.history()] == [
            linkpile_ids[0],
            ledger_ids[0],
            linkpile_ids[1],
            ledger_ids[1],
            linkpile_ids[2],
        ]

        for attempt in (
            lambda: store.load("latest"),
            lambda: store.load("q4-review"),
            lambda: store.create_milestone("q4-review"),
            lambda: store.latest_two(),
        ):
            with pytest.raises(UsageError, match="several applications; name one with --app") as caught:
                attempt()
            assert "linkpile" in str(caught.value) and ledger.app.name in str(caught.value)

        assert store.load("latest", "linkpile").entry.id == linkpile_ids[-1]
        loaded = store.load("latest", ledger.app.name)
        assert loaded.entry.id == ledger_ids[-1] and loaded.workload_text == ledger_text
        assert store.latest_two("linkpile") == (str(linkpile_ids[1]), str(linkpile_ids[2]))
        # An id names one assessment whatever the application; with --app it must be of that one.
        assert store.load(str(ledger_ids[0])).entry.app == ledger.app.name
        with pytest.raises(UsageError, match=f"no assessment {ledger_ids[0]} of linkpile"):
            store.load(str(ledger_ids[0]), "linkpile")
        with pytest.raises(UsageError, match="no application 'nobody'.*linkpile"):
            store.load("latest", "nobody")

        store.create_milestone("q4-review", "linkpile")
        store.create_milestone("q4-review", ledger.app.name, ref=str(ledger_ids[0]))
        assert store.load("q4-review", "linkpile").entry.id == linkpile_ids[-1]
        assert store.load("q4-review", ledger.app.name).entry.id == ledger_ids[0]


def test_references_ids_latest_and_milestones(store_url: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        with pytest.raises(UsageError, match="holds no assessments yet"):
            store.load("latest")
        first = store.save(a, text)
        second = store.save(variant(a, hours=1), text)
        assert store.load(str(first.id)).entry.id == first.id
        assert store.load("latest").entry.id == second.id

        tagged = store.create_milestone("baseline", ref=str(first.id))
        assert tagged.id == first.id and tagged.milestones == ["baseline"]
        assert store.create_milestone("current").id == second.id
        assert store.create_milestone("also-baseline", ref="baseline").id == first.id
        assert store.load("baseline").entry.id == first.id
        assert store.load("baseline").entry.milestones == ["baseline", "also-baseline"]
        assert [e.milestones for e in store.history()] == [["baseline", "also-baseline"], ["current"]]
        assert [e.milestones for e in store.history(limit=1)] == [["current"]]

        with pytest.raises(UsageError, match="no assessment 99 "):
            store.load("99")
        with pytest.raises(UsageError, match="'q5' is neither an assessment id, `latest`, nor a milestone"):
            store.load("q5")
        with pytest.raises(UsageError, match="no assessment 99"):
            store.create_milestone("nothing", ref="99")
        with pytest.raises(UsageError, match="'nowhere' is neither"):
            store.create_milestone("nothing", ref="nowhere")
        assert [e.milestones for e in store.history()] == [["baseline", "also-baseline"], ["current"]]


@pytest.mark.parametrize("ref", ["²", "99999999999999999999999", "0"])
def test_odd_ids_are_unknown_assessments(store_url: str, ref: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        store.save(a, text)
        with pytest.raises(UsageError, match=f"{ref}"):
            store.load(ref)


@pytest.mark.parametrize(
    "name", ["latest", "7", "", " ", "x" * 201], ids=["latest", "number", "empty", "blank", "too-long"]
)
def test_a_milestone_name_must_be_usable_as_a_reference(store_url: str, name: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        store.save(a, text)
        with pytest.raises(UsageError, match="milestone"):
            store.create_milestone(name)
        assert store.history()[0].milestones == []
        longest = "x" * 200
        assert store.create_milestone(longest).milestones == [longest]


def test_a_milestone_name_is_taken_once_per_application(store_url: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        first = store.save(a, text)
        second = store.save(variant(a, hours=1), text)
        store.create_milestone("q4-review", ref=str(first.id))
        with pytest.raises(
            UsageError, match=f"linkpile already has a milestone 'q4-review' \\(assessment {first.id}\\)"
        ):
            store.create_milestone("q4-review")
        assert store.load("q4-review").entry.id == first.id
        assert store.entry(second.id).milestones == []
    with raw(store_url) as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM milestones")).scalar_one() == 1


def test_latest_two_needs_two(store_url: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        with pytest.raises(UsageError, match="holds no assessments yet"):
            store.latest_two()
        first = store.save(a, text)
        with pytest.raises(UsageError, match="only 1 assessment of linkpile saved: nothing to compare"):
            store.latest_two()
        second = store.save(variant(a, hours=1), text)
        assert store.latest_two() == (str(first.id), str(second.id))
        # Newest by assessment time, not by id.
        third = store.save(variant(a, hours=-1), text)
        assert store.latest_two() == (str(first.id), str(second.id))
        assert third.id > second.id


def test_every_finding_has_its_row(store_url: str) -> None:
    a, text = assessed()
    ledger, ledger_text = assessed(FINTECH)
    with Store(store_url) as store:
        ids = {store.save(a, text).id: a, store.save(ledger, ledger_text).id: ledger}
    with raw(store_url) as conn:
        assert findings_rows(conn) == {id: findings_in(doc) for id, doc in ids.items()}


def test_latest_results_are_the_newest_of_each_probe_of_its_kind_and_app(store_url: str) -> None:
    from devoops.model.evidence import Evidence, ProbeResult, Status

    a, text = assessed()

    def result(name: str, kind: str, hours: float) -> ProbeResult:
        at = a.generated_at + dt.timedelta(hours=hours)
        evidence = Evidence(status=Status.PASS, summary=f"{name} {kind} at {hours} h")
        return ProbeResult(name=name, kind=kind, target="t", started_at=at, finished_at=at, evidence=evidence)

    with Store(store_url) as store:
        store.save(
            variant(a, hours=1).model_copy(update={"evidence": [result("r", "restore_drill", 1)]}), text
        )
        store.save(
            variant(a, hours=2).model_copy(update={"evidence": [result("r", "restore_drill", 2)]}), text
        )
        store.save(variant(a, hours=3).model_copy(update={"evidence": [result("r", "backups", 3)]}), text)
        other = variant(a, app="elsewhere", hours=4)
        store.save(other.model_copy(update={"evidence": [result("r", "restore_drill", 4)]}), text)
        found = store.latest_results(a.app.name, {"r": "restore_drill", "absent": "failover_drill"})
        assert store.latest_results(a.app.name, {}) == []
    assert [r.evidence.summary for r in found] == ["r restore_drill at 2 h"]
