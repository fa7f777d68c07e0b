"""The browser app's figures, drawn by matplotlib as PNG: a compact tenet radar for the
portfolio and the verdict page, and measured figures over time against their targets.

PNG and not the report's inline SVG: matplotlib's SVG styles every shape with `style`
attributes, which the app's Content-Security-Policy (`style-src 'self'`) refuses, and some
browsers apply that policy to an SVG image as well. A PNG carries no styles; the pages put the
same figures in text beside it (alt text, tables). Colours and fonts are the report's
(`charts`), so a radar in the browser reads like the one in the report."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from ..model.common import Tenet
from .charts import GRID, IMPORTANCE, MATURITY, _day, _style
from .timeline import SHORT

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

PNG_METADATA: dict[str, str | None] = {"Software": None}
"""Without it the PNG names the matplotlib version: the same figures then give the same bytes."""
SERIES_COLORS = ("#2563eb", "#9333ea", "#ea580c", "#059669")


@dataclass(frozen=True)
class Reading:
    """One measured value at one time, with the target it was held against then (if any)."""

    at: dt.datetime
    value: float
    target: float | None


def _png(fig: Figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata=PNG_METADATA)
    return buffer.getvalue()


def radar(importance: Mapping[Tenet, float], maturity: Mapping[Tenet, float]) -> bytes:
    """Importance against maturity per tenet, small enough for a table cell (short tenet
    names, no title: the page says whose it is)."""
    import matplotlib
    from matplotlib.figure import Figure

    tenets = list(Tenet)
    angles = [2 * math.pi * n / len(tenets) for n in range(len(tenets))]
    closed = [*angles, angles[0]]
    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(2.6, 2.6), layout="constrained")
        ax = cast("PolarAxes", fig.add_subplot(projection="polar"))
        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        for label, values, color in (
            ("importance", [float(importance.get(t, 0)) for t in tenets], IMPORTANCE),
            ("maturity", [float(maturity.get(t, 0)) for t in tenets], MATURITY),
        ):
            ax.plot(closed, [*values, values[0]], color=color, linewidth=1.6, label=label)
            ax.fill(closed, [*values, values[0]], color=color, alpha=0.15)
        ax.set_xticks(angles, [SHORT[t] for t in tenets], fontsize=7)
        ax.set_ylim(0, 10)
        ax.set_yticks([5, 10], ["", ""])
        ax.grid(color=GRID, linewidth=0.5)
        ax.spines["polar"].set_color(GRID)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.28), ncol=2, frameon=False, fontsize=7)
        return _png(fig)


def over_time(title: str, unit: str, series: Mapping[str, Sequence[Reading]], scale: float = 1.0) -> bytes:
    """Each series' readings over time as points joined by lines, and the target each was held
    against as a dashed step line of the same colour; `scale` multiplies values and targets
    (100 shows a ratio as a percentage). With no reading, a figure that says so."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(7.0, 3.2), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(title, parse_math=False, fontsize=10, fontweight="bold")
        drawn = False
        for (label, readings), color in zip(series.items(), SERIES_COLORS, strict=False):
            points = sorted(readings, key=lambda r: r.at)
            if not points:
                continue
            drawn = True
            days = [_day(r.at) for r in points]
            ax.plot(
                days,
                [r.value * scale for r in points],
                marker="o",
                markersize=4,
                linewidth=1.6,
                color=color,
                label=f"{label} measured",
            )
            targets = [math.nan if r.target is None else r.target * scale for r in points]
            if not all(math.isnan(t) for t in targets):
                ax.step(
                    days,
                    targets,
                    where="post",
                    linestyle="--",
                    linewidth=1.2,
                    color=color,
                    label=f"{label} target",
                )
        if not drawn:
            ax.text(0.5, 0.5, "No saved audit has measured this yet.", ha="center", va="center")
            ax.set_axis_off()
            return _png(fig)
        ax.xaxis_date()
        ax.set_ylabel(unit, parse_math=False)
        ax.grid(color=GRID, linewidth=0.6, alpha=0.7)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        return _png(fig)
