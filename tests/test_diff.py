"""The diff of two assessments, pure and fast: what improved, regressed, moved and changed."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.api import assess_file
from devoops.evaluate import assess
from devoops.evaluate.diff import Change, Diff, diff
from devoops.model.assessment import Assessment
from devoops.model.common import HORIZONS, Horizon, Risk, Tenet
from devoops.model.evidence import Evidence, Measurement, ProbeResult, Status, Verdict
from devoops.model.lens import Lens

from .conftest import EXAMPLES, NOW, workload

PRACTICE = "backups.restore-drilled"


def assessed(lens: Lens, **changes: Any) -> Assessment:
    return assess(workload(**changes), lens, NOW, "devoops.yaml")


def findings(d: Diff) -> list[Change]:
    return [c for c in d.changes if c.kind == "finding"]


def test_an_assessment_against_itself_has_no_changes(lens: Lens) -> None:
    for a in (assessed(lens), *(assess_file(path, now=NOW).assessment for path in EXAMPLES)):
        d = diff(a, a)
        assert d.changes == [] and d.of("improved") == d.of("regressed") == d.of("changed") == []
        assert d.app == a.app.name
        # Only the moment differs: still nothing to say.
        assert diff(a, a.model_copy(update={"generated_at": NOW.replace(year=2027)})).changes == []


def test_recording_a_practice_done_resolves_its_finding(lens: Lens) -> None:
    before = assessed(lens, practices={PRACTICE: "never"})
    after = assessed(lens, practices={PRACTICE: "automated"})
    assert before.at(Horizon.NOW).findings != after.at(Horizon.NOW).findings

    d = diff(before, after, ("#1", "#2"))
    assert (d.before.label, d.after.label) == ("#1", "#2")
    [resolved] = findings(d)
    was = next(f.risk for f in before.at(Horizon.NOW).findings if f.practice == PRACTICE)
    assert was.rank >= Risk.MEDIUM.rank
    assert resolved.subject == PRACTICE and resolved.title == "Restores tested regularly"
    assert (resolved.before, resolved.after) == (was.value, "NONE")
    assert resolved.direction == "improved" and resolved.note == "resolved"
    assert resolved.horizons == list(HORIZONS)
    assert d.of("regressed") == []

    maturity = {c.subject: c for c in d.changes if c.kind == "maturity"}
    assert Tenet.DATA_INTEGRITY.value in maturity
    for c in maturity.values():
        assert c.direction == "improved" and float(c.after) > float(c.before)
    old = {m.tenet.value: m.value for m in before.maturity}
    assert float(maturity["data_integrity"].before) == old["data_integrity"]


def test_the_reverse_is_a_new_finding(lens: Lens) -> None:
    done = assessed(lens, practices={PRACTICE: "automated"})
    undone = assessed(lens, practices={PRACTICE: "never"})
    d = diff(done, undone)
    [new] = findings(d)
    assert new.subject == PRACTICE and new.before == "NONE"
    assert Risk(new.after).rank >= Risk.MEDIUM.rank
    assert new.direction == "regressed" and new.note == "new finding"
    assert d.of("improved") == []
    assert all(c.direction == "regressed" for c in d.changes if c.kind == "maturity")


def test_a_target_needed_sooner_is_brought_forward(lens: Lens) -> None:
    """Downtime cheap now but dear in a year, against dear already now: the availability
    tier the first assessment wanted only at 12 months is the second's tier today."""
    costs = "answers.reliability.downtime_cost_per_hour"
    planned = assessed(lens, **{costs: {"now": 100, "12mo": 100_000}})
    sooner = assessed(lens, **{costs: 100_000})
    tier = {h: planned.at(h).targets.availability.tier for h in HORIZONS}
    assert tier[Horizon.NOW] != tier[Horizon.TWELVE_MONTHS], "the numbers must give different tiers"
    assert sooner.at(Horizon.NOW).targets.availability.tier == tier[Horizon.TWELVE_MONTHS]

    d = diff(planned, sooner)
    [slo] = [c for c in d.changes if c.subject == "availability SLO"]
    assert slo.kind == "target" and slo.direction == "changed"
    assert Horizon.NOW in slo.horizons and Horizon.TWELVE_MONTHS not in slo.horizons
    assert slo.note == "brought forward from 12mo"
    assert slo.before.endswith(f"({tier[Horizon.NOW]})")
    assert slo.after.endswith(f"({tier[Horizon.TWELVE_MONTHS]})")

    back = diff(sooner, planned)
    [slo_back] = [c for c in back.changes if c.subject == "availability SLO"]
    assert (slo_back.before, slo_back.after) == (slo.after, slo.before)
    assert "brought forward" not in slo_back.note


def test_a_target_wanted_later_is_put_back(lens: Lens) -> None:
    """The reverse move: a value the old assessment wanted today is now wanted only later."""
    costs = "answers.reliability.downtime_cost_per_hour"
    today = assessed(lens, **{costs: {"now": 100_000, "12mo": 100}})
    later = assessed(lens, **{costs: {"now": 100, "12mo": 100_000}})
    d = diff(today, later)
    [at_12mo] = [
        c for c in d.changes if c.subject == "availability SLO" and Horizon.TWELVE_MONTHS in c.horizons
    ]
    assert at_12mo.note == "put back from now"


def test_importance_changes_are_news_not_verdicts(lens: Lens) -> None:
    costs = "answers.reliability.downtime_cost_per_hour"
    cheap = assessed(lens, **{costs: 100})
    dear = assessed(lens, **{costs: 100_000})
    d = diff(cheap, dear)
    importance = [c for c in d.changes if c.kind == "importance"]
    assert importance and all(c.direction == "changed" for c in importance)
    [ha] = [c for c in importance if c.subject == Tenet.HIGH_AVAILABILITY.value]
    values = {s.tenet: s.importance.value for s in cheap.at(Horizon.NOW).tenets}
    raised = {s.tenet: s.importance.value for s in dear.at(Horizon.NOW).tenets}
    assert (ha.before, ha.after) == (
        str(values[Tenet.HIGH_AVAILABILITY]),
        str(raised[Tenet.HIGH_AVAILABILITY]),
    )
    assert int(ha.after) > int(ha.before) and Horizon.NOW in ha.horizons
    assert {c.kind for c in d.of("changed")} <= {"target", "importance"}


MIRROR = {"improved": "regressed", "regressed": "improved", "changed": "changed"}


def mirrored(changes: list[Change]) -> set[tuple[str, str, str, str, str, tuple[Horizon, ...]]]:
    return {(c.kind, c.subject, c.after, c.before, MIRROR[c.direction], tuple(c.horizons)) for c in changes}


def plain(changes: list[Change]) -> set[tuple[str, str, str, str, str, tuple[Horizon, ...]]]:
    return {(c.kind, c.subject, c.before, c.after, c.direction, tuple(c.horizons)) for c in changes}


@st.composite
def practice_states(draw: st.DrawFn, lens: Lens) -> dict[str, str]:
    """A random subset of practices, each recorded done (its best choice) or not (its worst)."""
    practices = [p for p in lens.practices if p.choices]
    chosen = draw(st.lists(st.sampled_from(practices), unique_by=lambda p: p.id, max_size=len(practices)))
    states = {}
    for p in chosen:
        ordered = sorted(p.choices, key=lambda c: c.score)
        states[p.id] = (ordered[-1] if draw(st.booleans()) else ordered[0]).id
    return states


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_every_finding_change_is_mirrored_in_the_reverse_diff(lens: Lens, data: st.DataObject) -> None:
    a = assessed(lens, practices=data.draw(practice_states(lens), label="a"))
    b = assessed(lens, practices=data.draw(practice_states(lens), label="b"))
    forward, backward = diff(a, b), diff(b, a)
    for kind in ("finding", "maturity"):
        there = [c for c in forward.changes if c.kind == kind]
        back = [c for c in backward.changes if c.kind == kind]
        assert len(there) == len(back)
        assert mirrored(there) == plain(back)
    for c in findings(forward):
        assert Risk(c.before) != Risk(c.after)
        assert c.direction == ("improved" if Risk(c.after).rank < Risk(c.before).rank else "regressed")


def test_what_stayed_high_is_named(lens: Lens) -> None:
    before = assessed(lens, practices={"backups.automated": "none", "backups.offsite": "none"})
    high = {f.practice for f in before.at(Horizon.NOW).findings if f.risk == Risk.HIGH}
    assert {"backups.automated", "backups.offsite"} <= high
    assert diff(before, before).still_high == sorted(high)
    after = assessed(lens, practices={"backups.automated": "automated-monitored", "backups.offsite": "none"})
    still = diff(before, after).still_high
    assert "backups.automated" not in still and "backups.offsite" in still


def test_a_tension_that_disappears_is_settled_and_a_new_one_flagged() -> None:
    a = next(
        r.assessment
        for r in (assess_file(p, now=NOW) for p in EXAMPLES)
        if any(v.tensions for v in r.assessment.horizons)
    )
    calm = a.model_copy(update={"horizons": [v.model_copy(update={"tensions": []}) for v in a.horizons]})
    ids = sorted({t.id for v in a.horizons for t in v.tensions})
    settled = [c for c in diff(a, calm).changes if c.kind == "tension"]
    assert [c.subject for c in settled] == ids
    assert all(c.direction == "improved" and (c.before, c.after) == ("open", "settled") for c in settled)
    flagged = [c for c in diff(calm, a).changes if c.kind == "tension"]
    assert [c.subject for c in flagged] == ids
    assert all(c.direction == "regressed" and c.after == "open" for c in flagged)


def probed(lens: Lens, status: Status, p99: float, practice_choice: str | None = None) -> Assessment:
    verdicts = (
        [Verdict(practice="perf.latency-met", choice=practice_choice, reason="r")] if practice_choice else []
    )
    result = ProbeResult(
        name="api",
        kind="http",
        target="http://127.0.0.1/",
        started_at=NOW,
        finished_at=NOW,
        evidence=Evidence(
            status=status,
            summary=f"p99 {p99:g} ms",
            measurements=[
                Measurement(name="p99", value=p99, unit="ms", target=400, bound="max"),
                Measurement(name="requests", value=p99 * 10, unit="count"),
            ],
            verdicts=verdicts,
        ),
    )
    return assess(workload(), lens, NOW, "devoops.yaml", [result])


def test_a_probe_that_starts_failing_is_a_regression_and_its_figure_says_why(lens: Lens) -> None:
    good, bad = probed(lens, Status.PASS, 380, "met"), probed(lens, Status.FAIL, 812, "missed")
    probes = [c for c in diff(good, bad).changes if c.kind == "probe"]
    assert [(c.title, c.before, c.after, c.direction) for c in probes] == [
        ("probe api (http)", "PASS", "FAIL", "regressed"),
        ("api: p99", "380 ms", "812 ms", "regressed"),
    ]
    back = [c for c in diff(bad, good).changes if c.kind == "probe"]
    assert {c.direction for c in back} == {"improved"}
    latency = next(c for c in findings(diff(good, bad)) if c.subject == "perf.latency-met")
    assert latency.direction == "regressed"


def test_figures_that_stay_on_one_side_of_their_target_are_not_news(lens: Lens) -> None:
    assert [c for c in diff(probed(lens, Status.PASS, 380), probed(lens, Status.PASS, 120)).changes] == []
    assert [c for c in diff(probed(lens, Status.FAIL, 500), probed(lens, Status.FAIL, 900)).changes] == []
