"""Catastrophe scenarios against hand-built inventories: every expected figure below is worked
out from the semantics and the lens's reliability figures, not read back from a run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devoops.base.errors import UsageError
from devoops.derive import derive
from devoops.lens import load_lens
from devoops.model.common import Horizon
from devoops.model.lens import Lens, Reliability
from devoops.model.resilience import ScenarioOutcome, Verdict
from devoops.model.workload import Workload
from devoops.scenarios.catastrophe import run
from tests.conftest import workload

NOW = Horizon.NOW
COST_PER_HOUR = 100.0
ORDERS = {"name": "orders", "criticality": "lifeblood", "rpo_minutes": 60, "rto_minutes": 480}
AS_CODE = {"infra.as-code": "full-iac"}
# backups restored weekly and alerting on failure: trusted, with the time their drill measured
PROVEN = {"backups.restore-drilled": "automated", "backups.automated": "automated-monitored"}
RESTORE = 90.0
SURVIVING = (Verdict.SURVIVES, Verdict.DEGRADED)
BREAKING = (Verdict.DAMAGED, Verdict.COMPANY_ENDING)


def build(
    components: dict[str, Any],
    datasets: list[dict[str, Any]] | None = None,
    practices: dict[str, str] | None = None,
    **changes: Any,
) -> Workload:
    """A workload on aws account prod, region eu-west-1 by default, costing 100 an hour down."""
    inventory = {
        "defaults": {"provider": "aws", "account": "prod", "region": "eu-west-1"},
        "components": components,
    }
    return workload(
        inventory=inventory,
        practices={**PROVEN, **(practices or {})},
        **{"answers.data.datasets": [ORDERS] if datasets is None else datasets},
        **changes,
    )


def outcomes(w: Workload, lens: Lens) -> dict[str, ScenarioOutcome]:
    return {o.scenario: o for o in run(w, lens, derive(w, lens, NOW).targets, NOW)}


def shop(
    backups: dict[str, Any] | None = None, vault: dict[str, Any] | None = None, **db: Any
) -> dict[str, Any]:
    """app -> db holding orders, backed up hourly to the backup target `vault`."""
    return {
        "app": {"kind": "app", "depends_on": ["db"]},
        "db": {
            "kind": "database",
            "datasets": ["orders"],
            "backups": [{"to": "vault", "every_minutes": 60, "restore_minutes": RESTORE, **(backups or {})}],
            **db,
        },
        "vault": {"kind": "backup_target", **(vault or {})},
    }


def restored(r: Reliability, rebuild: str = "as_code") -> float:
    """A database restored from its backup after its infrastructure is rebuilt elsewhere (its
    account was taken)."""
    return RESTORE + r.rebuild_hours[rebuild] * 60


def replaced(r: Reliability) -> float:
    """A database replaced where it stood and restored from its backup: no rebuild."""
    return RESTORE


@dataclass
class Case:
    """One scenario against one inventory; `expect` gives (lost, recovery) per dataset, and
    downtime, from the lens's reliability figures."""

    scenario: str
    label: str
    w: Workload
    verdict: Verdict
    scope: str
    lost: list[str]
    downtime: Callable[[Reliability], float]
    data: Callable[[Reliability], dict[str, tuple[float | None, float | None]]] = field(default=lambda r: {})
    up: bool | None = None  # None: up exactly when there is no downtime


TWO_REGIONS = {
    "edge": {"kind": "cdn", "provider": "cloudflare", "depends_on": [{"any_of": ["app-eu", "app-us"]}]},
    "app-eu": {"kind": "app", "depends_on": ["db-eu"]},
    "db-eu": {"kind": "database", "datasets": ["orders"]},
    "app-us": {"kind": "app", "region": "us-east-1", "depends_on": ["db-us"]},
    "db-us": {"kind": "database", "region": "us-east-1", "datasets": ["orders"]},
}
TIGHT = [{**ORDERS, "rto_minutes": 120}]

CASES = [
    # account takeover: the backups' fate decides
    Case(
        "account-takeover",
        "backups in the same account",
        build(shop()),
        Verdict.COMPANY_ENDING,
        "account aws/prod",
        ["app", "db", "vault"],
        lambda r: r.unrecoverable_hours * 60,
        lambda r: {"orders": (None, None)},
    ),
    Case(
        "account-takeover",
        "backups in a separate account, rebuilt by hand",
        build(shop(vault={"account": "vault"})),
        Verdict.DAMAGED,
        "account aws/prod",
        ["app", "db"],
        lambda r: restored(r, "by_hand"),
        lambda r: {"orders": (60, restored(r, "by_hand"))},
    ),
    Case(
        "account-takeover",
        "backups in a separate account, infrastructure as code",
        build(shop(vault={"account": "vault"}), practices=AS_CODE),
        Verdict.DEGRADED,
        "account aws/prod",
        ["app", "db"],
        restored,
        lambda r: {"orders": (60, restored(r))},
    ),
    Case(
        "account-takeover",
        "immutable backups in the same account",
        build(shop(backups={"immutable": True}), practices=AS_CODE),
        Verdict.DEGRADED,
        "account aws/prod",
        ["app", "db", "vault"],
        restored,
        lambda r: {"orders": (60, restored(r))},
    ),
    # drop table: only a point-in-time restore or a late enough copy loses nothing
    Case(
        "drop-table",
        "plain daily backups",
        build(shop(backups={"every_minutes": 1440})),
        Verdict.DAMAGED,
        "dataset orders",
        [],
        lambda r: RESTORE,
        lambda r: {"orders": (1440, RESTORE)},
    ),
    Case(
        "drop-table",
        "point-in-time backups",
        build(shop(backups={"every_minutes": 1440, "point_in_time": True})),
        Verdict.DEGRADED,
        "dataset orders",
        [],
        lambda r: RESTORE,
        lambda r: {"orders": (0, RESTORE)},
    ),
    Case(
        "drop-table",
        "a replica delayed an hour",
        build(
            shop(backups={"every_minutes": 1440})
            | {"db-late": {"kind": "database", "datasets": ["orders"], "delay_minutes": 60}}
        ),
        Verdict.DEGRADED,
        "dataset orders",
        [],
        lambda r: r.failover_minutes["manual"],
        lambda r: {"orders": (0, r.failover_minutes["manual"])},
    ),
    Case(
        "drop-table",
        "a replica delayed less than the drop takes to notice",
        build(
            shop(backups={"every_minutes": 1440})
            | {"db-late": {"kind": "database", "datasets": ["orders"], "delay_minutes": 10}}
        ),
        Verdict.DAMAGED,
        "dataset orders",
        [],
        lambda r: RESTORE,
        lambda r: {"orders": (1440, RESTORE)},
    ),
    # zone outage
    Case(
        "zone-outage",
        "everything in one zone",
        build(
            {
                "app": {"kind": "app", "zones": ["a"], "depends_on": ["db"]},
                "db": {"kind": "database", "zones": ["a"], "datasets": ["orders"]},
            },
            TIGHT,
        ),
        Verdict.DAMAGED,
        "zone aws/eu-west-1/a",
        ["app", "db"],
        lambda r: 4 * 60,
        lambda r: {"orders": (0, 4 * 60)},
    ),
    Case(
        "zone-outage",
        "two zones, an async replica failing over automatically",
        build(
            {
                "app": {"kind": "app", "instances": 2, "zones": ["a", "b"], "depends_on": ["db"]},
                "db": {
                    "kind": "database",
                    "instances": 2,
                    "zones": ["a", "b"],
                    "failover": "automatic",
                    "datasets": ["orders"],
                },
            },
            TIGHT,
        ),
        Verdict.DEGRADED,
        "zone aws/eu-west-1/a",
        [],
        lambda r: r.failover_minutes["automatic"],
        lambda r: {"orders": (r.async_lag_minutes, r.failover_minutes["automatic"])},
        up=True,
    ),
    Case(
        "zone-outage",
        "stateless app in two zones",
        build({"app": {"kind": "app", "instances": 2, "zones": ["a", "b"]}}, []),
        Verdict.SURVIVES,
        "zone aws/eu-west-1/a",
        [],
        lambda r: 0,
    ),
    # region and provider outages
    Case(
        "region-outage",
        "one region",
        build(shop(), TIGHT),
        Verdict.DAMAGED,
        "region aws/eu-west-1",
        ["app", "db", "vault"],
        lambda r: 8 * 60,
        lambda r: {"orders": (0, 8 * 60)},
    ),
    Case(
        "region-outage",
        "an app and its database in each of two regions",
        build(TWO_REGIONS, **{"inventory.entry": ["edge"]}),
        Verdict.DEGRADED,
        "region aws/eu-west-1",
        ["app-eu", "db-eu"],
        lambda r: 0,
        lambda r: {"orders": (0, 0)},
    ),
    Case(
        "provider-outage",
        "one provider, recovery target shorter than the outage",
        build(shop(), TIGHT),
        Verdict.DAMAGED,
        "provider aws",
        ["app", "db", "vault"],
        lambda r: 4 * 60,
        lambda r: {"orders": (0, 4 * 60)},
    ),
    Case(
        "provider-outage",
        "one provider, recovery target longer than the outage",
        build(shop()),
        Verdict.DEGRADED,
        "provider aws",
        ["app", "db", "vault"],
        lambda r: 4 * 60,
        lambda r: {"orders": (0, 4 * 60)},
    ),
    # DNS and registrar
    Case(
        "dns-provider-outage",
        "one DNS provider",
        build(
            {"app": {"kind": "app", "depends_on": ["dns"]}, "dns": {"kind": "dns", "provider": "cloudflare"}},
            [{**ORDERS, "rto_minutes": 240}],
        ),
        Verdict.DAMAGED,
        "provider cloudflare",
        ["dns"],
        lambda r: 6 * 60,
    ),
    Case(
        "dns-provider-outage",
        "two DNS providers, either will do",
        build(
            {
                "app": {"kind": "app", "depends_on": [{"any_of": ["dns-a", "dns-b"]}]},
                "dns-a": {"kind": "dns", "provider": "cloudflare"},
                "dns-b": {"kind": "dns", "provider": "ns1"},
            },
        ),
        Verdict.DEGRADED,
        "provider cloudflare",
        ["dns-a"],
        lambda r: 0,
    ),
    Case(
        "registrar-lapse",
        "the application needs its domain",
        build(
            {
                "app": {"kind": "app", "depends_on": ["domain"]},
                "domain": {"kind": "registrar", "provider": "gandi"},
            }
        ),
        Verdict.DAMAGED,
        "provider gandi",
        ["domain"],
        lambda r: 168 * 60,
    ),
    Case(
        "registrar-lapse",
        "a registrar the application does not depend on",
        build({"app": {"kind": "app"}, "domain": {"kind": "registrar", "provider": "gandi"}}),
        Verdict.DEGRADED,
        "provider gandi",
        ["domain"],
        lambda r: 0,
    ),
    # credentials
    Case(
        "leaked-ci-credentials",
        "CI credentials administer every account",
        build(
            shop(vault={"account": "vault"}) | {"ci": {"kind": "ci_cd", "provider": "github"}},
            practices=AS_CODE,
        ),
        Verdict.COMPANY_ENDING,
        "credentials of ci",
        ["app", "db", "vault"],
        lambda r: r.unrecoverable_hours * 60,
        lambda r: {"orders": (None, None)},
    ),
    Case(
        "leaked-ci-credentials",
        "CI credentials limited to production",
        build(
            shop(vault={"account": "vault"})
            | {"ci": {"kind": "ci_cd", "provider": "github", "access": ["prod"]}},
            practices=AS_CODE,
        ),
        Verdict.DEGRADED,
        "credentials of ci",
        ["app", "db"],
        restored,
        lambda r: {"orders": (60, restored(r))},
    ),
    Case(
        "malicious-insider",
        "backups in the production account",
        build(shop()),
        Verdict.COMPANY_ENDING,
        "accounts aws/prod",
        ["app", "db", "vault"],
        lambda r: r.unrecoverable_hours * 60,
        lambda r: {"orders": (None, None)},
    ),
    Case(
        "malicious-insider",
        "backups in an account production does not use",
        build(shop(vault={"account": "vault"}), practices=AS_CODE),
        Verdict.DEGRADED,
        "accounts aws/prod",
        ["app", "db"],
        restored,
        lambda r: {"orders": (60, restored(r))},
    ),
    # ransomware: mutable backups in the same account are in reach though their target is not hit
    Case(
        "ransomware-db-host",
        "mutable backups in the database's account",
        build(shop()),
        Verdict.COMPANY_ENDING,
        "component db",
        ["db"],
        lambda r: r.unrecoverable_hours * 60,
        lambda r: {"orders": (None, None)},
    ),
    # the account survives: the database is replaced in place, not rebuilt (even by hand)
    Case(
        "ransomware-db-host",
        "backups in a separate account",
        build(shop(vault={"account": "vault"})),
        Verdict.DEGRADED,
        "component db",
        ["db"],
        replaced,
        lambda r: {"orders": (60, replaced(r))},
    ),
    Case(
        "ransomware-db-host",
        "immutable backups in the database's account",
        build(shop(backups={"immutable": True})),
        Verdict.DEGRADED,
        "component db",
        ["db"],
        replaced,
        lambda r: {"orders": (60, replaced(r))},
    ),
    # a botched deploy: down until rolled back, whatever the redundancy
    Case(
        "botched-deploy",
        "a release broken on the app the users reach",
        build({"app": {"kind": "app", "instances": 3}}, [{**ORDERS, "rto_minutes": 60}]),
        Verdict.DAMAGED,
        "component app",
        ["app"],
        lambda r: 2 * 60,
    ),
    Case(
        "botched-deploy",
        "rolled back within the recovery target",
        build({"app": {"kind": "app", "instances": 3}}),
        Verdict.DEGRADED,
        "component app",
        ["app"],
        lambda r: 2 * 60,
    ),
    # every component serving one certificate expires with it
    Case(
        "certificate-expiry",
        "the entry serves the expiring certificate",
        build({"app": {"kind": "app", "certificate": "wildcard"}}, [{**ORDERS, "rto_minutes": 60}]),
        Verdict.DAMAGED,
        "certificate wildcard",
        ["app"],
        lambda r: 3 * 60,
    ),
    Case(
        "certificate-expiry",
        "only an admin site serves it",
        build(
            {"app": {"kind": "app"}, "admin": {"kind": "app", "certificate": "admin"}},
            **{"inventory.entry": ["app"]},
        ),
        Verdict.DEGRADED,
        "certificate admin",
        ["admin"],
        lambda r: 0,
    ),
    # some tenants deleted: their data back from a whole restore tenant by tenant, or alone
    Case(
        "tenant-deletion",
        "a whole-system backup",
        build(shop()),
        Verdict.DAMAGED,
        "dataset orders",
        [],
        lambda r: RESTORE + r.partial_restore_hours * 60,
        lambda r: {"orders": (60, RESTORE + r.partial_restore_hours * 60)},
        up=True,
    ),
    Case(
        "tenant-deletion",
        "a backup that restores one tenant on its own",
        build(shop(backups={"granularity": "tenant"})),
        Verdict.DEGRADED,
        "dataset orders",
        [],
        lambda r: RESTORE,
        lambda r: {"orders": (60, RESTORE)},
        up=True,
    ),
    # one regional service down, the rest of the region up
    Case(
        "regional-service-outage",
        "the app needs the regional queue",
        build(
            {"app": {"kind": "app", "zones": ["a"], "depends_on": ["queue"]}, "queue": {"kind": "queue"}},
            TIGHT,
        ),
        Verdict.DAMAGED,
        "service aws/eu-west-1 queue",
        ["queue"],
        lambda r: 4 * 60,
    ),
    Case(
        "regional-service-outage",
        "a queue the app does not need",
        build({"app": {"kind": "app", "zones": ["a"]}, "queue": {"kind": "queue"}}, TIGHT),
        Verdict.DEGRADED,
        "service aws/eu-west-1 queue",
        ["queue"],
        lambda r: 0,
    ),
    # fire: write-once copies in the burning building burn too
    Case(
        "datacenter-fire",
        "immutable backups in the same zone",
        build(
            shop(backups={"immutable": True}, vault={"zones": ["a"]}, zones=["a"])
            | {"app": {"kind": "app", "zones": ["a"], "depends_on": ["db"]}}
        ),
        Verdict.COMPANY_ENDING,
        "zone aws/eu-west-1/a",
        ["app", "db", "vault"],
        lambda r: r.unrecoverable_hours * 60,
        lambda r: {"orders": (None, None)},
    ),
    # the app (30 min) and the database (120 min) are replaced in the region: the longer decides
    Case(
        "datacenter-fire",
        "immutable backups in a regional store",
        build(
            shop(backups={"immutable": True}, zones=["a"])
            | {"app": {"kind": "app", "zones": ["a"], "depends_on": ["db"]}},
        ),
        Verdict.DEGRADED,
        "zone aws/eu-west-1/a",
        ["app", "db"],
        lambda r: max(r.restore_minutes["app"], replaced(r)),
        lambda r: {"orders": (60, replaced(r))},
    ),
    Case(
        "datacenter-fire",
        "an automatic failover to the other zone",
        build(
            {
                "app": {"kind": "app", "instances": 2, "zones": ["a", "b"], "depends_on": ["db"]},
                "db": {
                    "kind": "database",
                    "instances": 2,
                    "zones": ["a", "b"],
                    "failover": "automatic",
                    "replication": "sync",
                    "datasets": ["orders"],
                },
            },
            TIGHT,
        ),
        Verdict.DEGRADED,
        "zone aws/eu-west-1/a",
        [],
        lambda r: r.failover_minutes["automatic"],
        lambda r: {"orders": (0, r.failover_minutes["automatic"])},
        up=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.scenario}: {c.label}")
def test_scenario_against_inventory(case: Case, lens: Lens) -> None:
    r = lens.reliability
    o = outcomes(case.w, lens)[case.scenario]
    assert (o.verdict, o.scope, o.lost) == (case.verdict, case.scope, case.lost), o.reason
    assert o.downtime_minutes == pytest.approx(case.downtime(r))
    assert o.app_up == (case.downtime(r) == 0 if case.up is None else case.up)
    expected = case.data(r)
    assert [d.dataset for d in o.datasets] == list(expected)
    for d in o.datasets:
        lost, recovery = expected[d.dataset]
        assert d.lost_minutes == (None if lost is None else pytest.approx(lost))
        assert d.recovery_minutes == (None if recovery is None else pytest.approx(recovery))
    share = next(s.share for s in lens.scenarios if s.id == case.scenario)
    assert o.share == share  # the tenants it reaches, and so the share of an hour's cost it costs
    assert o.cost == pytest.approx(share * case.downtime(r) / 60 * COST_PER_HOUR)
    assert o.reason.endswith(".") and o.reason.count(". ") == 0
    assert "loses 0 min" not in o.reason


def test_every_shipped_scenario_has_a_surviving_and_a_breaking_case(lens: Lens) -> None:
    shipped = {s.id for s in load_lens().scenarios}
    assert {c.scenario for c in CASES if c.verdict in SURVIVING} == shipped
    assert {c.scenario for c in CASES if c.verdict in BREAKING} == shipped


def test_targets_decide_damage(lens: Lens) -> None:
    """A missed RPO, a missed RTO and a gone dataset each name themselves in the reason."""
    daily = outcomes(build(shop(backups={"every_minutes": 1440})), lens)["drop-table"]
    assert not daily.datasets[0].rpo_met and daily.datasets[0].rto_met
    assert "RPO" in daily.reason and "orders" in daily.reason
    by_hand = outcomes(build(shop(vault={"account": "vault"})), lens)["account-takeover"]
    assert by_hand.datasets[0].rpo_met and not by_hand.datasets[0].rto_met
    assert "RTO" in by_hand.reason
    gone = outcomes(build(shop()), lens)["account-takeover"]
    assert "orders" in gone.reason and "gone" in gone.reason


def test_recovered_from_names_the_copy(lens: Lens) -> None:
    late = shop() | {"db-late": {"kind": "database", "datasets": ["orders"], "delay_minutes": 60}}
    assert outcomes(build(late), lens)["drop-table"].datasets[0].recovered_from == "delayed copy db-late"
    pitr = outcomes(build(shop(backups={"point_in_time": True})), lens)["drop-table"]
    assert pitr.datasets[0].recovered_from == "point-in-time backup on vault"
    assert outcomes(build(shop()), lens)["account-takeover"].datasets[0].recovered_from is None


def test_point_in_time_backup_loses_only_the_archive_lag_when_the_primary_is_destroyed(lens: Lens) -> None:
    daily = {"every_minutes": 1440, "point_in_time": True}
    o = outcomes(build(shop(backups=daily, vault={"account": "vault"}), practices=AS_CODE), lens)
    lost = o["account-takeover"].datasets[0].lost_minutes
    assert lost == lens.reliability.async_lag_minutes
    plain = outcomes(build(shop(backups={"every_minutes": 1440}, vault={"account": "vault"})), lens)
    assert plain["account-takeover"].datasets[0].lost_minutes == 1440


def test_the_quickest_lossless_copy_wins(lens: Lens) -> None:
    """A delayed copy (back after a manual failover) beside a point-in-time backup restoring faster."""
    fast = lens.reliability.failover_minutes["manual"] / 3
    late = {"db-late": {"kind": "database", "datasets": ["orders"], "delay_minutes": 60}}
    w = build(shop(backups={"point_in_time": True, "restore_minutes": fast}) | late)
    drop = outcomes(w, lens)["drop-table"].datasets[0]
    assert (drop.lost_minutes, drop.recovery_minutes, drop.recovered_from) == (
        0,
        fast,
        "point-in-time backup on vault",
    )
    slow = build(shop(backups={"point_in_time": True, "restore_minutes": 3 * fast * 3}) | late)
    assert outcomes(slow, lens)["drop-table"].datasets[0].recovered_from == "delayed copy db-late"


def test_delayed_copy_outlives_destruction_of_the_primary(lens: Lens) -> None:
    """The primary's account is taken over: the delayed copy in another account is promoted by hand."""
    w = build(
        shop()
        | {"db-late": {"kind": "database", "account": "dr", "datasets": ["orders"], "delay_minutes": 60}}
    )
    o = outcomes(w, lens)["account-takeover"]
    assert o.scope == "account aws/prod"
    r = lens.reliability
    assert (o.datasets[0].lost_minutes, o.datasets[0].recovery_minutes) == (
        r.async_lag_minutes,
        r.failover_minutes["manual"],
    )


def test_lifeblood_rto_is_the_recovery_target(lens: Lens) -> None:
    two = [ORDERS, {"name": "carts", "criticality": "lifeblood", "rto_minutes": 90}]
    assert outcomes(build(shop(), two), lens)["region-outage"].recovery_target_minutes == 90
    w = build({"app": {"kind": "app"}}, [])
    budget = derive(w, lens, NOW).targets.availability.error_budget_minutes_per_month
    assert outcomes(w, lens)["region-outage"].recovery_target_minutes == pytest.approx(budget)


def test_expendable_drop_keeps_the_app_up(lens: Lens) -> None:
    logs = {"name": "logs", "criticality": "expendable", "rpo_minutes": 1440, "rto_minutes": 1440}
    w = build({"app": {"kind": "app"}, "db": {"kind": "database", "datasets": ["logs"]}}, [logs])
    o = outcomes(w, lens)["drop-table"]
    assert (o.app_up, o.downtime_minutes, o.verdict) == (True, 0, Verdict.DAMAGED)
    assert o.datasets[0].lost_minutes is None


def test_cost_is_downtime_hours_times_cost_per_hour_plus_incident_cost(lens: Lens) -> None:
    w = build(
        shop(), TIGHT, **{"answers.reliability": {"downtime_cost_per_hour": 250, "incident_cost": 1000}}
    )
    o = outcomes(w, lens)["region-outage"]
    assert o.cost == pytest.approx(8 * 250 + 1000)
    survived = outcomes(build({"app": {"kind": "app", "instances": 2, "zones": ["a", "b"]}}, []), lens)
    assert survived["zone-outage"].cost == 0


def test_cost_follows_the_horizon(lens: Lens) -> None:
    later = Horizon.TWELVE_MONTHS
    w = build(shop(), TIGHT, **{"answers.reliability": {"downtime_cost_per_hour": {"now": 100, "12mo": 400}}})
    o = {x.scenario: x for x in run(w, lens, derive(w, lens, later).targets, later)}["region-outage"]
    assert o.cost == pytest.approx(8 * 400)


def test_per_year_scales_with_scope_values(lens: Lens) -> None:
    per = {s.id: s.per_year for s in lens.scenarios}
    w = build({"app": {"kind": "app", "instances": 3, "zones": ["a", "b", "c"]}}, [])
    result = outcomes(w, lens)
    assert result["zone-outage"].per_year == pytest.approx(3 * per["zone-outage"])
    assert result["region-outage"].per_year == pytest.approx(per["region-outage"])
    two = outcomes(build(shop(vault={"account": "vault"})), lens)
    vault = next(s.vault_odds for s in lens.scenarios if s.id == "account-takeover")  # it holds backups only
    assert two["account-takeover"].per_year == pytest.approx((1 + vault) * per["account-takeover"])
    assert two["ransomware-db-host"].per_year == pytest.approx(per["ransomware-db-host"])


def test_yearly_cost_prices_each_occurrence_at_its_own_cost(lens: Lens) -> None:
    """Three zones, only zone a holds the database: the zone outage costs something in one zone of three."""
    components = {
        "app": {"kind": "app", "instances": 3, "zones": ["a", "b", "c"], "depends_on": ["db"]},
        "db": {"kind": "database", "zones": ["a"]},
    }
    zone = outcomes(build(components, []), lens)["zone-outage"]
    rate = next(s.per_year for s in lens.scenarios if s.id == "zone-outage")
    assert zone.cost == pytest.approx(4 * 100)  # the zone a outage: 4 h at 100 an hour
    assert zone.per_year == pytest.approx(3 * rate)
    assert zone.cost_per_year == pytest.approx(rate * zone.cost)


def test_worst_occurrence_is_reported(lens: Lens) -> None:
    """Zone b holds only one of two app instances; zone a holds the only database."""
    w = build(
        {
            "app": {"kind": "app", "instances": 2, "zones": ["a", "b"], "depends_on": ["db"]},
            "db": {"kind": "database", "zones": ["a"], "datasets": ["orders"]},
        },
        TIGHT,
    )
    o = outcomes(w, lens)["zone-outage"]
    assert (o.scope, o.lost, o.verdict) == ("zone aws/eu-west-1/a", ["db"], Verdict.DAMAGED)


def test_scenarios_without_a_scope_value_are_not_run(lens: Lens) -> None:
    w = build({"app": {"kind": "app", "provider": "fly"}}, [])
    ran = [o.scenario for o in run(w, lens, derive(w, lens, NOW).targets, NOW)]
    assert ran == ["provider-outage", "botched-deploy"]
    full = build(
        shop(zones=["a"])
        | {
            "ci": {"kind": "ci_cd", "provider": "github"},
            "domain": {"kind": "registrar", "provider": "gandi"},
        }
    )
    assert [o.scenario for o in run(full, lens, derive(full, lens, NOW).targets, NOW)] == [
        s.id
        for s in lens.scenarios
        if s.id not in ("dns-provider-outage", "certificate-expiry", "regional-service-outage")
    ]


def test_practices_come_from_the_lens(lens: Lens) -> None:
    o = outcomes(build(shop()), lens)["account-takeover"]
    assert o.practices == next(s.practices for s in lens.scenarios if s.id == "account-takeover")
    assert o.title == next(s.title for s in lens.scenarios if s.id == "account-takeover")


def test_inventory_rebuild_hours_win(lens: Lens) -> None:
    w = build(shop(vault={"account": "vault"}), practices=AS_CODE, **{"inventory.rebuild_hours": 1.5})
    o = outcomes(w, lens)["account-takeover"]
    assert o.datasets[0].recovery_minutes == pytest.approx(RESTORE + 90)


def test_user_scenario_from_a_lens_file_runs(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "scenarios:\n"
        "  - id: cache-wipe\n"
        "    title: Cache wiped\n"
        "    summary: Someone flushes the wrong cache cluster.\n"
        "    scope: kind\n"
        "    kinds: [cache]\n"
        "    per: component\n"
        "    effect: destroy\n"
        "    per_year: 2\n"
    )
    mine = load_lens([extra])
    w = build({"app": {"kind": "app", "depends_on": ["cache"]}, "cache": {"kind": "cache"}}, [])
    o = outcomes(w, mine)["cache-wipe"]
    budget = derive(w, mine, NOW).targets.availability.error_budget_minutes_per_month
    replace = mine.reliability.restore_minutes["cache"]
    assert replace < budget
    assert (o.scope, o.lost, o.app_up, o.verdict) == ("component cache", ["cache"], False, Verdict.DEGRADED)
    assert o.component == "cache"  # what its odds are settled by
    assert o.downtime_minutes == pytest.approx(replace)
    assert o.per_year == 2
    assert "cache-wipe" not in outcomes(w, load_lens())


def test_a_workload_without_inventory_is_refused(lens: Lens) -> None:
    w = workload()
    with pytest.raises(UsageError, match="inventory"):
        run(w, lens, derive(w, lens, NOW).targets, NOW)


def wipe(tmp_path: Path, scope: str) -> Lens:
    """A user scenario destroying everything in its scope, to show the rebuild follows the scope."""
    extra = tmp_path / f"{scope}.yaml"
    extra.write_text(
        "scenarios:\n"
        f"  - id: {scope}-wipe\n"
        "    title: Everything wiped\n"
        "    summary: Everything in the scope is deleted.\n"
        f"    scope: {scope}\n"
        "    effect: destroy\n"
        "    per_year: 1\n"
    )
    return load_lens([extra])


@pytest.mark.parametrize("scope", ["account", "region"])
def test_rebuild_only_when_the_scenario_takes_the_account(tmp_path: Path, scope: str) -> None:
    """The same cache is destroyed by both: losing the account means recreating it elsewhere
    by hand (72 h); losing the region's machines means replacing it in place (its restore time)."""
    mine = wipe(tmp_path, scope)
    w = build(
        {"app": {"kind": "app", "provider": "fly", "depends_on": ["cache"]}, "cache": {"kind": "cache"}}, []
    )
    o = outcomes(w, mine)[f"{scope}-wipe"]
    r = mine.reliability
    expected = r.rebuild_hours["by_hand"] * 60 if scope == "account" else r.restore_minutes["cache"]
    assert (o.lost, o.app_up) == (["cache"], False)
    assert o.downtime_minutes == pytest.approx(expected)


def test_fire_replaces_a_lost_cache_in_its_restore_time(lens: Lens) -> None:
    """A one-zone cache without data burns with its zone; the app in two zones survives."""
    w = build(
        {
            "app": {"kind": "app", "instances": 2, "zones": ["a", "b"], "depends_on": ["cache"]},
            "cache": {"kind": "cache", "zones": ["a"]},
        },
        [],
    )
    o = outcomes(w, lens)["datacenter-fire"]
    assert (o.scope, o.lost) == ("zone aws/eu-west-1/a", ["cache"])
    assert o.downtime_minutes == pytest.approx(lens.reliability.restore_minutes["cache"])


def test_reason_names_the_largest_time_overshoot(lens: Lens) -> None:
    """An 8 h region outage: orders (RTO 4 h) misses by 2x, emails (RTO 60 min) by 8x, the
    application's 8 h against the 4 h recovery target by 2x: emails is named."""
    datasets = [
        {**ORDERS, "rto_minutes": 240},
        {"name": "emails", "criticality": "important", "rpo_minutes": 60, "rto_minutes": 60},
    ]
    components = shop() | {"db": {"kind": "database", "datasets": ["orders", "emails"]}}
    o = outcomes(build(components, datasets), lens)["region-outage"]
    assert o.reason == "emails is back after 8 h, later than its RTO of 60 min."


def test_reason_says_a_data_miss_and_a_time_miss_together(lens: Lens) -> None:
    """Account taken, backups hourly in another account, rebuilt by hand: orders loses 60 min
    (RPO 30 min, 2x) and the application is down 90 + 72 x 60 = 4410 min against the 30-min
    RTO of sessions, lifeblood but held at a SaaS no account scenario reaches (147x)."""
    datasets = [
        {**ORDERS, "rpo_minutes": 30},
        {"name": "sessions", "criticality": "lifeblood", "rpo_minutes": 60, "rto_minutes": 30},
    ]
    components = shop(vault={"account": "vault"}) | {
        "kv": {"kind": "cache", "provider": "upstash", "datasets": ["sessions"]}
    }
    o = outcomes(build(components, datasets), lens)["account-takeover"]
    assert o.downtime_minutes == pytest.approx(restored(lens.reliability, "by_hand"))
    assert o.reason == (
        "orders loses 60 min of data (RPO 30 min) and the application is down 3.06 days, "
        "against a recovery target of 30 min."
    )


def test_reason_with_both_misses_of_one_dataset_names_it_once(lens: Lens) -> None:
    """Account taken, rebuilt by hand: orders loses 60 min (RPO 30) and is back after 4410 min
    (RTO 8 h, 9.19x, the same as the application's downtime against its target: the dataset wins the tie)."""
    w = build(shop(vault={"account": "vault"}), [{**ORDERS, "rpo_minutes": 30}])
    o = outcomes(w, lens)["account-takeover"]
    assert (
        o.reason
        == "orders loses 60 min of data (RPO 30 min) and is back after 3.06 days, against its RTO of 8 h."
    )


def test_reason_with_a_data_miss_only(lens: Lens) -> None:
    o = outcomes(build(shop(backups={"every_minutes": 1440})), lens)["drop-table"]
    assert o.reason == "orders loses 24 h of data, more than its RPO of 60 min."


def test_registrar_is_reached_only_by_scenarios_naming_it(lens: Lens) -> None:
    """A domain registered at the cloud provider, in the production account: neither the
    account, the region nor the provider's outage stops resolution; only its lapse does."""
    w = build(
        {
            "app": {"kind": "app", "provider": "fly", "depends_on": ["domain"]},
            "domain": {"kind": "registrar"},
        },
        [],
    )
    result = outcomes(w, lens)
    assert list(result) == ["provider-outage", "registrar-lapse", "botched-deploy"]
    assert result["provider-outage"].scope == "provider fly"
    assert result["provider-outage"].per_year == pytest.approx(
        next(s.per_year for s in lens.scenarios if s.id == "provider-outage")
    )
    lapse = result["registrar-lapse"]
    assert (lapse.scope, lapse.lost, lapse.app_up) == ("provider aws", ["domain"], False)
    assert lapse.downtime_minutes == pytest.approx(168 * 60)


def test_registrar_survives_its_company_outage(lens: Lens) -> None:
    """DNS depends on a registrar at gandi: a gandi-wide outage is not an occurrence."""
    w = build(
        {
            "app": {"kind": "app", "depends_on": ["dns"]},
            "dns": {"kind": "dns", "provider": "cloudflare", "depends_on": ["domain"]},
            "domain": {"kind": "registrar", "provider": "gandi"},
        },
        [],
    )
    o = outcomes(w, lens)["provider-outage"]
    assert o.scope != "provider gandi" and "domain" not in o.lost
    assert o.per_year == pytest.approx(
        2 * next(s.per_year for s in lens.scenarios if s.id == "provider-outage")
    )


def test_failover_window_is_downtime_and_costs_an_incident(lens: Lens) -> None:
    """The database's zone fails; its spare takes over in 10 min: 10 min down at 100 an hour
    plus the 500 incident."""
    w = build(
        {
            "app": {"kind": "app", "instances": 2, "zones": ["a", "b"], "depends_on": ["db"]},
            "db": {
                "kind": "database",
                "instances": 2,
                "zones": ["a", "b"],
                "failover": {"mode": "manual", "minutes": 10},
                "replication": "sync",
                "datasets": ["orders"],
            },
        },
        **{"answers.reliability": {"downtime_cost_per_hour": 100, "incident_cost": 500}},
    )
    o = outcomes(w, lens)["zone-outage"]
    assert (o.app_up, o.downtime_minutes, o.verdict) == (True, 10, Verdict.DEGRADED)
    assert o.cost == pytest.approx(10 / 60 * 100 + 500)
    assert o.reason == "The application is down 10 min, within its recovery target of 8 h."


def test_failover_of_a_component_the_app_does_not_need_is_not_downtime(lens: Lens) -> None:
    w = build(
        {
            "app": {"kind": "app"},
            "db": {
                "kind": "database",
                "instances": 2,
                "zones": ["a", "b"],
                "failover": "automatic",
                "replication": "sync",
                "datasets": ["orders"],
            },
        }
    )
    o = outcomes(w, lens)["zone-outage"]
    assert (o.app_up, o.downtime_minutes, o.cost, o.verdict) == (True, 0, 0, Verdict.DEGRADED)
    minutes = lens.reliability.failover_minutes["automatic"]
    assert o.reason == f"orders is back after {minutes:g} min with nothing lost, within its RTO."
