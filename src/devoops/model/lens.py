"""The catalogue ("lens") as data: tenets, questions, symptoms, practices, availability tiers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .common import Risk, Strict, Tenet, Text, duplicates
from .inventory import Kind
from .wizard import Asked, Example, FieldKind, FounderInput

PracticeId = Annotated[str, Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
SCENARIO_PREFIX = "scenario."
"""Finding ids under this prefix are scenario findings (`scenario.<id>`); practices may not use it."""


def _unique(kind: str, ids: list[str]) -> None:
    if repeated := duplicates(ids):
        raise ValueError(f"duplicate {kind} id: {', '.join(repeated)}")


class TenetDef(Strict):
    id: Tenet
    title: Text
    summary: Text


class QuestionField(Asked):
    """One sub-answer the interview asks for; `key` is its path under `answers.<question>`."""

    key: Text
    kind: FieldKind
    per_horizon: bool = True
    implies: dict[str, dict[PracticeId, Slug]] = Field(
        default={}, description="answer value -> the practice choices it means"
    )
    replaced_by: Text | None = Field(default=None, description="the input the wizard asks in its place")


class Question(Strict):
    id: Literal["reliability", "traffic", "performance", "data", "security", "engineering"]
    number: Annotated[int, Field(ge=1, le=6)]
    title: Text
    help: Text
    tenets: list[Tenet] = Field(min_length=1)
    fields: list[QuestionField] = []
    examples: list[Example] = Field(default=[], max_length=2, description="two contrasting answers")
    before: list[FounderInput] = Field(default=[], description="asked before the fields, framing them")
    after: list[FounderInput] = Field(default=[], description="asked after the fields")

    @model_validator(mode="after")
    def _inputs_known(self) -> Question:
        keys = [i.key for i in self.before] + [f"answers.{self.id}.{f.key}" for f in self.fields]
        keys += [i.key for i in self.after]
        _unique("input", keys)
        for i in [*self.before, *self.after]:
            earlier = keys[: keys.index(i.key)]
            if stray := [k for k in i.when if k not in earlier]:
                raise ValueError(f"{i.key} is asked when {', '.join(stray)}, which is not asked before it")
        inputs = {i.key for i in [*self.before, *self.after]}
        for f in self.fields:
            if f.replaced_by is not None and f.replaced_by not in inputs:
                raise ValueError(f"{f.key} is replaced by {f.replaced_by}, which is not one of its inputs")
        return self


class Symptom(Strict):
    """A DevOops symptom of the quiz and the practices it reveals."""

    id: Slug
    question: Text
    help: Text
    tenets: list[Tenet] = Field(min_length=1)
    practices: list[PracticeId] = Field(min_length=1)
    implies: dict[PracticeId, Slug] = Field(
        default={}, description="practice choices a 'yes' to the symptom means"
    )


class Choice(Strict):
    id: Slug
    title: Text
    score: Annotated[float, Field(ge=0, le=1)] = Field(description="maturity contribution, 1 = best")


class Condition(Strict):
    """When a risk rule applies; every given part must hold (all unset: always)."""

    choices: list[Slug] | None = None
    importance_at_least: dict[Tenet, Annotated[int, Field(ge=0, le=10)]] = {}
    importance_below: dict[Tenet, Annotated[int, Field(ge=0, le=10)]] = {}


class Outcome(Strict):
    risk: Literal[Risk.HIGH, Risk.MEDIUM, Risk.NONE]
    reason: Text


class RiskRule(Outcome):
    when: Condition


class CostBand(Strict):
    """A typical monthly cost of the practice, in USD, for a small company."""

    low: Annotated[float, Field(ge=0)]
    high: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> CostBand:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class Practice(Strict):
    id: PracticeId
    version: Annotated[int, Field(ge=1)] = 1
    title: Text
    summary: Text
    tenets: list[Tenet] = Field(min_length=1)
    required_from: dict[Tenet, Annotated[int, Field(ge=0, le=10)]] = Field(min_length=1)
    question: Text
    choices: list[Choice] = Field(min_length=2)
    risk_rules: list[RiskRule] = []
    default: Outcome
    plan: list[Text] = Field(min_length=1)
    effort: Literal["S", "M", "L"]
    monthly_cost: CostBand
    references: list[Text] = []

    @model_validator(mode="after")
    def _consistent(self) -> Practice:
        _unique("choice", [c.id for c in self.choices])
        stray = sorted(set(self.required_from) - set(self.tenets))
        if stray:
            raise ValueError(
                f"required_from names tenets the practice does not serve: {', '.join(t.value for t in stray)}"
            )
        known = {c.id for c in self.choices}
        for number, rule in enumerate(self.risk_rules, 1):
            unknown = sorted(set(rule.when.choices or ()) - known)
            if unknown:
                raise ValueError(f"risk rule {number} names unknown choices {unknown}")
        if max(c.score for c in self.choices) < 1:
            raise ValueError("one choice must have score 1 (the best choice)")
        return self

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    @property
    def best(self) -> Choice:
        return max(self.choices, key=lambda c: c.score)


class Tier(Strict):
    """An availability tier: what it buys and what it costs, for the economics."""

    id: Slug
    title: Text
    availability: Annotated[float, Field(gt=0, lt=1)]
    incidents_per_year: Annotated[float, Field(ge=0)]
    infra_multiplier: Annotated[float, Field(ge=1)]
    oncall_people: Annotated[float, Field(ge=0)]
    needs: Text


class StageDefaults(Strict):
    """Economics defaults by stage, used when the workload gives none."""

    base_monthly_infra: Annotated[float, Field(gt=0)]
    oncall_cost_per_person_year: Annotated[float, Field(ge=0)]


Infrastructure = Literal["zone", "region", "provider"]  # what a failure takes down under many components


class Rates(Strict):
    """How often one instance of a kind fails and how long its repair takes."""

    mtbf_hours: Annotated[float, Field(gt=0)]
    mttr_minutes: Annotated[float, Field(gt=0)]


class Trust(Strict):
    """How far a backup is proven, from the practices that prove it: a copy counts in a
    catastrophe only as far as a restore and an alert have shown it works."""

    restored: list[Slug] = Field(
        description="choices of backups.restore-drilled under which a backup was restored"
    )
    drill_days: dict[Slug, Annotated[float, Field(gt=0)]] = Field(
        description="days between restore drills by choice: a backup failing silently is found at the next one"
    )
    monitored: list[Slug] = Field(
        description="choices of backups.automated under which a failed backup alerts someone"
    )
    unnoticed_days: Annotated[float, Field(gt=0)] = Field(
        description="how old a silently failing backup is assumed to be when no drill would have found it"
    )


class Reliability(Strict):
    """Defaults of the availability model and the scenarios, each overridable in the inventory."""

    kinds: dict[Kind, Rates]
    infrastructure: dict[Infrastructure, Rates]
    failover_minutes: dict[Literal["automatic", "manual"], Annotated[float, Field(ge=0)]]
    restore_minutes: dict[Kind, Annotated[float, Field(gt=0)]] = Field(
        description="time to restore a component's data from a backup, by kind of the component"
    )
    async_lag_minutes: Annotated[float, Field(ge=0)]
    drop_noticed_minutes: Annotated[float, Field(ge=0)] = Field(
        description="how soon a dropped table is noticed: a delayed copy at least this late survives it"
    )
    rebuild_hours: dict[Literal["as_code", "by_hand"], Annotated[float, Field(gt=0)]]
    unrecoverable_hours: Annotated[float, Field(gt=0)] = Field(
        description="downtime an unrecoverable dataset is priced at"
    )
    trust: Trust
    partial_restore_hours: Annotated[float, Field(ge=0)] = Field(
        description="extra time to bring back a subset of tenants from a restore of the whole system"
    )
    access_lost_hours: Annotated[float, Field(ge=0)] = Field(
        description="extra time a repair by hand takes when the team's way into production is down too"
    )

    @model_validator(mode="after")
    def _complete(self) -> Reliability:
        if kinds := sorted(set(Kind) - set(self.kinds)):
            raise ValueError(f"reliability.kinds lacks {', '.join(kinds)}")
        if levels := sorted({"zone", "region", "provider"} - set(self.infrastructure)):
            raise ValueError(f"reliability.infrastructure lacks {', '.join(levels)}")
        return self


class Scope(StrEnum):
    """What one occurrence of a scenario hits; it is run for every value the inventory has."""

    ZONE = "zone"  # every instance in one zone
    REGION = "region"  # every component in one region
    PROVIDER = "provider"  # every component of one provider
    ACCOUNT = "account"  # every component in one provider account
    KIND = "kind"  # the components of the scenario's kinds, one provider (or component) at a time
    DATASET = "dataset"  # one dataset, wherever it is held
    CREDENTIALS = "credentials"  # the accounts the credentials of the scenario's kinds reach
    PRODUCTION = "production"  # every account that holds a component the application needs
    SITE = "site"  # every instance in one building: a component's site, else its zone
    CERTIFICATE = "certificate"  # every component serving one TLS certificate


class Effect(StrEnum):
    OUTAGE = "outage"  # down for `hours`, then back with its data
    DESTROY = "destroy"  # gone with the data on it; it must be rebuilt and restored
    CORRUPT = "corrupt"  # a dataset's contents destroyed in every live copy (replicas follow)


class ScenarioDef(Strict):
    """A catastrophe, as data: what it hits, what it does, and how often it happens."""

    id: Slug
    title: Text
    summary: Text
    scope: Scope
    kinds: list[Kind] = []
    per: Literal["provider", "component", "service"] = Field(
        default="provider",
        description="scope kind: one occurrence per provider, component, or regional service",
    )
    effect: Effect
    hours: Annotated[float, Field(gt=0)] | None = Field(default=None, description="how long an outage lasts")
    team_repairs: bool = Field(
        default=False, description="the outage lasts until the team repairs it, not the provider"
    )
    share: Annotated[float, Field(gt=0, le=1)] = Field(
        default=1.0, description="the share of tenants and their data one occurrence reaches"
    )
    backups_in_reach: bool = Field(
        default=False, description="mutable backups in the accounts hit are destroyed too (ransomware)"
    )
    reaches_immutable: bool = Field(default=False, description="even write-once copies are lost (fire)")
    reaches_mirrors: bool = Field(
        default=False, description="mirrors copy what it does (a deletion, an encryption, a corruption)"
    )
    per_year: Annotated[float, Field(ge=0, le=1000)] = Field(
        description="occurrences a year, per scope value, where the preventing practices are unknown"
    )
    odds: dict[PracticeId, dict[Slug, Annotated[float, Field(gt=0, le=1000)]]] = Field(
        default={}, description="factor on per_year by the choice of each practice that prevents it"
    )
    vault_odds: Annotated[float, Field(gt=0, le=1)] = Field(
        default=1.0,
        description="factor on per_year in an account that holds backups and nothing else (scope account)",
    )
    in_availability_model: bool = Field(
        default=False, description="the availability model already counts it (zone, region, provider)"
    )
    practices: list[PracticeId] = []

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioDef:
        if (self.effect == Effect.OUTAGE) != (self.hours is not None):
            raise ValueError("an outage needs hours; other effects take none")
        if self.scope in (Scope.KIND, Scope.CREDENTIALS) and not self.kinds:
            raise ValueError(f"scope {self.scope} needs kinds")
        if self.effect == Effect.CORRUPT and self.scope != Scope.DATASET:
            raise ValueError("corrupt works on a dataset: scope dataset")
        if self.team_repairs and self.effect != Effect.OUTAGE:
            raise ValueError("team_repairs is for outages: the team repairs every other effect")
        if self.vault_odds < 1 and self.scope != Scope.ACCOUNT:
            raise ValueError("vault_odds is for scope account: only an account can be a vault")
        if self.share < 1 and self.effect != Effect.CORRUPT:
            raise ValueError("a share of tenants is reached only by a corrupt effect")
        return self


class Money(Strict):
    """How what a practice's absence costs raises its finding, with an inventory: a scenario it
    leaves damaged gives at least MEDIUM, company-ending gives HIGH, and so does a fix that saves
    many times what it costs a year."""

    high_saved_per_spent: Annotated[float, Field(gt=0)]
    medium_saved_per_spent: Annotated[float, Field(gt=0)]
    least_cost_usd_per_year: Annotated[float, Field(gt=0)] = Field(
        description="a fix is never counted cheaper than this: even a free one takes someone's time"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Money:
        if self.medium_saved_per_spent > self.high_saved_per_spent:
            raise ValueError("medium_saved_per_spent must not exceed high_saved_per_spent")
        return self


class Lens(Strict):
    version: Text
    tenets: list[TenetDef]
    questions: list[Question]
    symptoms: list[Symptom]
    tiers: list[Tier] = Field(min_length=1)
    stage_defaults: dict[Literal["idea", "mvp", "growth", "scale"], StageDefaults]
    money: Money
    practices: list[Practice]
    reliability: Reliability
    scenarios: list[ScenarioDef] = []

    @model_validator(mode="after")
    def _consistent(self) -> Lens:
        _unique("tenet", [t.id for t in self.tenets])
        _unique("question", [q.id for q in self.questions])
        _unique("symptom", [s.id for s in self.symptoms])
        _unique("tier", [t.id for t in self.tiers])
        _unique("practice", [p.id for p in self.practices])
        _unique("scenario", [s.id for s in self.scenarios])
        if reserved := [p.id for p in self.practices if p.id.startswith(SCENARIO_PREFIX)]:
            raise ValueError(f"practice ids scenario.* are reserved for scenarios: {', '.join(reserved)}")
        if {t.id for t in self.tenets} != set(Tenet):
            raise ValueError("the lens must define all six tenets")
        known = {p.id: p for p in self.practices}
        for q in self.questions:
            for f in q.fields:
                for value, states in f.implies.items():
                    for pid, choice in states.items():
                        if pid not in known or known[pid].choice(choice) is None:
                            raise ValueError(f"answers.{q.id}.{f.key}={value} implies unknown {pid}={choice}")
        for symptom in self.symptoms:
            for pid in [*symptom.practices, *symptom.implies]:
                if pid not in known:
                    raise ValueError(f"symptom {symptom.id} names unknown practice {pid}")
            for pid, choice in symptom.implies.items():
                if known[pid].choice(choice) is None:
                    raise ValueError(f"symptom {symptom.id} implies unknown choice {pid}={choice}")
        for scenario in self.scenarios:
            for pid in [*scenario.practices, *scenario.odds]:
                if pid not in known:
                    raise ValueError(f"scenario {scenario.id} names unknown practice {pid}")
            for pid, factors in scenario.odds.items():
                if stray := sorted(c for c in factors if known[pid].choice(c) is None):
                    raise ValueError(
                        f"scenario {scenario.id} gives odds for unknown choices of {pid}: {stray}"
                    )
        return self

    def practice(self, practice_id: str) -> Practice | None:
        return next((p for p in self.practices if p.id == practice_id), None)
