"""Any valid workload goes through `assess --save`, `show` in every format and `diff`: what the
store gives back is what was saved, whatever fields the workload used (times of day, dates,
windows, exemptions)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from devoops.api import assess_file
from devoops.evaluate.diff import diff
from devoops.report import render
from devoops.store import Store
from devoops.store.engine import sqlite_url

from ..conftest import NOW, document

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
hours = st.one_of(
    st.just("24x7"),
    st.fixed_dictionaries(
        {
            "days": st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True),
            "start": clock,
            "end": clock,
            "timezone": st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
        }
    ).filter(lambda h: h["start"] != h["end"]),
)
exemption = st.fixed_dictionaries(
    {
        "choice": st.just("same-account"),
        "exemption": st.fixed_dictionaries(
            {
                "owner": st.just("cto@shop.example"),
                "reason": st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs"]), min_size=1),
                "expires": st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
            }
        ),
    }
)
changes = st.fixed_dictionaries(
    {},
    optional={
        "app.business_hours": hours,
        "app.stage": st.sampled_from(["idea", "mvp", "growth", "scale"]),
        "answers.reliability.downtime_cost_per_hour": st.integers(0, 10**6),
        "answers.reliability.maintenance_window": st.fixed_dictionaries(
            {"every": st.sampled_from(["night", "week"]), "minutes": st.integers(1, 240)}
        ),
        "answers.traffic.baseline_rps": st.floats(0.1, 1e5),
        "practices": st.fixed_dictionaries({"backups.offsite": exemption}),
    },
)


@settings(max_examples=5, deadline=None)
@given(first=changes, second=changes)
def test_any_workload_saves_shows_and_diffs(first: dict[str, Any], second: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        saved = []
        with Store(sqlite_url(Path(folder) / "store.db")) as store:
            for n, dotted in enumerate((first, second)):
                path = Path(folder) / f"w{n}.yaml"
                with path.open("w") as f:
                    YAML().dump(document(**dotted), f)
                a = assess_file(path, now=NOW, years=0).assessment
                store.save(a, path.read_text())
                saved.append(a)
            back = [store.load(str(n), "shop") for n in (1, 2)]
        for a, stored in zip(saved, back, strict=True):
            assert stored.assessment.model_dump(mode="json") == a.model_dump(mode="json")
            for format in ("terminal", "md", "json", "html"):
                assert render(stored.assessment, format, color=False, width=100)
        d = diff(back[0].assessment, back[1].assessment, ("#1", "#2"))
        assert d.app == "shop"
