"""The what-if changes that guard data, prevent catastrophes and add a region: each applies
where it should, refuses where it should not, leaves a workload the loader accepts, and moves
what it must (an occurrence better off, or a catastrophe rarer by its practices' factors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devoops.api.workload import load_workload
from devoops.derive import derive
from devoops.lens import load_lens
from devoops.model.common import Horizon
from devoops.model.lens import Lens
from devoops.model.resilience import Move, ScenarioOutcome, Verdict
from devoops.model.workload import Workload
from devoops.scenarios import whatif
from devoops.scenarios.catastrophe import every, run
from devoops.scenarios.changes import CHANGES, applicable
from tests.conftest import workload

NOW = Horizon.NOW
ORDERS = {"name": "orders", "criticality": "lifeblood", "rpo_minutes": 60, "rto_minutes": 240}
PROVEN = {"backups.restore-drilled": "automated", "backups.automated": "automated-monitored"}


def shop(
    components: dict[str, Any] | None = None, practices: dict[str, Any] | None = None, **top: Any
) -> Workload:
    """web -> db (orders, daily backups to `vault` in the same account), aws account 111."""
    base = {
        "web": {"kind": "app", "zones": ["eu-west-1a"], "depends_on": ["db"]},
        "db": {
            "kind": "database",
            "zones": ["eu-west-1a"],
            "datasets": ["orders"],
            "backups": [{"to": "vault", "restore_minutes": 120}],
        },
        "vault": {"kind": "backup_target"},
    }
    inventory = {
        "defaults": {"provider": "aws", "account": "111", "region": "eu-west-1"},
        "components": {**base, **(components or {})},
        **top,
    }
    return workload(
        inventory=inventory,
        practices=practices if practices is not None else PROVEN,
        **{"answers.data.datasets": [ORDERS], "answers.reliability.incident_cost": 50},
    )


def after(w: Workload, name: str, arg: str | None = None) -> Workload:
    return whatif.apply(w, name, arg, load_lens().reliability)


def outcomes(w: Workload, lens: Lens) -> dict[str, ScenarioOutcome]:
    return {o.scenario: o for o in run(w, lens, derive(w, lens, NOW).targets, NOW)}


def move(w: Workload, lens: Lens, name: str, arg: str | None, scenario: str) -> Move:
    c = whatif.compare(w, lens, derive(w, lens, NOW).targets, NOW, [(name, arg)])
    return next(m for m in c.moves if m.scenario == scenario)


def loads(w: Workload, lens: Lens, tmp_path: Path) -> None:
    path = tmp_path / "changed.yaml"
    path.write_text(json.dumps(w.model_dump(mode="json", by_alias=True, exclude_defaults=True)))
    load_workload(path, lens)


def factor(lens: Lens, scenario: str, practice: str, choice: str) -> float:
    return next(s for s in lens.scenarios if s.id == scenario).odds[practice][choice]


@pytest.mark.parametrize(
    ("name", "scenario", "odds"),
    [
        (
            "mfa-and-locked-root",
            "account-takeover",
            {"iam.mfa": "all-phishing-resistant", "iam.root-locked": "break-glass"},
        ),
        ("scope-ci-credentials", "leaked-ci-credentials", {"ci.credentials-scoped": "oidc-restricted"}),
        ("registrar-lock", "registrar-lapse", {"dns.owner-known": "company-locked"}),
        ("soft-delete", "tenant-deletion", {"data.soft-delete": "guarded"}),
        (
            "least-privilege",
            "malicious-insider",
            {"iam.least-privilege": "least-privilege", "access.offboarding": "sso-deprovision"},
        ),
        ("deploy-pipeline", "botched-deploy", {"delivery.ci-cd": "ci-cd-gated"}),
        ("verified-deploys", "botched-deploy", {"deploy.verified": "verified"}),
    ],
)
def test_prevention_makes_its_catastrophe_rarer_by_the_lens_factors(
    lens: Lens, tmp_path: Path, name: str, scenario: str, odds: dict[str, str]
) -> None:
    """From unanswered practices (factor 1) to their best choices: the rate falls to the
    product of the best choices' factors, and nothing else about the catastrophe changes."""
    w = shop(
        {
            "ci": {"kind": "ci_cd", "provider": "github"},
            "registrar": {"kind": "registrar", "provider": "gandi"},
        }
    )
    assert CHANGES[name].applies(w, None) and (name, None) in applicable(w)
    m = move(w, lens, name, None, scenario)
    expected = 1.0
    for practice, choice in odds.items():
        expected *= factor(lens, scenario, practice, choice)
    assert m.per_year_after == pytest.approx(m.per_year_before * expected)
    assert m.verdict_before == m.verdict_after and m.improved is None
    changed = after(w, name)
    assert {p: changed.practices[p].choice for p in odds} == odds
    assert not CHANGES[name].applies(changed, None)  # put in place, it applies no more
    loads(changed, lens, tmp_path)


def test_prevention_needs_what_it_protects() -> None:
    plain = shop()
    assert not CHANGES["scope-ci-credentials"].applies(plain, None)
    assert not CHANGES["registrar-lock"].applies(plain, None)


def test_infrastructure_as_code_shortens_the_rebuild(lens: Lens) -> None:
    """Backups moved out of the account: a takeover rebuilds by hand in 72 h, from code in 4 h."""
    w = shop({"vault": {"kind": "backup_target", "account": "222"}})
    m = move(w, lens, "infra-as-code", None, "account-takeover")
    assert m.improved == Verdict.DAMAGED
    r = lens.reliability
    took = outcomes(after(w, "infra-as-code"), lens)["account-takeover"].downtime_minutes
    assert took == pytest.approx(120 + r.rebuild_hours["as_code"] * 60)
    assert not CHANGES["infra-as-code"].applies(shop(rebuild_hours=2), None)


def test_add_backups_gives_unbacked_data_a_proven_copy_elsewhere(lens: Lens, tmp_path: Path) -> None:
    w = shop({"db": {"kind": "database", "zones": ["eu-west-1a"], "datasets": ["orders"]}})
    assert CHANGES["add-backups"].applies(w, "db") and not CHANGES["add-backups"].applies(w, "web")
    assert outcomes(w, lens)["account-takeover"].verdict == Verdict.COMPANY_ENDING
    changed = after(w, "add-backups", "db")
    assert changed.inventory is not None
    backup = changed.inventory.components["db"].backups[0]
    assert (backup.monitored, backup.restored, backup.restore_minutes) == (True, True, None)
    assert changed.inventory.placed(backup.to).account not in (None, "111")
    takeover = outcomes(changed, lens)["account-takeover"]
    assert takeover.verdict == Verdict.DAMAGED  # back, but after a restore never timed
    assert not takeover.datasets[0].recovery_known
    assert not CHANGES["add-backups"].applies(shop(), "db")
    loads(changed, lens, tmp_path)


def test_immutable_backups_survive_the_takeover_of_their_account(lens: Lens, tmp_path: Path) -> None:
    w = shop()
    assert outcomes(w, lens)["account-takeover"].verdict == Verdict.COMPANY_ENDING
    m = move(w, lens, "immutable-backups", None, "account-takeover")
    assert (m.verdict_before, m.improved) == (Verdict.COMPANY_ENDING, Verdict.COMPANY_ENDING)
    changed = after(w, "immutable-backups")
    assert changed.inventory is not None and changed.inventory.components["db"].backups[0].immutable
    assert not CHANGES["immutable-backups"].applies(changed, None)
    loads(changed, lens, tmp_path)


def test_restore_drills_prove_the_backups_and_time_them(lens: Lens) -> None:
    """Never restored: a dropped table may be gone for good. Drilled weekly: restored in the
    lens's estimate, now a measured time."""
    w = shop(
        {
            "db": {
                "kind": "database",
                "zones": ["eu-west-1a"],
                "datasets": ["orders"],
                "backups": [{"to": "vault"}],
            }
        },
        {},
    )
    assert outcomes(w, lens)["drop-table"].verdict == Verdict.COMPANY_ENDING
    changed = after(w, "restore-drills")
    assert changed.practices["backups.restore-drilled"].choice == "automated"
    d = outcomes(changed, lens)["drop-table"].datasets[0]
    assert (d.recovery_minutes, d.recovery_known) == (lens.reliability.restore_minutes["database"], True)
    assert not CHANGES["restore-drills"].applies(changed, None)


def test_monitored_backups_are_no_older_than_their_schedule(lens: Lens) -> None:
    w = shop(practices={"backups.restore-drilled": "automated"})
    assert CHANGES["monitor-backups"].applies(w, None)
    stale = outcomes(w, lens)["drop-table"].datasets[0].lost_minutes
    fresh = outcomes(after(w, "monitor-backups"), lens)["drop-table"].datasets[0].lost_minutes
    assert (stale, fresh) == (1440 + 7 * 1440, 1440)
    assert not CHANGES["monitor-backups"].applies(shop(), None)


def test_private_datastores_close_what_the_inventory_leaves_open(lens: Lens, tmp_path: Path) -> None:
    w = shop(
        {"db": {"kind": "database", "datasets": ["orders"], "exposure": "internet", "authentication": False}}
    )
    base = next(s.per_year for s in lens.scenarios if s.id == "ransomware-db-host")
    assert outcomes(w, lens)["ransomware-db-host"].per_year == pytest.approx(base * 10 * 10)
    changed = after(w, "private-datastores")
    assert changed.inventory is not None
    db = changed.inventory.components["db"]
    assert (db.exposure, db.authentication) == ("private", True)
    assert outcomes(changed, lens)["ransomware-db-host"].per_year == pytest.approx(base * 0.5 * 0.7)
    loads(changed, lens, tmp_path)


def test_out_of_band_access_keeps_repairs_at_their_own_length(lens: Lens, tmp_path: Path) -> None:
    w = shop({"vpn": {"kind": "access", "zones": ["eu-west-1a"]}}, team_access=["vpn"])
    assert CHANGES["out-of-band-access"].applies(w, None)
    r = lens.reliability
    fire = outcomes(w, lens)["datacenter-fire"]
    assert "way into production is down too" in fire.reason
    changed = after(w, "out-of-band-access")
    assert changed.inventory is not None and changed.inventory.team_access[0].any_of == ["vpn", "break-glass"]  # type: ignore[union-attr]
    calm = outcomes(changed, lens)["datacenter-fire"]
    assert calm.downtime_minutes == pytest.approx(fire.downtime_minutes - r.access_lost_hours * 60)
    assert not CHANGES["out-of-band-access"].applies(changed, None)
    assert not CHANGES["out-of-band-access"].applies(shop(), None)  # no way in named: nothing to add
    loads(changed, lens, tmp_path)


def test_a_second_region_serves_through_a_regional_outage(lens: Lens, tmp_path: Path) -> None:
    w = shop({"lb": {"kind": "load_balancer", "depends_on": ["web"]}}, entry=["lb"])
    assert outcomes(w, lens)["region-outage"].verdict == Verdict.DAMAGED
    changed = after(w, "second-region")
    inv = changed.inventory
    assert inv is not None
    assert inv.entry == ["traffic-steering"] and inv.placed("traffic-steering").region is None
    assert inv.placed("db-dr").region == "eu-west-1-dr" and inv.components["db-dr"].datasets == ["orders"]
    assert inv.components["db-dr"].backups == [] and inv.components["web-dr"].depends_on == ["db-dr"]
    region = outcomes(changed, lens)["region-outage"]
    assert region.app_up and region.verdict in (Verdict.SURVIVES, Verdict.DEGRADED)
    assert not CHANGES["second-region"].applies(changed, None)
    loads(changed, lens, tmp_path)


def test_backups_in_production_s_building_move_out_of_it(lens: Lens) -> None:
    """Another account, but the same zone: the fire burns them; moved, they survive it."""
    w = shop({"vault": {"kind": "backup_target", "account": "222", "zones": ["eu-west-1a"]}})
    assert outcomes(w, lens)["datacenter-fire"].verdict == Verdict.COMPANY_ENDING
    m = move(w, lens, "backups-to-separate-account", None, "datacenter-fire")
    assert m.improved == Verdict.COMPANY_ENDING and m.verdict_after != Verdict.COMPANY_ENDING


def test_every_change_defends_a_scenario_the_lens_names_it_for(lens: Lens) -> None:
    """A change's practices are among the defences of some scenario, so what it improves can
    be laid at its practices' door."""
    defended = {p for s in lens.scenarios for p in s.practices}
    for d in CHANGES.values():
        for practices in d.practices.values():
            assert set(practices) <= defended, d.name


ROOT = Path(__file__).resolve().parents[2]
RICH = sorted(
    [*(ROOT / "examples").glob("*.yaml"), *(ROOT / "tests" / "fixtures" / "patterns").glob("*.yaml")]
)


@pytest.mark.parametrize("path", [p for p in RICH if p.name != "expected.yaml"], ids=lambda p: p.stem)
def test_a_preventing_change_alters_only_how_often_catastrophes_happen(lens: Lens, path: Path) -> None:
    """What the what-if plan relies on to run each catastrophe once: a change marked `prevents`
    leaves every occurrence of every scenario as it was but its rate."""
    w = load_workload(path, lens).workload
    if w.inventory is None:
        pytest.skip("no inventory")
    targets = derive(w, lens, NOW).targets

    def physical(changed: Workload) -> dict[str, list[dict[str, Any]]]:
        found = every(changed, lens, targets, NOW)
        return {
            sid: [o.model_dump(exclude={"per_year", "cost_per_year"}) for o in each]
            for sid, each in found.items()
        }

    before = physical(w)
    for name, arg in applicable(w):
        if CHANGES[name].prevents:
            assert physical(whatif.apply(w, name, arg, lens.reliability)) == before, name
