"""The lens as report sections: the list of practices and one practice in full."""

from __future__ import annotations

from ..model.common import Tenet
from ..model.lens import Condition, Lens, Practice
from .sections import Section, Table, cost_band


def practice_list(lens: Lens, tenet: Tenet | None = None) -> list[Section]:
    practices = [p for p in lens.practices if tenet is None or tenet in p.tenets]
    rows = [
        [
            p.id,
            p.title,
            ", ".join(t.value for t in p.tenets),
            ", ".join(f"{t.value} {n}" for t, n in p.required_from.items()),
            p.effort,
        ]
        for p in practices
    ]
    return [
        Section(
            f"{len(practices)} practices (lens {lens.version})",
            tables=[Table(["id", "title", "tenets", "required from", "effort"], rows)],
        )
    ]


def _condition(when: Condition) -> str:
    parts = ["choice in " + ", ".join(when.choices)] if when.choices is not None else []
    parts += [f"{t.value} >= {n}" for t, n in when.importance_at_least.items()]
    parts += [f"{t.value} < {n}" for t, n in when.importance_below.items()]
    return " and ".join(parts) or "always"


def practice_detail(p: Practice) -> list[Section]:
    about = Section(
        f"{p.title} ({p.id}, version {p.version})",
        paragraphs=[
            p.summary,
            f"Question: {p.question}",
            "Serves "
            + ", ".join(p.tenets)
            + "; required from "
            + ", ".join(f"{t.value} importance {n}" for t, n in p.required_from.items())
            + f". Effort {p.effort}, typically {cost_band(p.monthly_cost)} a month.",
        ],
        tables=[
            Table(
                ["choice", "title", "score"],
                [[c.id, c.title, f"{c.score:g}"] for c in p.choices],
                title="Choices",
            ),
            Table(
                ["#", "when", "risk", "reason"],
                [[str(n), _condition(r.when), r.risk, r.reason] for n, r in enumerate(p.risk_rules, 1)]
                + [
                    ["default", f"otherwise, choice {_best(p)}", p.default.risk, p.default.reason],
                    [
                        "default",
                        "otherwise, any other choice",
                        "NONE",
                        "accepted at this importance, said in the choice's words",
                    ],
                ],
                title="Risk rules (first match wins)",
            ),
        ],
    )
    steps = Section("Improvement plan", bullets=list(p.plan))
    refs = Section("References", bullets=list(p.references)) if p.references else None
    return [about, steps] + ([refs] if refs else [])


def _best(p: Practice) -> str:
    """The choices the default speaks for: those scoring as well as the best."""
    return " or ".join(c.id for c in p.choices if c.score >= p.best.score)
