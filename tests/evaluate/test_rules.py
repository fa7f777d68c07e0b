"""A practice's default speaks for its best choice; a lesser choice no rule catches is accepted
in its own words, with the importance from which it becomes a risk."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from devoops.evaluate.rules import judge
from devoops.lens import load_lens
from devoops.model.common import Risk, Tenet
from devoops.model.lens import Practice

LENS = load_lens()
BY_ID = {p.id: p for p in LENS.practices}


def level(n: int, **tenets: int) -> dict[Tenet, int]:
    return {t: tenets.get(t.value, n) for t in Tenet}


def test_provider_snapshots_nobody_watches_are_not_described_as_watched() -> None:
    p = BY_ID["backups.automated"]
    low = judge(p, "provider-snapshots", level(4))
    assert low.risk == Risk.NONE
    assert "someone is told" not in low.reason
    assert low.reason.startswith("“The provider's automated daily snapshots")
    assert low.reason.endswith("it becomes MEDIUM from data integrity importance 6.")
    assert judge(p, "provider-snapshots", level(4, data_integrity=6)).risk == Risk.MEDIUM
    assert judge(p, "automated-monitored", level(4)).reason == p.default.reason


def test_every_threshold_a_lesser_choice_names_is_one_where_it_becomes_a_risk() -> None:
    p = BY_ID["cache.cdn"]
    reason = judge(p, "app-cache", level(3)).reason
    assert reason.endswith(
        "it becomes MEDIUM from performance importance 8, MEDIUM from scalability importance 8."
    )
    assert judge(p, "app-cache", level(3, performance=8)).risk == Risk.MEDIUM
    assert judge(p, "app-cache", level(3, scalability=8)).risk == Risk.MEDIUM


def test_a_lesser_choice_no_rule_ever_catches_names_the_best_one() -> None:
    p = BY_ID["backups.offsite"]
    outcome = judge(p, "separate-account", level(10))
    assert outcome.risk == Risk.NONE
    assert outcome.reason.endswith(f"though short of the best: “{p.best.title}”.")


def test_a_rule_written_for_a_lesser_choice_keeps_its_words() -> None:
    raw = BY_ID["backups.automated"].model_dump(mode="json")
    raw["risk_rules"].append(
        {"when": {"choices": ["provider-snapshots"]}, "risk": "NONE", "reason": "Snapshots suffice here."}
    )
    p = Practice.model_validate(raw)
    assert judge(p, "provider-snapshots", level(4)).reason == "Snapshots suffice here."


@given(
    st.sampled_from(LENS.practices).flatmap(lambda p: st.tuples(st.just(p), st.sampled_from(p.choices))),
    st.dictionaries(st.sampled_from(list(Tenet)), st.integers(0, 10)),
)
def test_only_the_best_choices_are_given_the_best_states_words(pick: tuple, importance: dict) -> None:
    p, choice = pick
    outcome = judge(p, choice.id, {t: importance.get(t, 0) for t in Tenet})
    if outcome.reason == p.default.reason:
        assert choice.score >= p.best.score, (p.id, choice.id)
    if outcome.risk == Risk.NONE and choice.score < p.best.score and outcome.reason != p.default.reason:
        assert choice.title in outcome.reason or outcome in p.risk_rules
