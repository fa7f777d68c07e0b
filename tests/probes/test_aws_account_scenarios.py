"""What the aws_account probe's evidence does to the catastrophes: an account takeover's odds follow
the MFA and root it proves, and the takeover's verdict follows whether the bucket behind the
inventory's backup target is write-once, as the probe saw it, whatever the inventory claims."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from devoops.api import assess_file, audit_file
from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.common import Horizon
from devoops.model.evidence import ProbeResult
from devoops.model.resilience import ScenarioOutcome, Verdict
from devoops.model.workload import Workload
from devoops.probes.aws import root as aws_root
from devoops.probes.aws.checks import Checks
from devoops.probes.aws.iam import Iam, parse
from devoops.probes.found import Found

from .moto_accounts import REGION, MotoAccount, aws, use
from .test_aws_account import HEADER, USER_WITH_MFA, console, locked_bucket, replicate, root_row

__all__ = ["aws"]  # the fixture, used by name

TAKEOVER = "account-takeover"


def document(
    account: str,
    *,
    practices: dict[str, str],
    backup: dict[str, Any],
    vault: dict[str, Any],
    probe: dict[str, Any] | None,
) -> dict[str, Any]:
    """A shop whose lifeblood orders live in one RDS database of `account`, backed up to `vault`."""
    doc: dict[str, Any] = {
        "app": {"name": "shop", "stage": "growth"},
        "answers": {
            "reliability": {"downtime_cost_per_hour": 2000},
            "traffic": {"baseline_rps": 20},
            "security": {"breach_survival": "damaged"},
            "engineering": {"team_size": 4},
            "data": {"datasets": [{"name": "orders", "criticality": "lifeblood"}]},
        },
        "practices": practices,
        "inventory": {
            "defaults": {"provider": "aws", "account": account, "region": REGION},
            "entry": ["web"],
            "components": {
                "web": {"kind": "app", "depends_on": ["db"]},
                "db": {
                    "kind": "database",
                    "datasets": ["orders"],
                    "backups": [{"restored": True, "monitored": True, "restore_minutes": 60, **backup}],
                },
                "vault": vault,
            },
        },
    }
    if probe is not None:
        doc["probes"] = {"account": probe}
    return doc


def takeover(path: Path, *, audited: bool) -> ScenarioOutcome:
    result = audit_file(path, years=0) if audited else assess_file(path, years=0)
    resilience = result.assessment.at(Horizon.NOW).resilience
    assert resilience is not None
    return next(o for o in resilience.scenarios if o.scenario == TAKEOVER)


def written(tmp_path: Path, doc: dict[str, Any], name: str = "devoops.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_mfa_the_probe_proves_lowers_the_takeover_odds(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Answered: nobody has MFA, root used daily. The probe sees alice with MFA and bob without:
    `some`, not `none`, so the odds drop by the lens's factors (2 against 3)."""
    a = MotoAccount(aws)
    use(monkeypatch, a.credentials())
    console(a, "alice", with_mfa=True)
    console(a, "bob", with_mfa=False)
    probe = {"type": "aws_account", "target": a.id, "options": {"endpoint_url": aws, "regions": [REGION]}}
    doc = document(
        a.id,
        practices={"iam.mfa": "none", "iam.root-locked": "daily"},
        backup={"to": "vault"},
        vault={"kind": "backup_target"},
        probe=probe,
    )
    path = written(tmp_path, doc)
    answered, audited = takeover(path, audited=False), takeover(path, audited=True)
    lens = load_lens()
    odds = next(s for s in lens.scenarios if s.id == TAKEOVER).odds["iam.mfa"]
    assert audited.per_year == pytest.approx(answered.per_year * odds["some"] / odds["none"])


def test_root_mfa_and_a_locked_root_proven_by_the_credential_report_lower_the_odds(tmp_path: Path) -> None:
    """moto cannot hold root's MFA, so the evidence is the probe's own judgement of a credential
    report in AWS's documented format: root with MFA and no key, every console user with MFA."""
    found = Found()
    report = parse("\n".join([HEADER, root_row(mfa=True, key=False), USER_WITH_MFA]) + "\n")
    aws_root.judge(
        Iam(report, None, True, [], None, [], None),
        Checks(found),
        found,
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        30,
        "111122223333",
    )
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    result = ProbeResult(
        name="account",
        kind="aws_account",
        target="111122223333",
        started_at=now,
        finished_at=now,
        evidence=found.evidence(),
    )
    assert {v.practice: v.choice for v in result.evidence.verdicts} == {
        "iam.mfa": "all-humans",
        "iam.root-locked": "rarely-mfa",
    }
    doc = document(
        "111122223333",
        practices={"iam.mfa": "none", "iam.root-locked": "daily"},
        backup={"to": "vault"},
        vault={"kind": "backup_target"},
        probe=None,
    )
    w, lens = Workload.model_validate(doc), load_lens()

    def odds(evidence: list[ProbeResult]) -> float:
        r = assess(w, lens, now, "t", evidence, years=0).at(Horizon.NOW).resilience
        assert r is not None
        return next(o.per_year for o in r.scenarios if o.scenario == TAKEOVER)

    factors = next(s for s in lens.scenarios if s.id == TAKEOVER).odds
    before, after = odds([]), odds([result])
    expected = (factors["iam.mfa"]["all-humans"] * factors["iam.root-locked"]["rarely-mfa"]) / (
        factors["iam.mfa"]["none"] * factors["iam.root-locked"]["daily"]
    )
    assert after == pytest.approx(before * expected) and after < before / 20


def test_object_lock_with_copies_in_another_account_turns_a_takeover_from_company_ending_to_damaged(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a, far = MotoAccount(aws), MotoAccount(aws)
    use(monkeypatch, a.credentials())
    plain, locked = f"plain-{a.id}", f"locked-{a.id}"
    a.bucket(plain)
    far.bucket(f"copies-{far.id}")
    locked_bucket(a, locked)
    replicate(a, locked, f"copies-{far.id}", far.id)

    def audited(bucket: str, **backup: Any) -> tuple[ScenarioOutcome, dict[str, str]]:
        options = {"endpoint_url": aws, "regions": [REGION], "backup_buckets": [bucket]}
        doc = document(
            a.id,
            practices={},
            backup={"to": "vault", **backup},
            vault={"kind": "object_storage", "description": f"s3://{bucket}"},
            probe={"type": "aws_account", "target": a.id, "options": options},
        )
        result = audit_file(written(tmp_path, doc, f"{bucket}.yaml"), years=0)
        (probe,) = result.assessment.evidence
        resilience = result.assessment.at(Horizon.NOW).resilience
        assert resilience is not None
        outcome = next(o for o in resilience.scenarios if o.scenario == TAKEOVER)
        return outcome, {v.practice: v.choice for v in probe.evidence.verdicts}

    answered = takeover(
        written(
            tmp_path,
            document(
                a.id, practices={}, backup={"to": "vault"}, vault={"kind": "object_storage"}, probe=None
            ),
        ),
        audited=False,
    )
    assert answered.verdict == Verdict.COMPANY_ENDING  # nothing claims the copies are write-once
    before, seen = audited(plain)
    assert before.verdict == Verdict.COMPANY_ENDING
    assert (seen["backups.offsite"], seen["backups.immutable"]) == ("same-account", "none")
    after, proven = audited(locked)  # the inventory claims nothing: the probe proves it
    assert (proven["backups.offsite"], proven["backups.immutable"]) == ("separate-account", "all")
    assert after.verdict == Verdict.DAMAGED
    claimed, _ = audited(plain, immutable=True)  # the inventory claims a lock the account lacks
    assert claimed.verdict == Verdict.COMPANY_ENDING
