"""Where the inventory shows a practice's state it decides it: each rule on an inventory that
shows the practice in place and one that shows it missing, the answer that agrees standing,
the answer that disagrees overruled with both places named, and accepted risks kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devoops.api import assess_file
from devoops.evaluate.findings import known
from devoops.evaluate.inventory import shown
from devoops.model.common import Horizon
from devoops.model.lens import Lens
from devoops.model.workload import Workload

from ..conftest import workload
from ..helpers import SRC

ORDERS = {"name": "orders", "criticality": "lifeblood"}


def inv(components: dict[str, Any], practices: dict[str, Any] | None = None, **top: Any) -> Workload:
    """On aws account prod, region eu-west-1; the app is `web`."""
    inventory = {
        "defaults": {"provider": "aws", "account": "prod", "region": "eu-west-1"},
        "entry": ["web"],
        "components": components,
        **top,
    }
    return workload(inventory=inventory, practices=practices or {}, **{"answers.data.datasets": [ORDERS]})


def db(*backups: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"kind": "database", "datasets": ["orders"], "backups": list(backups), **fields}


WEB = {"kind": "app", "depends_on": ["db"]}
VAULT = {"kind": "backup_target"}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], tuple[str, ...]]] = [
    # practice, components, top-level inventory keys, choices the inventory shows
    ("backups.offsite", {"web": WEB, "db": db()}, {}, ("none",)),
    ("backups.offsite", {"web": WEB, "db": db({"to": "vault"}), "vault": VAULT}, {}, ("same-account",)),
    (
        "backups.offsite",
        {
            "web": WEB,
            "db": db({"to": "vault"}, zones=["eu-west-1a"]),
            "vault": {**VAULT, "zones": ["eu-west-1a"]},
        },
        {},
        ("same-site", "same-server"),
    ),
    (
        "backups.offsite",
        {
            "web": WEB,
            "db": db({"to": "vault"}, site="dc1"),
            "vault": {**VAULT, "account": "b", "site": "dc1"},
        },
        {},
        ("separate-account-same-site",),
    ),
    (
        "backups.offsite",
        {"web": WEB, "db": db({"to": "vault"}), "vault": {**VAULT, "account": "b"}},
        {},
        ("separate-account",),
    ),
    (
        "backups.offsite",
        {"web": WEB, "db": db({"to": "vault"}), "vault": {**VAULT, "provider": "b2"}},
        {},
        ("separate-account-and-provider",),
    ),
    ("backups.automated", {"web": WEB, "db": db()}, {}, ("none",)),
    (
        "backups.automated",
        {"web": WEB, "db": db({"to": "vault", "mirror": True}), "vault": VAULT},
        {},
        ("mirror-only",),
    ),
    (
        "backups.automated",
        {"web": WEB, "db": db({"to": "vault", "monitored": False}), "vault": VAULT},
        {},
        ("provider-snapshots", "manual"),
    ),
    (
        "backups.automated",
        {"web": WEB, "db": db({"to": "vault", "monitored": True}), "vault": VAULT},
        {},
        ("automated-monitored",),
    ),
    (
        "backups.vendor-independent",
        {"web": WEB, "db": db({"to": "vault"}), "vault": VAULT},
        {},
        ("vendor-only",),
    ),
    (
        "backups.vendor-independent",
        {"web": WEB, "db": db({"to": "vault"}), "vault": {**VAULT, "provider": "b2"}},
        {},
        ("second-provider", "second-provider-tested", "manual-export"),
    ),
    ("backups.immutable", {"web": WEB, "db": db({"to": "vault"}), "vault": VAULT}, {}, ("none",)),
    (
        "backups.immutable",
        {"web": WEB, "db": db({"to": "vault", "immutable": True}), "vault": VAULT},
        {},
        ("all",),
    ),
    ("db.replica", {"web": WEB, "db": db()}, {}, ("none",)),
    ("db.replica", {"web": WEB, "db": db({"to": "vault"}), "vault": VAULT}, {}, ("backup-only",)),
    (
        "db.replica",
        {"web": WEB, "db": db(instances=2, zones=["eu-west-1a", "eu-west-1b"], failover="automatic")},
        {},
        ("replica-other-zone",),
    ),
    ("db.replica", {"web": WEB, "db": db(instances=2, zones=["eu-west-1a"])}, {}, ("async-same-zone",)),
    ("db.failover-automatic", {"web": WEB, "db": db()}, {}, ("none",)),
    (
        "db.failover-automatic",
        {"web": WEB, "db": db(instances=2, failover="manual")},
        {},
        ("manual-runbook", "manual-one-command"),
    ),
    ("db.failover-automatic", {"web": WEB, "db": db(instances=2, failover="automatic")}, {}, ("automatic",)),
    ("db.pitr", {"web": WEB, "db": db({"to": "vault"}), "vault": VAULT}, {}, ("daily",)),
    (
        "db.pitr",
        {"web": WEB, "db": db({"to": "vault", "point_in_time": True}), "vault": VAULT},
        {},
        ("pitr", "pitr-short"),
    ),
    ("db.delayed-replica", {"web": WEB, "db": db()}, {}, ("none",)),
    (
        "db.delayed-replica",
        {"web": WEB, "db": db(), "late": {"kind": "database", "datasets": ["orders"], "delay_minutes": 60}},
        {},
        ("delayed-replica",),
    ),
    (
        "dns.vendor-independent",
        {"web": {"kind": "app", "depends_on": ["dns"]}, "dns": {"kind": "dns"}},
        {"defaults": {"provider": "aws", "account": "prod"}},
        ("cloud-vendor-only",),
    ),
    (
        "dns.vendor-independent",
        {"web": {"kind": "app", "depends_on": ["dns"]}, "dns": {"kind": "dns", "provider": "cloudflare"}},
        {},
        ("single-independent",),
    ),
    (
        "dns.vendor-independent",
        {
            "web": {"kind": "app", "site": "office", "depends_on": ["dns"]},
            "dns": {"kind": "dns", "provider": "own", "site": "office"},
        },
        {},
        ("self-hosted",),
    ),
    (
        "dns.vendor-independent",
        {
            "web": {"kind": "app", "depends_on": [{"any_of": ["dns", "dns-b"]}]},
            "dns": {"kind": "dns", "provider": "cloudflare"},
            "dns-b": {"kind": "dns", "provider": "ns1"},
        },
        {},
        ("secondary-unsynced", "multi-provider"),
    ),
    ("infra.multi-region", {"web": WEB, "db": db({"to": "vault"}), "vault": VAULT}, {}, ("none",)),
    (
        "infra.multi-region",
        {"web": WEB, "db": db({"to": "vault"}), "vault": {**VAULT, "region": "eu-central-1"}},
        {},
        ("backups-other-region",),
    ),
    (
        "infra.multi-region",
        {
            "edge": {"kind": "cdn", "provider": "cloudflare", "depends_on": [{"any_of": ["web", "web-us"]}]},
            "web": WEB,
            "db": db(),
            "web-us": {"kind": "app", "region": "us-east-1", "depends_on": ["db-us"]},
            "db-us": {"kind": "database", "region": "us-east-1", "datasets": ["orders"]},
        },
        {"entry": ["edge"]},
        ("pilot-light", "active-active"),
    ),
    (
        "infra.multi-zone",
        {"web": {**WEB, "zones": ["eu-west-1a"]}, "db": db(zones=["eu-west-1a"])},
        {},
        ("single-zone", "single-host"),
    ),
    (
        "infra.multi-zone",
        {
            "web": {**WEB, "instances": 2, "zones": ["eu-west-1a", "eu-west-1b"]},
            "db": db(zones=["eu-west-1a"]),
        },
        {},
        ("app-multi-zone",),
    ),
    (
        "infra.multi-zone",
        {
            "web": {**WEB, "instances": 2, "zones": ["eu-west-1a", "eu-west-1b"]},
            "db": db(instances=2, zones=["eu-west-1a", "eu-west-1b"]),
        },
        {},
        ("multi-zone",),
    ),
    ("redundancy.app-instances", {"web": WEB, "db": db()}, {}, ("single",)),
    (
        "redundancy.app-instances",
        {"web": {**WEB, "instances": 2}, "db": db()},
        {},
        ("multi-same-host", "multi-host", "multi-host-self-healing"),
    ),
    ("network.private-datastores", {"web": WEB, "db": db(exposure="internet")}, {}, ("public-open",)),
    (
        "network.private-datastores",
        {"web": WEB, "db": db(exposure="allowlisted")},
        {},
        ("public-allowlisted",),
    ),
    ("network.private-datastores", {"web": WEB, "db": db(exposure="private")}, {}, ("private",)),
    ("datastores.authentication", {"web": WEB, "db": db(authentication=False)}, {}, ("none",)),
    ("datastores.authentication", {"web": WEB, "db": db(authentication=True)}, {}, ("shared", "per-service")),
    (
        "access.out-of-band",
        {"web": WEB, "db": db(), "vpn": {"kind": "access"}},
        {"team_access": ["vpn"]},
        ("none",),
    ),
    (
        "access.out-of-band",
        {"web": WEB, "db": db(), "vpn": {"kind": "access"}, "glass": {"kind": "access", "provider": "oob"}},
        {"team_access": [{"any_of": ["vpn", "glass"]}]},
        ("untested", "independent"),
    ),
]


@pytest.mark.parametrize(("practice", "components", "top", "choices"), CASES, ids=lambda x: "")
def test_the_inventory_shows_the_state(
    lens: Lens, practice: str, components: dict[str, Any], top: dict[str, Any], choices: tuple[str, ...]
) -> None:
    found = shown(inv(components, **top), lens)
    assert found[practice].choices == choices, found[practice].reason


def test_every_rule_has_a_case_showing_it_in_place_and_one_showing_it_missing(lens: Lens) -> None:
    """Missing: the choice it decides scores under half; in place: a choice it agrees with
    scores half or more (the answer may say which)."""
    from devoops.evaluate.inventory import RULES

    for pid in RULES:
        practice = lens.practice(pid)
        assert practice is not None
        cases = [[practice.choice(choice).score for choice in c[3]] for c in CASES if c[0] == pid]  # type: ignore[union-attr]
        assert min(scores[0] for scores in cases) < 0.5 <= max(max(scores) for scores in cases), pid


def test_a_rule_that_cannot_tell_says_nothing(lens: Lens) -> None:
    """No exposure declared, no authentication declared, no way in named, datasets held nowhere."""
    found = shown(inv({"web": WEB, "db": db()}), lens)
    for pid in ("network.private-datastores", "datastores.authentication", "access.out-of-band"):
        assert pid not in found
    assert shown(workload(), lens) == {}


def states(w: Workload, lens: Lens) -> dict[str, Any]:
    return known(w, lens, Horizon.NOW)


def test_the_inventory_decides_over_a_disagreeing_answer_and_says_where_both_are(lens: Lens) -> None:
    w = inv({"web": WEB, "db": db({"to": "vault"}), "vault": VAULT}, {"backups.offsite": "separate-account"})
    k = states(w, lens)["backups.offsite"]
    assert (k.source, k.state.choice) == ("inventory", "same-account")
    assert k.conflict is not None and k.conflict.answer == "separate-account"
    assert k.conflict.answer_path == ["practices", "backups.offsite"]
    assert k.conflict.inventory_path == ["inventory", "components", "db", "backups", 0]
    assert "vault" in (k.state.evidence or "")


def test_an_answer_the_inventory_agrees_with_stands(lens: Lens) -> None:
    """Two DNS providers agree with a synced secondary: the inventory cannot tell synced from
    copied by hand, so the answer says more, and stands."""
    w = inv(
        {
            "web": {"kind": "app", "depends_on": [{"any_of": ["dns", "dns-b"]}]},
            "dns": {"kind": "dns", "provider": "cloudflare"},
            "dns-b": {"kind": "dns", "provider": "ns1"},
        },
        {"dns.vendor-independent": "multi-provider"},
    )
    k = states(w, lens)["dns.vendor-independent"]
    assert (k.source, k.state.choice, k.conflict) == ("answer", "multi-provider", None)


def test_without_an_answer_the_inventory_decides_its_first_choice(lens: Lens) -> None:
    w = inv({"web": WEB, "db": db({"to": "vault", "monitored": False}), "vault": VAULT})
    k = states(w, lens)["backups.automated"]
    assert (k.source, k.state.choice, k.conflict) == ("inventory", "provider-snapshots", None)


def test_a_risk_accepted_in_writing_stays_accepted(lens: Lens) -> None:
    practices = {
        "backups.offsite": {"not_applicable": True, "reason": "the data is public"},
        "db.replica": {
            "choice": "replica-other-zone",
            "exemption": {"owner": "cto", "reason": "next quarter", "expires": "2099-01-01"},
        },
    }
    w = inv({"web": WEB, "db": db({"to": "vault"}), "vault": VAULT}, practices)
    k = states(w, lens)
    assert k["backups.offsite"].source == "answer" and k["backups.offsite"].state.not_applicable
    assert k["db.replica"].source == "answer" and k["db.replica"].state.exemption is not None


def test_evidence_outranks_the_inventory(lens: Lens) -> None:
    import datetime as dt

    from devoops.model.evidence import Evidence, ProbeResult, Status, Verdict

    when = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    probe = ProbeResult(
        name="pg",
        kind="postgres",
        target="db",
        started_at=when,
        finished_at=when,
        evidence=Evidence(
            status=Status.PASS,
            summary="",
            verdicts=[
                Verdict(practice="db.replica", choice="async-same-zone", reason="one streaming replica")
            ],
        ),
    )
    w = inv({"web": WEB, "db": db()})
    k = known(w, lens, Horizon.NOW, [probe])["db.replica"]
    assert (k.source, k.state.choice) == ("evidence", "async-same-zone")


def test_the_report_names_the_file_lines_of_both(tmp_path: Path) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(
        "app: {name: shop, stage: mvp}\n"
        "answers:\n"
        "  reliability: {downtime_cost_per_hour: 100}\n"
        "  traffic: {baseline_rps: 10}\n"
        "  data:\n"
        "    datasets: [{name: orders, criticality: lifeblood}]\n"
        "  security: {breach_survival: damaged}\n"
        "  engineering: {team_size: 3}\n"
        "practices:\n"
        "  backups.offsite: separate-account\n"
        "inventory:\n"
        "  defaults: {provider: aws, account: prod, region: eu-west-1}\n"
        "  components:\n"
        "    web: {kind: app, depends_on: [db]}\n"
        "    db:\n"
        "      kind: database\n"
        "      datasets: [orders]\n"
        "      backups:\n"
        "        - {to: vault}\n"
        "    vault: {kind: backup_target}\n"
    )
    a = assess_file(path, years=0).assessment
    f = next(f for f in a.at(Horizon.NOW).findings if f.practice == "backups.offsite")
    assert f.conflict is not None and f.source == "inventory"
    assert f.conflict.answer_at == f"{path}:10:20"
    assert f.conflict.inventory_at == f"{path}:19:11"


def test_expendable_data_asks_for_no_backup(lens: Lens) -> None:
    """Thumbnails are rebuilt from their source: their lack of a backup decides nothing, and
    the backups of the data that matters speak for the practice."""
    w = workload(
        inventory={
            "defaults": {"provider": "aws", "account": "prod", "region": "eu-west-1"},
            "components": {
                "web": WEB,
                "db": db({"to": "vault", "monitored": True}),
                "vault": {**VAULT, "account": "b"},
                "thumbs": {"kind": "object_storage", "datasets": ["thumbnails"]},
            },
        },
        **{"answers.data.datasets": [ORDERS, {"name": "thumbnails", "criticality": "expendable"}]},
    )
    found = shown(w, lens)
    assert found["backups.offsite"].choices == ("separate-account",)
    assert found["backups.automated"].choices == ("automated-monitored",)


def test_the_same_inventory_reads_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    """The core is deterministic: a set walked in hash order once named a different app "in one
    building" from one process to the next."""
    apps = {f"{name}-api": {"kind": "app", "zones": ["eu-west-1a"]} for name in "qwertyuiop"}
    w = inv({"web": {"kind": "app", "zones": ["eu-west-1a"], "depends_on": list(apps)}, **apps})
    path = tmp_path / "devoops.yaml"
    path.write_text(w.model_dump_json(exclude_defaults=True))
    shown = set()
    for seed in ("1", "2"):
        ran = subprocess.run(
            [sys.executable, "-m", "devoops", "assess", path, "--years", "0", "-f", "json"],
            capture_output=True,
            text=True,
            env=os.environ | {"PYTHONPATH": SRC, "PYTHONHASHSEED": seed},
        )
        assert ran.returncode == 0, ran.stderr
        (zones,) = [
            f
            for f in json.loads(ran.stdout)["horizons"][0]["findings"]
            if f["practice"] == "infra.multi-zone"
        ]
        shown.add(json.dumps(zones, sort_keys=True))
    assert len(shown) == 1, shown
    assert "e-api sits in one building" in shown.pop()
