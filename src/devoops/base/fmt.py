"""Human formatting of money, durations and percentages, shared by rationales and reports."""

from __future__ import annotations

import re


def money(amount: float, currency: str) -> str:
    if abs(amount) >= 1_000_000:
        return f"{amount / 1_000_000:,.1f}M {currency}"
    if abs(amount) >= 10_000:
        return f"{amount / 1000:,.0f}k {currency}"
    return f"{amount:,.0f} {currency}"


def minutes(value: float) -> str:
    if value >= 2 * 1440 and value % 1440 == 0:
        return f"{value / 1440:g} d"
    if value >= 120:
        return f"{value / 60:.3g} h"
    if value >= 1:
        return f"{value:.3g} min"
    return f"{value * 60:.2g} s"


def percent(fraction: float) -> str:
    """99.95 %, keeping the nines that matter."""
    text = f"{fraction * 100:.4f}".rstrip("0").rstrip(".")
    return f"{text} %"


def number(value: float) -> str:
    return f"{value:,.3g}" if value < 1000 else f"{value:,.0f}"


def quantity(value: float, unit: str) -> str:
    """A measured figure with its unit; ratios as percentages precise enough to tell 99.949 %
    from an SLO of 99.95 %."""
    if unit == "ratio":
        return f"{value * 100:.6g} %"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.4g} {unit}"


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """User text as a terminal may show it: control characters (escape sequences, line breaks
    that would forge a second line) written out as escapes, `\\x1b` and `\\n`."""
    return CONTROL.sub(lambda m: repr(m[0])[1:-1], text)
