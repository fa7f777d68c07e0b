"""Backups count only as far as they are proven, mirrors and replicas follow what reaches the
primary, odds follow the practices and the inventory's own facts, a building burns whatever
its accounts, and a repair by hand waits for the team's way in. Every expected figure is worked
out from the semantics and the lens's figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from devoops.derive import derive
from devoops.evaluate.catastrophes import seen
from devoops.evaluate.findings import practice_states
from devoops.model.common import Horizon
from devoops.model.evidence import Evidence, Measurement, ProbeResult, Status, Verdict
from devoops.model.lens import Lens
from devoops.model.resilience import ScenarioOutcome
from devoops.model.resilience import Verdict as V
from devoops.model.workload import Workload
from devoops.scenarios.catastrophe import run
from tests.conftest import workload

NOW = Horizon.NOW
ORDERS = {"name": "orders", "criticality": "lifeblood", "rpo_minutes": 60, "rto_minutes": 480}


def shop(
    backup: dict[str, Any], practices: dict[str, Any] | None = None, criticality: str = "lifeblood", **db: Any
) -> Workload:
    """app -> db (with `db` fields) holding orders, backed up hourly to `vault` in another
    account and region."""
    inventory = {
        "defaults": {"provider": "aws", "account": "prod", "region": "eu-west-1"},
        "components": {
            "app": {"kind": "app", "depends_on": ["db"]},
            "db": {
                "kind": "database",
                "datasets": ["orders"],
                "backups": [{"to": "vault", "every_minutes": 60, **backup}],
                **db,
            },
            "vault": {"kind": "backup_target", "account": "vault", "region": "eu-central-1"},
        },
    }
    return workload(
        inventory=inventory,
        practices=practices or {},
        **{"answers.data.datasets": [{**ORDERS, "criticality": criticality}]},
    )


def outcome(w: Workload, lens: Lens, scenario: str) -> ScenarioOutcome:
    return next(o for o in run(w, lens, derive(w, lens, NOW).targets, NOW) if o.scenario == scenario)


DRILLED = {"backups.restore-drilled": "automated"}
MONITORED = {"backups.automated": "automated-monitored"}


@pytest.mark.parametrize(
    ("practices", "backup", "counted", "stale_days"),
    [
        ({}, {}, False, None),  # never restored: may not restore
        ({"backups.restore-drilled": "never", **MONITORED}, {}, False, None),
        ({"backups.restore-drilled": "once"}, {}, False, None),  # silent, no drill would notice
        ({"backups.restore-drilled": "once", **MONITORED}, {}, True, 0),
        ({**DRILLED}, {}, True, 7),  # silent: found at the weekly drill
        ({"backups.restore-drilled": "quarterly-manual"}, {}, True, 92),
        ({**DRILLED, **MONITORED}, {}, True, 0),
        ({**DRILLED}, {"monitored": True}, True, 0),  # the backup's own flag wins
        ({**MONITORED}, {"restored": True}, True, 0),  # restored in a drill of its own
        ({**DRILLED, **MONITORED}, {"restored": False}, False, None),  # a drill that failed
    ],
)
def test_a_lifeblood_backup_counts_as_far_as_it_is_proven(
    lens: Lens, practices: dict[str, Any], backup: dict[str, Any], counted: bool, stale_days: float | None
) -> None:
    """The database is dropped; only the backup can bring orders back."""
    d = outcome(shop(backup, practices), lens, "drop-table").datasets[0]
    if not counted:
        assert d.lost_minutes is None and d.doubt is not None
        return
    assert d.lost_minutes == pytest.approx(60 + (stale_days or 0) * 1440)
    assert (d.doubt is not None) == bool(stale_days)


def test_expendable_data_counts_an_untested_backup_but_not_its_time(lens: Lens) -> None:
    d = outcome(shop({"restore_minutes": 30}, criticality="expendable"), lens, "drop-table").datasets[0]
    assert d.lost_minutes == pytest.approx(60 + 30 * 1440)  # silent, no drill: a month old at worst
    assert (d.recovery_minutes, d.recovery_known, d.rto_met) == (30, False, False)


def test_a_restore_time_counts_only_once_a_restore_was_timed(lens: Lens) -> None:
    timed = outcome(shop({"restore_minutes": 30}, {**DRILLED, **MONITORED}), lens, "drop-table")
    d = timed.datasets[0]
    assert (d.recovery_minutes, d.recovery_known, d.rto_met, timed.verdict) == (30, True, True, V.DEGRADED)
    untimed = outcome(shop({}, {**DRILLED, **MONITORED}), lens, "drop-table")
    d = untimed.datasets[0]
    estimate = lens.reliability.restore_minutes["database"]
    assert (d.recovery_minutes, d.recovery_known, d.rto_met) == (estimate, False, False)
    assert untimed.verdict == V.DAMAGED and "cannot be called met" in untimed.reason


def test_a_restore_drill_times_the_restore_and_a_failing_one_disproves_it(lens: Lens) -> None:
    probes = {"weekly": {"type": "restore_drill", "target": "/backups", "options": {"server": "x"}}}
    w = Workload.model_validate(
        shop({}, MONITORED).model_dump(mode="json", by_alias=True) | {"probes": probes}
    )
    targets = derive(w, lens, NOW).targets

    def drill(status: Status, seconds: float, choice: str) -> ProbeResult:
        when = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        evidence = Evidence(
            status=status,
            summary="",
            measurements=[Measurement(name="restore time", value=seconds, unit="s")],
            verdicts=[Verdict(practice="backups.restore-drilled", choice=choice, reason="")],
        )
        return ProbeResult(
            name="weekly",
            kind="restore_drill",
            target="/backups",
            started_at=when,
            finished_at=when,
            evidence=evidence,
        )

    for result, expected in (
        (drill(Status.PASS, 1500, "automated"), (25.0, True)),
        (drill(Status.FAIL, 0, "never"), None),
    ):
        states = practice_states(w, lens, NOW, [result])
        d = outcome(seen(w, states, [result], targets), lens, "drop-table").datasets[0]
        if expected is None:
            assert d.lost_minutes is None and "never been restored" in (d.doubt or "")
        else:
            assert (d.recovery_minutes, d.recovery_known) == expected


def test_a_mirror_survives_a_fire_but_copies_a_deletion(lens: Lens) -> None:
    w = shop({"mirror": True, "restore_minutes": 30}, {**DRILLED, **MONITORED}, zones=["eu-west-1a"])
    fire = outcome(w, lens, "datacenter-fire").datasets[0]
    assert (fire.lost_minutes, fire.recovered_from) == (60, "mirror on vault")
    dropped = outcome(w, lens, "drop-table")
    assert dropped.verdict == V.COMPANY_ENDING and "copies the damage at once" in dropped.reason


def test_a_replica_follows_its_primary_but_not_the_other_way(lens: Lens) -> None:
    """Ransomware on the primary reaches the replica it feeds; on the replica it stays there."""
    w = workload(
        inventory={
            "defaults": {"provider": "aws", "account": "prod", "region": "eu-west-1"},
            "components": {
                "app": {"kind": "app", "depends_on": [{"any_of": ["db", "db-copy"]}]},
                "db": {"kind": "database", "datasets": ["orders"]},
                "db-copy": {"kind": "database", "datasets": ["orders"]},
            },
        },
        **{"answers.data.datasets": [ORDERS]},
    )
    found = run(w, lens, derive(w, lens, NOW).targets, NOW)
    ransomware = next(o for o in found if o.scenario == "ransomware-db-host")
    assert (ransomware.scope, ransomware.verdict) == ("component db", V.COMPANY_ENDING)
    zone = next(o for o in found if o.scenario == "region-outage")  # an outage reaches no mirror
    assert zone.datasets[0].lost_minutes == 0


def test_the_inventory_settles_odds_for_the_component_it_speaks_of(lens: Lens) -> None:
    """The answers say datastores are open to the internet; the inventory says this one is
    private: ransomware on it takes the private factor (0.5), not the open one (10)."""
    w = shop({}, {"network.private-datastores": "public-open"})
    base = next(s.per_year for s in lens.scenarios if s.id == "ransomware-db-host")
    assert outcome(w, lens, "ransomware-db-host").per_year == pytest.approx(base * 10)
    private = shop({}, {"network.private-datastores": "public-open"}, exposure="private")
    assert outcome(private, lens, "ransomware-db-host").per_year == pytest.approx(base * 0.5)


def test_a_building_burns_whatever_accounts_and_providers_it_holds(lens: Lens) -> None:
    """The backups sit at another provider and in another account, but in the same colocation
    cage: the fire takes both; a copy in a regional store spread over buildings would not burn."""
    w = workload(
        inventory={
            "components": {
                "app": {"kind": "app", "provider": "hetzner", "site": "cage-7", "depends_on": ["db"]},
                "db": {
                    "kind": "database",
                    "provider": "hetzner",
                    "site": "cage-7",
                    "datasets": ["orders"],
                    "backups": [{"to": "nas", "restored": True, "monitored": True, "restore_minutes": 60}],
                },
                "nas": {"kind": "backup_target", "provider": "synology", "account": "ops", "site": "cage-7"},
            },
        },
        **{"answers.data.datasets": [ORDERS]},
    )
    fire = outcome(w, lens, "datacenter-fire")
    assert (fire.scope, fire.lost, fire.verdict) == ("site cage-7", ["app", "db", "nas"], V.COMPANY_ENDING)


def test_a_repair_by_hand_waits_for_the_way_in_unless_another_one_holds(lens: Lens) -> None:
    """The fire takes the VPN with production: the restore (60 min) waits 4 more hours; a
    break-glass path elsewhere keeps the repair at its own length."""

    def fire(access: list[Any]) -> ScenarioOutcome:
        w = workload(
            inventory={
                "defaults": {"provider": "own", "account": "prod"},
                "team_access": access,
                "components": {
                    "app": {"kind": "app", "site": "dc1", "depends_on": ["db"]},
                    "db": {
                        "kind": "database",
                        "site": "dc1",
                        "datasets": ["orders"],
                        "backups": [
                            {"to": "vault", "restored": True, "monitored": True, "restore_minutes": 60}
                        ],
                    },
                    "vault": {"kind": "backup_target", "provider": "b2", "region": "eu"},
                    "vpn": {"kind": "access", "site": "dc1"},
                    "glass": {"kind": "access", "provider": "oob"},
                },
            },
            **{"answers.data.datasets": [ORDERS]},
        )
        return outcome(w, lens, "datacenter-fire")

    cut = fire(["vpn"])
    assert cut.downtime_minutes == pytest.approx(60 + lens.reliability.access_lost_hours * 60)
    assert "way into production is down too" in cut.reason
    held = fire([{"any_of": ["vpn", "glass"]}])
    assert held.downtime_minutes == pytest.approx(60) and "way into" not in held.reason


def test_an_account_that_holds_only_backups_is_a_harder_target(lens: Lens) -> None:
    """A takeover reaches an account through the people, keys and workloads in it: one that
    holds backups and nothing else takes the scenario's vault factor; once a workload runs
    there it is an account like production."""
    takeover = next(s for s in lens.scenarios if s.id == "account-takeover")
    assert takeover.vault_odds < 1
    w = shop({})
    assert outcome(w, lens, "account-takeover").per_year == pytest.approx(
        takeover.per_year * (1 + takeover.vault_odds)
    )
    busy = w.model_dump(mode="json", exclude_defaults=True)
    busy["inventory"]["components"]["reports"] = {"kind": "worker", "account": "vault"}
    assert outcome(Workload.model_validate(busy), lens, "account-takeover").per_year == pytest.approx(
        takeover.per_year * 2
    )


def test_only_an_account_can_be_a_vault(lens: Lens) -> None:
    raw = next(s for s in lens.scenarios if s.id == "drop-table").model_dump(mode="json")
    with pytest.raises(ValueError, match="vault_odds is for scope account"):
        type(lens.scenarios[0]).model_validate({**raw, "vault_odds": 0.5})
