"""The built-in practice catalogue: its shape, and how its risk rules judge real situations."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.base.located import read
from devoops.evaluate.rules import judge, matches, required
from devoops.lens import LensFile, load_lens
from devoops.model.common import Risk, Tenet
from devoops.model.lens import Practice

PRACTICE_DIR = Path(str(resources.files("devoops.lens") / "data" / "practices"))
CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "practice_cases.yaml"
TENET_FILES = {t.value for t in Tenet}
LEVELS = range(11)

# Ids (and choice ids) that other parts of devoops refer to by name.
REQUIRED: dict[str, set[str]] = {
    "dns.dnssec": set(),
    "dns.caa": set(),
    "email.anti-spoofing": set(),
    "redundancy.app-instances": set(),
    "redundancy.load-balancer": set(),
    "db.replica": set(),
    "db.failover-automatic": set(),
    "db.failover-drilled": {"never"},
    "infra.multi-zone": set(),
    "infra.multi-region": set(),
    "dns.vendor-independent": set(),
    "monitoring.external-uptime": set(),
    "alerts.symptom-based": {"cause-based"},
    "oncall.rotation": set(),
    "oncall.runbooks": set(),
    "deploy.zero-downtime": set(),
    "incidents.postmortems": set(),
    "scaling.autoscaling": {"manual"},
    "capacity.planning": set(),
    "capacity.load-tested": set(),
    "scaling.stateless-app": set(),
    "cache.cdn": set(),
    "queue.async-work": set(),
    "db.connection-pooling": set(),
    "monitoring.latency-percentiles": set(),
    "perf.regression-tests": set(),
    "db.slow-query-monitoring": set(),
    "backups.automated": set(),
    "backups.offsite": {
        "same-server",
        "same-account",
        "separate-account",
        "separate-account-and-provider",
    },
    "backups.encrypted": set(),
    "backups.restore-drilled": set(),
    "db.pitr": set(),
    "db.drop-table-protection": set(),
    "db.delayed-replica": set(),
    "db.migrations-reviewed": set(),
    "backups.vendor-independent": set(),
    "dns.owner-known": {"unknown"},
    "tls.expiry-monitored": set(),
    "iam.mfa": set(),
    "iam.root-locked": set(),
    "iam.least-privilege": set(),
    "audit.logging": set(),
    "secrets.management": set(),
    "deps.scanning": set(),
    "ci.credentials-scoped": set(),
    "access.offboarding": set(),
    "infra.as-code": set(),
    "images.immutable": {"hand-configured"},
    "deploy.fast": {"over-20"},
    "delivery.ci-cd": set(),
    "env.staging": set(),
    "delivery.feature-flags": set(),
    "deploy.rollback": set(),
}


def _files() -> list[Path]:
    return sorted(PRACTICE_DIR.glob("*.yaml"))


def _practices_by_file() -> dict[str, list[Practice]]:
    return {path.stem: read(path).validate(LensFile).practices for path in _files()}


PRACTICES: dict[str, Practice] = {p.id: p for practices in _practices_by_file().values() for p in practices}


def _plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


CASES: dict[str, dict[str, dict[str, Any]]] = _plain(read(CASES_FILE).data)


def _importance(given: Mapping[str, int]) -> dict[Tenet, int]:
    return {t: 5 for t in Tenet} | {Tenet(t): int(v) for t, v in given.items()}


def _relevant_tenets(practice: Practice) -> list[Tenet]:
    """Every tenet that `judge` or `required` looks at for this practice."""
    tenets = set(practice.required_from)
    for rule in practice.risk_rules:
        tenets |= set(rule.when.importance_at_least) | set(rule.when.importance_below)
    return sorted(tenets)


def _all_profiles(practice: Practice) -> Iterator[dict[Tenet, int]]:
    """Every importance profile that can change how the practice is judged.

    Tenets the practice never looks at are held at 5; the ones it does look at take every
    value 0..10 together, so this is exhaustive, not a sample.
    """
    tenets = _relevant_tenets(practice)
    for values in itertools.product(LEVELS, repeat=len(tenets)):
        yield {t: 5 for t in Tenet} | dict(zip(tenets, values, strict=True))


def _best(practice: Practice) -> list[str]:
    top = max(c.score for c in practice.choices)
    return [c.id for c in practice.choices if c.score == top]


def _worst(practice: Practice) -> list[str]:
    bottom = min(c.score for c in practice.choices)
    return [c.id for c in practice.choices if c.score == bottom]


# --- the files themselves -------------------------------------------------------------


def test_one_file_per_tenet_each_holding_only_practices() -> None:
    assert {p.stem for p in _files()} == TENET_FILES
    for path in _files():
        document = read(path).data
        assert list(document) == ["practices"], path.name
        assert document["practices"], f"{path.name} holds no practices"


def test_practice_ids_are_unique_across_files() -> None:
    ids = [p.id for practices in _practices_by_file().values() for p in practices]
    assert len(ids) == len(set(ids))


def test_each_practice_sits_in_the_file_of_its_primary_tenet() -> None:
    for stem, practices in _practices_by_file().items():
        for practice in practices:
            assert practice.tenets[0] == stem, practice.id


def test_required_practices_and_choices_exist() -> None:
    missing = sorted(set(REQUIRED) - set(PRACTICES))
    assert not missing, f"missing practices: {missing}"
    for pid, choice_ids in REQUIRED.items():
        known = {c.id for c in PRACTICES[pid].choices}
        assert choice_ids <= known, f"{pid} lacks choices {sorted(choice_ids - known)}"


def test_catalogue_is_large_enough_and_covers_every_tenet() -> None:
    assert len(PRACTICES) >= 40
    for tenet in Tenet:
        serving = [p.id for p in PRACTICES.values() if tenet in p.tenets]
        assert len(serving) >= 5, f"{tenet} is served by only {serving}"


@pytest.mark.parametrize("pid", sorted(PRACTICES))
def test_practice_content(pid: str) -> None:
    practice = PRACTICES[pid]
    assert len(practice.choices) >= 3
    assert min(c.score for c in practice.choices) == 0
    assert max(c.score for c in practice.choices) == 1
    assert practice.plan, "a practice needs at least one plan step"
    assert 1 <= len(practice.references) <= 3
    for url in practice.references:
        parsed = urlparse(url)
        assert parsed.scheme in ("http", "https") and parsed.netloc, url
    assert practice.monthly_cost.low <= practice.monthly_cost.high


@pytest.mark.parametrize("pid", sorted(PRACTICES))
def test_rules_are_specific_and_use_only_served_tenets(pid: str) -> None:
    practice = PRACTICES[pid]
    for number, rule in enumerate(practice.risk_rules, 1):
        assert rule.when.choices, f"rule {number} of {pid} names no choices"
        named = set(rule.when.importance_at_least) | set(rule.when.importance_below)
        assert named <= set(practice.tenets), f"rule {number} of {pid} uses {named}"


# --- the cases --------------------------------------------------------------------------


def test_every_practice_has_a_pass_and_a_fail_case() -> None:
    unknown = sorted(set(CASES) - set(PRACTICES))
    assert not unknown, f"cases name unknown practices: {unknown}"
    uncovered = sorted(set(PRACTICES) - set(CASES))
    assert not uncovered, f"practices without cases: {uncovered}"
    for pid, cases in CASES.items():
        assert set(cases) == {"pass", "fail"}, pid


@pytest.mark.parametrize(
    ("pid", "kind"),
    [(pid, kind) for pid in sorted(CASES) for kind in ("pass", "fail")],
    ids=lambda value: str(value),
)
def test_case_is_judged_as_expected(pid: str, kind: str) -> None:
    case = CASES[pid][kind]
    practice = PRACTICES[pid]
    expected = Risk(case["risk"])
    if kind == "pass":
        assert expected == Risk.NONE
    else:
        assert expected in (Risk.HIGH, Risk.MEDIUM)
    assert practice.choice(case["choice"]) is not None, f"unknown choice {case['choice']}"
    importance = _importance(case.get("importance") or {})
    assert required(practice, importance), "the case must make the practice required"
    outcome = judge(practice, case["choice"], importance)
    assert outcome.risk == expected, outcome.reason


# --- properties over every importance profile ------------------------------------------


@pytest.mark.parametrize("pid", sorted(PRACTICES))
def test_judgement_is_sane_under_every_profile(pid: str) -> None:
    """Exhaustive over the tenets the practice looks at.

    The best choice is never HIGH; the worst choice is a risk whenever the practice is
    required; a better-scored choice is never judged riskier than a worse one; and every
    rule is reached by some profile in which the practice is required (no dead rules).
    """
    practice = PRACTICES[pid]
    assert len(_relevant_tenets(practice)) <= 4
    by_score = sorted(practice.choices, key=lambda c: c.score)
    fired: set[int] = set()
    for importance in _all_profiles(practice):
        for choice in _best(practice):
            assert judge(practice, choice, importance).risk != Risk.HIGH, (choice, importance)
        if not required(practice, importance):
            continue
        for choice in _worst(practice):
            risk = judge(practice, choice, importance).risk
            assert risk in (Risk.HIGH, Risk.MEDIUM), (choice, importance)
        ranks = [judge(practice, c.id, importance).risk.rank for c in by_score]
        for worse, better in itertools.pairwise(range(len(by_score))):
            if by_score[better].score > by_score[worse].score:
                assert ranks[better] <= ranks[worse], (
                    by_score[worse].id,
                    by_score[better].id,
                    importance,
                )
        for choice in practice.choices:
            for number, rule in enumerate(practice.risk_rules):
                if matches(rule.when, choice.id, importance):
                    fired.add(number)
                    break
    dead = sorted(n + 1 for n in set(range(len(practice.risk_rules))) - fired)
    assert not dead, f"rules {dead} of {pid} can never apply"


profiles = st.fixed_dictionaries({t: st.integers(min_value=0, max_value=10) for t in Tenet})


@settings(max_examples=300, deadline=None)
@given(pid=st.sampled_from(sorted(PRACTICES)), importance=profiles)
def test_best_choice_is_never_high(pid: str, importance: dict[Tenet, int]) -> None:
    practice = PRACTICES[pid]
    for choice in _best(practice):
        assert judge(practice, choice, importance).risk != Risk.HIGH


# --- the assembled lens -----------------------------------------------------------------


def test_load_lens_serves_exactly_these_practices() -> None:
    lens = load_lens()
    assert {p.id for p in lens.practices} == set(PRACTICES)
    for practice in lens.practices:
        assert practice == PRACTICES[practice.id]


def test_symptoms_admitted_by_the_quiz_are_judged_a_risk() -> None:
    """A 'yes' to a quiz symptom implies choices; where required, they must be a risk."""
    lens = load_lens()
    importance = {t: 7 for t in Tenet}
    implied = [(pid, choice) for s in lens.symptoms for pid, choice in s.implies.items()]
    assert implied
    for pid, choice in implied:
        practice = lens.practice(pid)
        assert practice is not None
        if required(practice, importance):
            assert judge(practice, choice, importance).risk in (Risk.HIGH, Risk.MEDIUM), pid


@pytest.mark.parametrize("pid", sorted(PRACTICES))
def test_more_importance_never_lowers_a_risk(pid: str) -> None:
    """Exhaustive: raising any tenet's importance by one never makes a choice look safer, and
    never takes away the requirement. Costlier downtime raises importance, so severity can
    follow the money only if the rules themselves do."""
    practice = PRACTICES[pid]
    for importance in _all_profiles(practice):
        for tenet in _relevant_tenets(practice):
            if importance[tenet] == 10:
                continue
            higher = importance | {tenet: importance[tenet] + 1}
            assert required(practice, higher) or not required(practice, importance)
            if not required(practice, importance):
                continue
            for choice in practice.choices:
                before = judge(practice, choice.id, importance).risk.rank
                assert judge(practice, choice.id, higher).risk.rank >= before, (choice.id, importance, tenet)


def test_an_unsigned_domain_below_the_threshold_is_not_said_to_be_verified() -> None:
    """Below security importance 7 an unsigned domain is no risk, and its reason says why in its
    own words, not the signed state's."""
    practice = PRACTICES["dns.dnssec"]
    low = judge(practice, "unsigned", _importance({"security": 6, "high_availability": 6}))
    high = judge(practice, "unsigned", _importance({"security": 7, "high_availability": 6}))
    assert (
        low.risk == Risk.NONE and low.reason.startswith("Unsigned") and low.reason != practice.default.reason
    )
    assert high.risk == Risk.MEDIUM
