"""Write one day of linkpile's nginx access log, for `devoops audit examples/bookmarks.yaml`.

The day is made up but shaped like a real one: traffic follows the evenings of a global
audience, most requests are fast, the feed and search are slower, and at 19:40 UTC a bad deploy
answers one request in three with 502 for twenty minutes before it is rolled back. The log uses
nginx's combined format with `$request_time` appended. Seeded: every run writes the same file.

    python examples/logs/generate.py [OUT]   # default: examples/logs/linkpile-access.log.gz
"""

from __future__ import annotations

import datetime as dt
import gzip
import math
import random
import sys
from pathlib import Path

DAY = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
MEAN_RPS = 1.2  # a sample: the real linkpile serves about 40 requests a second
INCIDENT = (DAY + dt.timedelta(hours=19, minutes=40), DAY + dt.timedelta(hours=20))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# method, path template, weight, median seconds
ROUTES = (
    ("GET", "/", 8, 0.030),
    ("GET", "/u/{user}", 14, 0.060),
    ("GET", "/l/{id}", 20, 0.045),
    ("GET", "/api/v1/feed", 18, 0.140),
    ("GET", "/api/v1/links/{id}", 12, 0.050),
    ("POST", "/api/v1/links", 5, 0.120),
    ("GET", "/api/v1/search?q={word}", 6, 0.260),
    ("GET", "/tag/{word}", 7, 0.080),
    ("GET", "/static/app.3f9c2a71.js", 10, 0.002),
)
WORDS = ("python", "sre", "coffee", "design", "rust", "postgres", "hiking", "recipes")
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "linkpile-android/4.2.0 okhttp/4.12.0",
)


def rate(at: dt.datetime) -> float:
    """Requests per second: a daily wave peaking in the European and American evenings."""
    hour = at.hour + at.minute / 60
    return MEAN_RPS * (1 + 0.6 * math.sin((hour - 13) / 24 * 2 * math.pi))


def lines(rng: random.Random) -> list[str]:
    out = []
    at = DAY
    weights = [r[2] for r in ROUTES]
    while at < DAY + dt.timedelta(days=1):
        at += dt.timedelta(seconds=rng.expovariate(rate(at)))
        method, template, _, median = rng.choices(ROUTES, weights)[0]
        path = template.format(user=f"user{rng.randrange(5000)}", id=rng.randrange(10**7), word=rng.choice(WORDS))
        seconds = median * math.exp(rng.gauss(0, 0.8))
        status = 200 if method == "GET" else 201
        if rng.random() < 0.04:
            status = rng.choice((301, 304, 404, 404, 429))
        if INCIDENT[0] <= at < INCIDENT[1] and rng.random() < 0.35:
            status, seconds = 502, 0.001 + rng.random() * 0.01
        elif rng.random() < 0.0005:
            status = 500
        when = f"{at.day:02d}/{MONTHS[at.month - 1]}/{at.year}:{at:%H:%M:%S} +0000"
        client = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        size = rng.randrange(200, 40_000)
        agent = rng.choice(AGENTS)
        out.append(f'{client} - - [{when}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent}" {seconds:.3f}')
    return out


def main(out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="ascii", compresslevel=6) as f:
        f.write("\n".join(lines(random.Random(20261127))) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("linkpile-access.log.gz"))
