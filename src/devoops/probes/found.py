"""How every probe builds its result: what it measured, decided and tabulated goes into one
`Found` as it checks, and the Found is closed into the Evidence `collect` returns, in one of
three ways:

- `evidence(lead)`: the status follows from the clauses the checks said: FAIL with what
  failed, else UNKNOWN with what could not be told, else PASS with what was said;
- `concluded(status, summary)`: the probe words its own summary and picks the status;
- `error(cause)`: the probe could not do its work; what it measured stays, it decides nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..model.evidence import Cell, Evidence, Measurement, Proof, Status, Table, Verdict


@dataclass
class Found:
    """What a probe's checks found: figures, verdicts, tables and proofs about the inventory's
    components, and a clause per check, said
    (the summary when all passed), failed, or not told."""

    measurements: list[Measurement] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    proofs: list[Proof] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def measure(
        self,
        name: str,
        value: float | None,
        unit: str,
        *,
        target: float | None = None,
        bound: Literal["max", "min"] | None = None,
        detail: str | None = None,
    ) -> Measurement:
        """A figure, held against `target` as a maximum or a minimum when `bound` says so."""
        m = Measurement(name=name, value=value, unit=unit, target=target, bound=bound, detail=detail)
        self.measurements.append(m)
        return m

    def verdict(self, practice: str, choice: str, reason: str) -> None:
        """The choice of a practice the evidence shows: one the kind declares in `decides`."""
        self.verdicts.append(Verdict(practice=practice, choice=choice, reason=reason))

    def prove(self, component: str, fact: Literal["write-once"], holds: bool, reason: str) -> None:
        """What the probe saw of one inventory component, for the scenarios to take over what
        the inventory claims."""
        self.proofs.append(Proof(component=component, fact=fact, holds=holds, reason=reason))

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        self.tables.append(Table(title=title, columns=list(columns), rows=[list(row) for row in rows]))

    def evidence(self, lead: str = "", unknown: str = "Could not tell:") -> Evidence:
        """FAIL with what failed, else UNKNOWN with what could not be told, else PASS with what
        was said; `lead` opens the summary, and what was said follows a FAIL or UNKNOWN in
        brackets."""

        def sentences(clauses: list[str]) -> str:
            return " ".join(f"{c.rstrip('.')}." for c in clauses)

        findings, head = "; ".join(self.said), f"{lead}: " if lead else ""
        if self.failed:
            status, summary = Status.FAIL, head + sentences(self.failed)
            if self.unknown:
                summary += f" {unknown} {sentences(self.unknown)}"
        elif self.unknown:
            opening = unknown[0].lower() + unknown[1:] if lead else unknown  # mid-sentence after a lead
            status, summary = Status.UNKNOWN, f"{head}{opening} {sentences(self.unknown)}"
        else:
            status, summary = Status.PASS, head + findings
        if status != Status.PASS and findings:
            summary += f" ({findings})"
        return self.concluded(status, summary)

    def concluded(self, status: Status, summary: str) -> Evidence:
        """Everything found, with the status and summary the probe worked out itself."""
        return Evidence(
            status=status,
            summary=summary,
            measurements=self.measurements,
            verdicts=self.verdicts,
            tables=self.tables,
            proofs=self.proofs,
        )

    def error(self, cause: str) -> Evidence:
        """ERROR with its cause: the probe broke, so what it measured stays and nothing is decided."""
        return Evidence(
            status=Status.ERROR, summary=cause, measurements=self.measurements, tables=self.tables
        )
