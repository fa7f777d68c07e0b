"""Alert history: read exports (Alertmanager, PagerDuty, Opsgenie), count the noise, judge the
alerting. `formats` is the edge that reads files; `analysis` is pure."""

from __future__ import annotations

from .analysis import alerting_choice, analyse, rotation_choice
from .formats import expand, read
from .model import Analysis, Figures, Format, History, Kind, Settings

__all__ = [
    "Analysis",
    "Figures",
    "Format",
    "History",
    "Kind",
    "Settings",
    "alerting_choice",
    "analyse",
    "expand",
    "read",
    "rotation_choice",
]
