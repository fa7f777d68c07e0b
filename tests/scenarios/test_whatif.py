"""What-if changes: each applies where it should and refuses where it should not, its effect
on the availability model and the scenario verdicts is worked out by hand from the lens's
reliability figures, and the ranked plan orders by money saved per money spent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devoops.derive import derive
from devoops.errors import UsageError
from devoops.load import load_workload
from devoops.model.common import Horizon
from devoops.model.inventory import AnyOf, FailoverMode
from devoops.model.lens import Lens, Reliability
from devoops.model.resilience import Verdict
from devoops.model.workload import Workload
from devoops.scenarios import whatif
from devoops.scenarios.availability import analytic
from devoops.scenarios.catastrophe import run
from tests.conftest import workload

NOW = Horizon.NOW
ORDERS = {"name": "orders", "criticality": "lifeblood", "rpo_minutes": 60, "rto_minutes": 240}


def components(**changes: dict[str, Any]) -> dict[str, Any]:
    """web -> (dns, db); db holds orders, backed up daily to `vault` in the same account."""
    base: dict[str, Any] = {
        "dns": {"kind": "dns", "provider": "cloudflare"},
        "web": {"kind": "app", "zones": ["eu-west-1a"], "depends_on": ["dns", "db"]},
        "db": {
            "kind": "database",
            "zones": ["eu-west-1a"],
            "datasets": ["orders"],
            "backups": [{"to": "vault", "every_minutes": 1440}],
        },
        "vault": {"kind": "backup_target"},
    }
    for cid, fields in changes.items():
        base[cid] = {**base.get(cid, {}), **fields}
    return {cid: c for cid, c in base.items() if c}


def shop(comps: dict[str, Any] | None = None, **changes: Any) -> Workload:
    """On aws account 111, region eu-west-1; an hour down costs 100, an incident 50."""
    inventory = {
        "defaults": {"provider": "aws", "account": "111", "region": "eu-west-1"},
        "components": components() if comps is None else comps,
    }
    return workload(
        inventory=inventory,
        **{"answers.data.datasets": [ORDERS], "answers.reliability.incident_cost": 50},
        **changes,
    )


def a(mtbf_hours: float, mttr_minutes: float) -> float:
    return mtbf_hours / (mtbf_hours + mttr_minutes / 60)


def kind(r: Reliability, k: str) -> float:
    return a(r.kinds[k].mtbf_hours, r.kinds[k].mttr_minutes)


def verdicts(w: Workload, lens: Lens) -> dict[str, Verdict]:
    return {o.scenario: o.verdict for o in run(w, lens, derive(w, lens, NOW).targets, NOW)}


def apply(w: Workload, tokens: str) -> Workload:
    assert w.inventory is not None
    for name, arg in whatif.parse(tokens.split(), w.inventory):
        w = whatif.apply(w, name, arg)
    return w


def loads(w: Workload, lens: Lens, tmp_path: Path) -> None:
    """The changed workload passes the loader's own validation, from a file like a user's."""
    path = tmp_path / "changed.yaml"
    path.write_text(json.dumps(w.model_dump(mode="json", by_alias=True, exclude_defaults=True)))
    load_workload(path, lens)


# parse -----------------------------------------------------------------------------------


def test_parse_reads_changes_with_and_without_components() -> None:
    inv = shop().inventory
    assert inv is not None
    steps = whatif.parse(["add-replica", "db", "second-dns-provider", "point-in-time-recovery", "db"], inv)
    assert steps == [("add-replica", "db"), ("second-dns-provider", None), ("point-in-time-recovery", "db")]


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (["add-replika", "db"], "unknown change 'add-replika' (did you mean 'add-replica'?)"),
        (["add-replica", "dbb"], "unknown component 'dbb' (did you mean 'db'?)"),
        (["add-replica"], "add-replica needs a component"),
        (["add-replica", "vault"], "add-replica does not apply to vault"),
    ],
)
def test_parse_refuses_clearly(tokens: list[str], message: str) -> None:
    inv = shop().inventory
    assert inv is not None
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        whatif.parse(tokens, inv)


# add-replica -----------------------------------------------------------------------------


def test_add_replica_on_a_single_database_gives_a_standby(lens: Lens, tmp_path: Path) -> None:
    r = lens.reliability
    w = shop()
    after = apply(w, "add-replica db")
    assert after.inventory is not None and w.inventory is not None
    db = after.inventory.components["db"]
    assert db.instances == 2 and db.failover is not None and db.failover.mode == FailoverMode.AUTOMATIC
    # only the database's part changes: one instance -> one of two, in series with a failover
    # unit failing once per instance failure (rate 1/MTBF) and lasting the automatic minutes
    one = kind(r, "database")
    two = 1 - (1 - one) ** 2
    failover = a(r.kinds["database"].mtbf_hours, r.failover_minutes["automatic"])
    before_a = analytic(w.inventory, r).availability
    after_a = analytic(after.inventory, r).availability
    assert after_a / before_a == pytest.approx(two * failover / one, rel=1e-9)
    loads(after, lens, tmp_path)


def test_add_replica_on_an_app_only_adds_an_instance(lens: Lens) -> None:
    after = apply(shop(), "add-replica web")
    assert after.inventory is not None
    web = after.inventory.components["web"]
    assert web.instances == 2 and web.failover is None


def test_add_replica_does_not_apply_to_a_backup_target_or_a_delayed_copy() -> None:
    inv = shop(components(late={"kind": "database", "delay_minutes": 60, "datasets": ["orders"]})).inventory
    assert inv is not None
    for cid in ("vault", "dns", "late"):
        assert not whatif.CHANGES["add-replica"].applies(inv, cid)


# multi-zone ------------------------------------------------------------------------------


def test_multi_zone_reuses_zones_of_the_region_and_survives_a_zone(lens: Lens, tmp_path: Path) -> None:
    comps = components(
        cache={"kind": "cache", "zones": ["eu-west-1c"]},
        web={"instances": 2, "depends_on": ["dns", "db", "cache"]},
        db={"instances": 2, "zones": ["eu-west-1a", "eu-west-1c"], "failover": "automatic"},
    )
    w = shop(comps)
    after = apply(w, "multi-zone web")
    assert after.inventory is not None
    web = after.inventory.components["web"]
    assert web.zones == ["eu-west-1a", "eu-west-1c"] and web.instances == 2
    loads(after, lens, tmp_path)


def test_multi_zone_names_new_zones_in_the_region_style(lens: Lens, tmp_path: Path) -> None:
    after = apply(shop(), "multi-zone db")
    assert after.inventory is not None
    db = after.inventory.components["db"]
    assert db.zones == ["eu-west-1a", "eu-west-1b"]
    assert db.instances == 2 and db.failover is not None
    loads(after, lens, tmp_path)


def test_multi_zone_without_style_uses_dashed_names() -> None:
    after = apply(shop(components(web={"zones": []}, db={"zones": []})), "multi-zone web")
    assert after.inventory is not None
    assert after.inventory.components["web"].zones == ["eu-west-1-a", "eu-west-1-b"]


def test_multi_zone_does_not_apply_to_global_or_already_spread_components() -> None:
    inv = shop(components(web={"instances": 2, "zones": ["eu-west-1a", "eu-west-1b"]})).inventory
    assert inv is not None
    for cid in ("dns", "web", "vault"):
        assert not whatif.CHANGES["multi-zone"].applies(inv, cid)


# automatic-failover ----------------------------------------------------------------------


def test_automatic_failover_shortens_the_failover_window(lens: Lens) -> None:
    r = lens.reliability
    w = shop(components(db={"instances": 2, "failover": "manual"}))
    after = apply(w, "automatic-failover db")
    assert after.inventory is not None and w.inventory is not None
    failover = after.inventory.components["db"].failover
    assert failover is not None and failover.mode == FailoverMode.AUTOMATIC
    mtbf = r.kinds["database"].mtbf_hours
    ratio = a(mtbf, r.failover_minutes["automatic"]) / a(mtbf, r.failover_minutes["manual"])
    assert analytic(after.inventory, r).availability / analytic(w.inventory, r).availability == pytest.approx(
        ratio, rel=1e-9
    )


def test_automatic_failover_needs_a_manual_one() -> None:
    inv = shop().inventory
    assert inv is not None
    with pytest.raises(UsageError, match="automatic-failover does not apply to db"):
        whatif.parse(["automatic-failover", "db"], inv)


# second-dns-provider ---------------------------------------------------------------------


def test_second_dns_provider_survives_a_dns_outage(lens: Lens, tmp_path: Path) -> None:
    w = shop()
    assert verdicts(w, lens)["dns-provider-outage"] == Verdict.DAMAGED  # 6 h down > the 4 h RTO of orders
    after = apply(w, "second-dns-provider")
    assert after.inventory is not None
    second = after.inventory.components["dns-second"]
    assert second.kind == "dns" and after.inventory.placed("dns-second").provider not in ("aws", "cloudflare")
    assert after.inventory.components["web"].depends_on[0] == AnyOf(any_of=["dns", "dns-second"])
    assert verdicts(after, lens)["dns-provider-outage"] in (Verdict.SURVIVES, Verdict.DEGRADED)
    loads(after, lens, tmp_path)


def test_second_dns_provider_needs_a_single_dns() -> None:
    no_dns = shop(components(dns={}, web={"depends_on": ["db"]})).inventory
    assert no_dns is not None
    with pytest.raises(UsageError, match="second-dns-provider does not apply"):
        whatif.parse(["second-dns-provider"], no_dns)
    already = shop(
        components(
            other={"kind": "dns", "provider": "ns1"}, web={"depends_on": [{"any_of": ["dns", "other"]}, "db"]}
        )
    ).inventory
    assert already is not None and not whatif.CHANGES["second-dns-provider"].applies(already, None)


# backups-to-separate-account -------------------------------------------------------------


def test_backups_to_separate_account_survive_an_account_takeover(lens: Lens, tmp_path: Path) -> None:
    w = shop()
    assert verdicts(w, lens)["account-takeover"] == Verdict.COMPANY_ENDING
    after = apply(w, "backups-to-separate-account")
    assert after.inventory is not None
    inv = after.inventory
    target = inv.components["db"].backups[0].to
    assert inv.components[target].kind == "backup_target"
    assert inv.placed(target).provider == "aws" and inv.placed(target).account not in (None, "111")
    assert verdicts(after, lens)["account-takeover"] in (Verdict.DAMAGED, Verdict.DEGRADED)
    loads(after, lens, tmp_path)


def test_backups_already_elsewhere_need_no_separate_account() -> None:
    inv = shop(components(vault={"account": "222"})).inventory
    assert inv is not None
    assert not whatif.CHANGES["backups-to-separate-account"].applies(inv, None)


# point-in-time-recovery ------------------------------------------------------------------


def test_point_in_time_recovery_loses_nothing_to_a_drop(lens: Lens, tmp_path: Path) -> None:
    w = shop()
    target = derive(w, lens, NOW).targets
    drop = next(o for o in run(w, lens, target, NOW) if o.scenario == "drop-table")
    assert drop.datasets[0].lost_minutes == 1440 and drop.verdict == Verdict.DAMAGED
    after = apply(w, "point-in-time-recovery db")
    assert after.inventory is not None and after.inventory.components["db"].backups[0].point_in_time
    drop = next(o for o in run(after, lens, target, NOW) if o.scenario == "drop-table")
    assert drop.datasets[0].lost_minutes == 0
    loads(after, lens, tmp_path)


def test_point_in_time_recovery_needs_a_database_with_backups() -> None:
    inv = shop(components(db={"backups": []})).inventory
    assert inv is not None
    for cid in ("db", "web"):
        assert not whatif.CHANGES["point-in-time-recovery"].applies(inv, cid)


# delayed-replica -------------------------------------------------------------------------


def test_delayed_replica_brings_a_dropped_table_back(lens: Lens, tmp_path: Path) -> None:
    r = lens.reliability
    w = shop()
    after = apply(w, "delayed-replica db")
    assert after.inventory is not None
    late = after.inventory.components["db-delayed"]
    assert late.delay_minutes == 60 and late.datasets == ["orders"]
    assert not any("db-delayed" in str(c.depends_on) for c in after.inventory.components.values())
    drop = next(
        o for o in run(after, lens, derive(after, lens, NOW).targets, NOW) if o.scenario == "drop-table"
    )
    assert drop.datasets[0].lost_minutes == 0
    assert drop.datasets[0].recovery_minutes == r.failover_minutes["manual"]
    loads(after, lens, tmp_path)


def test_delayed_replica_once_per_dataset() -> None:
    inv = shop(components(late={"kind": "database", "delay_minutes": 120, "datasets": ["orders"]})).inventory
    assert inv is not None
    for cid in ("db", "late", "web"):
        assert not whatif.CHANGES["delayed-replica"].applies(inv, cid)


# money -----------------------------------------------------------------------------------


def test_expected_cost_is_the_model_plus_the_uncounted_scenarios(lens: Lens) -> None:
    w = shop()
    assert w.inventory is not None
    t = derive(w, lens, NOW).targets
    m = analytic(w.inventory, lens.reliability)
    counted = {s.id for s in lens.scenarios if s.in_availability_model}
    hand = (1 - m.availability) * 8760 * 100 + m.incidents_per_year * 50
    hand += sum(o.cost_per_year for o in run(w, lens, t, NOW) if o.scenario not in counted)
    assert whatif.expected_cost(w, lens, t, NOW) == pytest.approx(hand, rel=1e-9)


def test_compare_prices_the_change_from_the_lens_band(lens: Lens) -> None:
    w = shop()
    t = derive(w, lens, NOW).targets
    c = whatif.compare(w, lens, t, NOW, [("backups-to-separate-account", None)])
    assert c.change == "backups-to-separate-account" and c.practice == "backups.vendor-independent"
    assert c.cost_per_year == (5 + 100) / 2 * 12
    after = whatif.apply(w, "backups-to-separate-account", None)
    assert c.downtime_cost_before == pytest.approx(whatif.expected_cost(w, lens, t, NOW))
    assert c.downtime_cost_after == pytest.approx(whatif.expected_cost(after, lens, t, NOW))
    assert c.saved_per_year == pytest.approx(c.downtime_cost_before - c.downtime_cost_after)
    assert c.saved_per_spent == pytest.approx(c.saved_per_year / c.cost_per_year)
    assert c.verdicts["account-takeover"] == (
        "company-ending",
        verdicts(after, lens)["account-takeover"].value,
    )


def test_compare_together_adds_the_costs(lens: Lens) -> None:
    w = shop()
    t = derive(w, lens, NOW).targets
    each, together = whatif.compare_each(
        w, lens, t, NOW, [("add-replica", "db"), ("second-dns-provider", None)]
    )
    assert together is not None and together.change == "add-replica db + second-dns-provider"
    assert together.cost_per_year == pytest.approx(sum(c.cost_per_year for c in each))
    assert together.cost_per_year == pytest.approx((30 + 800) / 2 * 12 + (0 + 50) / 2 * 12)
    assert together.practice is None


def test_improvements_rank_by_saved_per_spent(lens: Lens) -> None:
    w = shop()
    assert w.inventory is not None
    t = derive(w, lens, NOW).targets
    plan = whatif.improvements(w, lens, t, NOW)
    assert plan and all(c.saved_per_year > 0 for c in plan)
    assert [c.saved_per_spent for c in plan] == sorted((c.saved_per_spent for c in plan), reverse=True)
    # every applicable change that saves money is there, and nothing else
    before = whatif.expected_cost(w, lens, t, NOW)
    saving = {
        " ".join(p for p in step if p)
        for step in whatif.applicable(w.inventory)
        if before - whatif.expected_cost(whatif.apply(w, *step), lens, t, NOW) > 0
    }
    assert {c.change for c in plan} == saving
    assert {"backups-to-separate-account", "second-dns-provider", "add-replica db"} <= saving


def test_ties_rank_by_name(lens: Lens) -> None:
    """Two identical apps: adding a replica to either saves the same, so the names decide."""
    comps = components(api={"kind": "app", "zones": ["eu-west-1a"], "depends_on": ["dns", "db"]})
    w = shop(comps, **{"inventory.entry": ["web", "api"]})
    plan = [c.change for c in whatif.improvements(w, lens, derive(w, lens, NOW).targets, NOW)]
    assert plan.index("add-replica api") == plan.index("add-replica web") - 1


def test_each_change_applies_to_the_inventory_the_ones_before_left() -> None:
    inv = shop().inventory
    assert inv is not None
    with pytest.raises(UsageError, match="second-dns-provider does not apply after the changes before it"):
        whatif.parse(["second-dns-provider", "second-dns-provider"], inv)
    with pytest.raises(UsageError, match="delayed-replica does not apply to db after"):
        whatif.parse(["delayed-replica", "db", "delayed-replica", "db"], inv)
    steps = whatif.parse(["add-replica", "db", "multi-zone", "db"], inv)
    assert steps == [("add-replica", "db"), ("multi-zone", "db")]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_sequence_of_applicable_changes_parses_back_and_stays_valid(
    data: st.DataObject, lens: Lens, tmp_path: Path
) -> None:
    w = shop(components(cache={"kind": "cache"}, web={"depends_on": ["dns", "db", "cache"]}))
    assert w.inventory is not None
    steps: list[tuple[str, str | None]] = []
    for _ in range(data.draw(st.integers(0, 4))):
        assert w.inventory is not None
        candidates = whatif.applicable(w.inventory)
        if not candidates:
            break
        step = data.draw(st.sampled_from(candidates))
        steps.append(step)
        w = whatif.apply(w, *step)
    first = shop(components(cache={"kind": "cache"}, web={"depends_on": ["dns", "db", "cache"]})).inventory
    assert first is not None
    tokens = [part for step in steps for part in step if part]
    assert whatif.parse(tokens, first) == steps
    loads(w, lens, tmp_path)
