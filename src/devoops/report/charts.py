"""Charts for the HTML report, drawn by matplotlib as inline SVG so the page needs no image files.

matplotlib is imported inside the functions: the CLI starts without it. Figures are built as
`Figure` objects, never through pyplot, so no global figure state or GUI backend is involved.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from ..model.assessment import Assessment
from ..model.common import Horizon, Tenet
from ..model.summary import HistoryEntry
from .sections import TENET_TITLES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes
    from matplotlib.typing import RcKeyType

INK = "#1f2933"
GRID = "#cbd2d9"
IMPORTANCE = "#c2410c"
MATURITY = "#0f766e"
TENET_COLORS = {
    Tenet.HIGH_AVAILABILITY: "#2563eb",
    Tenet.SCALABILITY: "#9333ea",
    Tenet.PERFORMANCE: "#ea580c",
    Tenet.DATA_INTEGRITY: "#059669",
    Tenet.SECURITY: "#dc2626",
    Tenet.PRODUCTIVITY: "#ca8a04",
}
NO_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}
"""Without these the SVG carries the time of drawing and links to matplotlib.org and purl.org."""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _style() -> dict[RcKeyType, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],
        "font.size": 9,
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.edgecolor": GRID,
        "xtick.color": INK,
        "ytick.color": INK,
        "svg.fonttype": "none",
        "date.epoch": EPOCH.strftime("%Y-%m-%dT%H:%M:%S"),
        "date.converter": "concise",
    }


def _day(moment: dt.datetime) -> float:
    """matplotlib's date number (days since the epoch pinned in the style), for an aware time."""
    return (moment - EPOCH).total_seconds() / 86400


def _svg(fig: Figure, chart_id: str) -> str:
    """The figure as an inline `<svg>` element: text stays text (escaped by matplotlib's writer),
    the XML prolog and metadata are dropped, and ids are salted by chart so the same input
    gives the same bytes and two charts on one page never share an id."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": chart_id, "svg.id": chart_id}):
        fig.savefig(buffer, format="svg", metadata=NO_METADATA)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _title(ax: Axes, text: str) -> None:
    """User text is never parsed as mathtext: a "$" in an app name is just a dollar sign."""
    ax.set_title(text, parse_math=False, fontsize=10, fontweight="bold", pad=18)


def radar(a: Assessment) -> str:
    """Importance against maturity per tenet now: the gap is the area between the two shapes."""
    import matplotlib
    from matplotlib.figure import Figure

    scores = {s.tenet: s for s in a.at(Horizon.NOW).tenets}
    tenets = list(Tenet)
    angles = [2 * math.pi * n / len(tenets) for n in range(len(tenets))]
    closed = [*angles, angles[0]]
    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(7.2, 5.6), layout="constrained")
        ax = cast("PolarAxes", fig.add_subplot(projection="polar"))
        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        series = (
            ("Importance", [float(scores[t].importance.value) for t in tenets], IMPORTANCE),
            ("Maturity", [scores[t].maturity for t in tenets], MATURITY),
        )
        for label, values, color in series:
            ax.plot(closed, [*values, values[0]], color=color, linewidth=2, label=label)
            ax.fill(closed, [*values, values[0]], color=color, alpha=0.15)
        ax.set_xticks(angles, [TENET_TITLES[t] for t in tenets])
        ax.set_ylim(0, 10)
        ax.set_rlabel_position(30)
        ax.tick_params(axis="x", pad=8)
        ax.set_yticks([2, 4, 6, 8, 10], ["2", "4", "6", "8", "10"], color="#7b8794", fontsize=7)
        ax.grid(color=GRID, linewidth=0.6)
        ax.spines["polar"].set_color(GRID)
        _title(ax, f"{a.app.name}: importance and maturity now (0-10)")
        ax.legend(loc="upper right", bbox_to_anchor=(1.32, 1.12), frameon=False)
        return _svg(fig, "radar-chart")


def trend(history: Sequence[HistoryEntry]) -> str | None:
    """Maturity per tenet across saved assessments, with their milestones; None below two points."""
    if len(history) < 2:
        return None
    import matplotlib
    from matplotlib.figure import Figure

    entries = sorted(history, key=lambda e: e.generated_at)
    days = [_day(e.generated_at) for e in entries]
    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(8.0, 4.2), layout="constrained")
        ax = fig.add_subplot()
        for t in Tenet:
            values = [e.maturity.get(t, math.nan) for e in entries]
            ax.plot(
                days,
                values,
                marker="o",
                markersize=4,
                linewidth=1.8,
                color=TENET_COLORS[t],
                label=TENET_TITLES[t],
            )
        for day, e in zip(days, entries, strict=True):
            if e.milestones:
                ax.axvline(day, color=GRID, linestyle=":", linewidth=1)
                ax.annotate(
                    ", ".join(e.milestones),
                    (day, 9.8),
                    rotation=90,
                    fontsize=7,
                    va="top",
                    ha="right",
                    parse_math=False,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
                )
        ax.xaxis_date()
        ax.set_ylim(0, 10)
        ax.set_ylabel("maturity (0-10)")
        ax.grid(color=GRID, linewidth=0.6, alpha=0.7)
        ax.spines[["top", "right"]].set_visible(False)
        _title(ax, f"{entries[-1].app}: maturity over time")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        return _svg(fig, "trend-chart")
