"""The alert analysis as report sections, for the terminal and Markdown skins."""

from __future__ import annotations

from ..alerts.analysis import alerting_choice, rotation_choice
from ..alerts.model import COLUMNS, Analysis, Kind, resolve_time, row, share
from .sections import Section, Table


def sections(a: Analysis) -> list[Section]:
    read = (
        f"{a.records:,} records from {len(a.files)} file(s) ({', '.join(a.formats) or 'none'})"
        + (f"; {a.skipped:,} bad records skipped" if a.skipped else "")
        + "."
    )
    about = Section("Input", paragraphs=[read], bullets=a.skipped_samples)
    if a.overall is None:
        return [Section("Verdict", paragraphs=["UNKNOWN: the history holds no alert."]), about]
    o, s = a.overall, a.settings
    assert a.first is not None and a.last is not None and a.weeks is not None
    period = f"{a.first:%Y-%m-%d %H:%M} to {a.last:%Y-%m-%d %H:%M} UTC ({a.weeks:.1f} weeks counted)"
    about.paragraphs.append(
        f"Alerts from {period}. Business hours: {a.business_hours}. A flap re-fires within "
        f"{s.flap_minutes:g} min of resolving; quick, unacted means resolved within {s.quick_minutes:g} min "
        "with nobody acknowledging."
    )
    replaceable = [f for f in a.names if f.replaced_by]
    verdict = [
        f"{o.firings:,} alerts ({o.per_week:,.1f} a week) from {len(a.names):,} alert names; "
        f"{o.pages:,} paged, {share(o.off_hours_pages, o.pages)} outside business hours.",
        f"Flaps {share(o.flaps, o.firings)}, duplicates {share(o.duplicates, o.firings)}, median time "
        f"to resolve {resolve_time(o.median_minutes_to_resolve)}, resolved quickly with nobody acting "
        f"{share(o.quick_unacted, o.resolved)}.",
        f"{len(replaceable):,} alert names ({sum(f.pages for f in replaceable):,} pages) would be replaced by "
        "SLO burn-rate alerts.",
    ]
    for practice, choice in (
        ("alerts.symptom-based", alerting_choice(a)),
        ("oncall.rotation", rotation_choice(a)),
    ):
        if choice is not None:
            verdict.append(f"Evidence for {practice}: **{choice[0]}** ({choice[1]}).")
    kinds = Table(
        ["kind", "alert names", "firings", "pages"],
        [
            [
                k.value,
                f"{sum(1 for f in a.names if f.kind == k):,}",
                f"{sum(f.firings for f in a.names if f.kind == k):,}",
                f"{a.pages_by_kind[k]:,}",
            ]
            for k in Kind
        ],
        "causes and symptoms",
    )
    noisiest = Table(
        COLUMNS,
        [row(f) for f in a.names[: s.top]],
        f"noisiest {min(s.top, len(a.names))} of {len(a.names):,}",
    )
    tables = [noisiest, Table(COLUMNS, [row(o)], "overall"), kinds]
    replace = Section(
        "What an SLO burn-rate alert would replace",
        paragraphs=[
            "Cause alerts that page, and symptom alerts on static thresholds of which half or more of the "
            "firings flapped or resolved quickly with nobody acting."
        ],
        tables=[
            Table(
                COLUMNS,
                [row(f) for f in replaceable[: s.top]],
                f"{min(s.top, len(replaceable))} of {len(replaceable):,}",
            )
        ]
        if replaceable
        else [],
    )
    return [Section("Verdict", paragraphs=verdict), Section("Alerts", tables=tables), replace, about]
