"""A made-up web application's traffic, and the same requests written as access logs in each
format the access_log probe reads. Tests work out the expected figures from the requests
themselves (the arrays here), never from what the probe reports.

numpy draws the requests and lines are put together column-wise, so millions take seconds.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
START = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "curl/8.11.0",
    "Go-http-client/2.0",
)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    weight: float
    median_ms: float


# Placeholders name the kind of id filled in; the probe's routes show each as {id}.
ROUTES = (
    Route("GET", "/", 5, 20),
    Route("GET", "/api/users/{id}", 30, 40),
    Route("GET", "/api/users/{id}/orders", 10, 80),
    Route("POST", "/api/orders", 8, 150),
    Route("GET", "/api/orders/{uuid}", 10, 60),
    Route("GET", "/blobs/{hex}", 5, 30),
    Route("GET", "/reports/{date}/summary", 3, 400),
    Route("GET", "/s/{token}", 4, 15),
    Route("GET", "/api/v1/search", 10, 120),
    Route("GET", "/static/app.js", 15, 5),
)
TOKEN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class Traffic:
    """n requests, sorted by time: epoch milliseconds, status, duration in whole ms, route index
    into ROUTES, and the path as sent (ids filled in, some with a query string)."""

    at_ms: np.ndarray
    status: np.ndarray
    ms: np.ndarray
    route: np.ndarray
    paths: list[str]

    def __len__(self) -> int:
        return len(self.paths)

    def part(self, keep: np.ndarray) -> Traffic:
        """The requests where `keep` (a boolean or index array) holds."""
        index = np.flatnonzero(keep) if keep.dtype == bool else keep
        return Traffic(
            self.at_ms[index],
            self.status[index],
            self.ms[index],
            self.route[index],
            [self.paths[i] for i in index],
        )


def traffic(
    n: int,
    *,
    seed: int = 1,
    start: dt.datetime = START,
    days: float = 2.0,
    failure: float = 0.002,
    bad_hour: float = 0.2,
    slow: float = 1.0,
) -> Traffic:
    """Requests over `days` from `start`: a tenth of them in one busy five-minute spike, one
    hour failing at `bad_hour`, the rest failing at `failure`; durations log-normal around each
    route's median times `slow`."""
    rng = np.random.default_rng(seed)
    span = int(days * 86_400_000)
    t0 = int(start.timestamp() * 1000)
    spike = rng.integers(0, span - 300_000)
    spiked = rng.random(n) < 0.1
    offsets = np.where(spiked, spike + rng.integers(0, 300_000, n), rng.integers(0, span, n))
    at_ms = np.sort(t0 + offsets)
    weights = np.array([r.weight for r in ROUTES])
    route = rng.choice(len(ROUTES), n, p=weights / weights.sum())
    hour = t0 + rng.integers(0, span // 3_600_000) * 3_600_000
    in_bad_hour = (at_ms >= hour) & (at_ms < hour + 3_600_000)
    fails = rng.random(n) < np.where(in_bad_hour, bad_hour, failure)
    status = np.where(rng.random(n) < 0.03, 404, np.where(rng.random(n) < 0.05, 302, 200))
    status = np.where(fails, rng.choice([500, 502, 503, 504], n), status)
    medians = np.array([r.median_ms for r in ROUTES])[route] * slow
    ms = np.minimum(np.rint(rng.lognormal(np.log(medians), 0.8)), 59_000).astype(np.int64)
    ids = rng.integers(1, 10_000_000, n)
    paths = np.empty(n, dtype=object)
    for r, spec in enumerate(ROUTES):
        chosen = route == r
        paths[chosen] = _paths(spec.template, ids[chosen].tolist())
    return Traffic(at_ms, status.astype(np.int64), ms, route, paths.tolist())


def _paths(template: str, numbers: list[int]) -> list[str]:
    """The template with its placeholder filled from each number."""
    if "{" not in template:
        if template.endswith("search"):
            return [f"{template}?q=term{k % 97}&page={k % 5}" for k in numbers]
        return [template] * len(numbers)
    head, rest = template.split("{", 1)
    kind, tail = rest.split("}", 1)
    fill: Callable[[int], str] = {
        "id": str,
        "uuid": lambda k: str(uuid.UUID(int=k * 7919 + (1 << 100))),
        "hex": lambda k: f"{k:08x}a3f{k * 2654435761:013x}"[:24],
        "date": lambda k: (dt.date(2026, 1, 1) + dt.timedelta(days=k % 365)).isoformat(),
        "token": lambda k: (
            "cus_" + "".join(TOKEN[(k * 2654435761 >> (5 * j)) % 64] for j in range(16)) + str(k % 10)
        ),
    }[kind]
    return [head + fill(k) + tail for k in numbers]


def combined(
    t: Traffic, *, duration: str | None = "s", offset_minutes: int = 0, common: bool = False
) -> Iterator[str]:
    """nginx/Apache lines: combined (or common, without referer and agent), the duration last in
    seconds ("s", nginx $request_time), microseconds ("us", Apache %D), or not at all; local
    times `offset_minutes` east of UTC. Formatted column-wise: each distinct time, client, size
    and duration is written once, and lines are put together by one format string."""
    n = np.arange(len(t))
    offset = dt.timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes >= 0 else "-"
    zone = f"{sign}{abs(offset_minutes) // 60:02d}{abs(offset_minutes) % 60:02d}"
    seconds, which = np.unique(t.at_ms // 1000, return_inverse=True)
    stamps = []
    for second in seconds.tolist():
        x = dt.datetime.fromtimestamp(second, dt.UTC) + offset
        stamps.append(f"{x.day:02d}/{MONTHS[x.month - 1]}/{x.year}:{x:%H:%M:%S} {zone}")
    clients = [f"10.{k % 7}.{k % 251}.{k % 113 + 1}" for k in range(10_007)]
    methods = [r.method for r in ROUTES]
    columns: list[Any] = [
        _pick(clients, n % len(clients)),
        _pick(stamps, which),
        _pick(methods, t.route),
        t.paths,
        t.status.tolist(),
        ((n * 7919) % 40_000).tolist(),
    ]
    form = '%s - - [%s] "%s %s HTTP/1.1" %d %d'
    if not common:
        form += ' "https://shop.example/" "%s"'
        columns.append(_pick(AGENTS, n % len(AGENTS)))
    if duration == "s":
        form += " %s"
        columns.append(_pick([f"{ms / 1000:.3f}" for ms in range(int(t.ms.max(initial=0)) + 1)], t.ms))
    elif duration == "us":
        form += " %d"
        columns.append((t.ms * 1000).tolist())
    return map(form.__mod__, zip(*columns, strict=True))


def _pick(pool: Sequence[str], index: np.ndarray) -> list[str]:
    return np.asarray(pool, dtype=object)[index].tolist()


def json_lines(t: Traffic, names: dict[str, str] | None = None, nested: bool = False) -> Iterator[str]:
    """One JSON object per request: ISO times with milliseconds, the duration in seconds. `names`
    renames keys; `nested` puts status and duration under "http"."""
    key = {"time": "time", "status": "status", "duration": "request_time", "method": "method", "path": "path"}
    key |= names or {}

    def line(i: int, at: int, status: int, ms: int, route: int, path: str) -> str:
        when = dt.datetime.fromtimestamp(at / 1000, dt.UTC).isoformat(timespec="milliseconds")
        doc: dict[str, Any] = {key["time"]: when.replace("+00:00", "Z"), key["method"]: ROUTES[route].method}
        figures = {key["status"]: status, key["duration"]: ms / 1000}
        doc |= {"http": figures} if nested else figures
        doc |= {key["path"]: path, "bytes": i % 5000}
        return json.dumps(doc)

    return _lines(t, line)


KV_PATTERN = (
    r"^ts=(?P<time>\S+) level=info (?P<method>[A-Z]+) (?P<path>\S+) status=(?P<status>\d+) "
    r"took=(?P<duration>\d+)ms$"
)


def kv_lines(t: Traffic) -> Iterator[str]:
    """An application's own log lines (epoch seconds, duration in ms), read with KV_PATTERN."""

    def line(i: int, at: int, status: int, ms: int, route: int, path: str) -> str:
        return f"ts={at / 1000:.3f} level=info {ROUTES[route].method} {path} status={status} took={ms}ms"

    return _lines(t, line)


def _lines(t: Traffic, line: Callable[[int, int, int, int, int, str], str]) -> Iterator[str]:
    rows = zip(t.at_ms.tolist(), t.status.tolist(), t.ms.tolist(), t.route.tolist(), t.paths, strict=True)
    return (line(i, *row) for i, row in enumerate(rows))


def write(path: Path, lines: Iterable[str]) -> Path:
    """The lines into `path`, gzip-compressed when it ends in .gz."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as out:
        for chunk in _chunks(lines):
            out.write(chunk)
    return path


def _chunks(lines: Iterable[str], size: int = 50_000) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"
