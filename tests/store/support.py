"""What the store tests share: assessments to save, raw looks into a store, and processes
that save into one while the test watches."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from devoops.api import assess_file
from devoops.model.assessment import Assessment
from devoops.store.engine import connect

from ..conftest import NOW, ROOT
from ..helpers import SRC

BOOKMARKS = ROOT / "examples" / "bookmarks.yaml"
FINTECH = ROOT / "examples" / "fintech.yaml"
YEARS = 200


@cache
def assessed(path: Path = BOOKMARKS) -> tuple[Assessment, str]:
    """An example assessed at NOW, with the text of its workload file: a short Monte Carlo, so
    the document has every part a store keeps without paying for 20,000 years."""
    result = assess_file(path, now=NOW, years=YEARS)
    return result.assessment, result.loaded.text


def variant(a: Assessment, *, app: str | None = None, hours: float = 0) -> Assessment:
    """The same assessment, later by `hours`, or of another application."""
    update: dict[str, object] = {"generated_at": a.generated_at + dt.timedelta(hours=hours)}
    if app is not None:
        update["app"] = a.app.model_copy(update={"name": app})
    return a.model_copy(update=update)


def findings_in(a: Assessment) -> int:
    """Findings in the document, over all horizons: one row each in the findings table."""
    return sum(len(view.findings) for view in a.horizons)


@contextmanager
def raw(url: str) -> Iterator[sa.Connection]:
    """A plain connection to the store, past the repository (SQLite pragmas included)."""
    engine = connect(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def count(conn: sa.Connection, table: str) -> int:
    return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def findings_rows(conn: sa.Connection) -> dict[int, int]:
    """Findings rows per assessment id, with 0 for an assessment without any."""
    rows = conn.execute(
        sa.text(
            "SELECT a.id, count(f.practice) FROM assessments a "
            "LEFT JOIN findings f ON f.assessment_id = a.id GROUP BY a.id"
        )
    )
    return {int(id): int(n) for id, n in rows}


def devoops_all(*commands: Sequence[str | Path], cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    """Several `devoops` commands at once (each as tests/helpers.py `devoops()` runs one): the
    interpreter's start-up is most of their time, and they need not wait for each other."""
    env = os.environ | {"PYTHONPATH": SRC, "COLUMNS": "160"}
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "devoops", *map(str, command)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    done = []
    for p in running:
        out, err = p.communicate(timeout=60)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


def python(code: str, *args: str) -> subprocess.Popen[str]:
    """`python -c code args` with devoops importable, stdin and stdout piped for signalling."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=os.environ | {"PYTHONPATH": SRC},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(process: subprocess.Popen[str]) -> None:
    """Block until the process prints its `ready` line (it has imported and opened what it needs)."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        _, err = process.communicate(timeout=30)
        raise AssertionError(f"worker did not start: {line!r} {err}")


def go(*processes: subprocess.Popen[str]) -> None:
    """Release processes waiting at their `go` line, as close together as the OS allows."""
    for p in processes:
        assert p.stdin is not None
        p.stdin.write("go\n")
    for p in processes:
        assert p.stdin is not None
        p.stdin.flush()


SAVER = """
import sys
from pathlib import Path

from devoops.api import assess_file
from devoops.store import Store

url, workload, count, padding = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
result = assess_file(workload, years=0)  # what is saved matters here, not its Monte Carlo
text = result.loaded.text + "# padding to make each save take a while\\n" * padding
with Store(url) as store:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit(1)
    saved = 0
    while count == 0 or saved < count:  # 0: until killed
        store.save(result.assessment, text)
        saved += 1
print(saved, flush=True)
"""
"""Saves COUNT assessments of WORKLOAD (0: forever) into URL once told `go` on stdin."""

OPENER = """
import sys

from devoops.store import Store, migrate

Store("sqlite://").close()  # warmed up: imports done, migration scripts read, so the race is close
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    sys.exit(1)
for url in sys.argv[1:]:
    with Store(url) as store, store.engine.connect() as conn:
        print(migrate.current(conn), flush=True)
"""
"""Opens the stores at URL... one after the other (migrating each) once told `go`, and prints
their revisions. Several openers given the same fresh stores race on every one of them."""
