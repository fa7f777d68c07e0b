"""A reader slower than devoops gets every byte, PYTHONUNBUFFERED or not.

With PYTHONUNBUFFERED, once uvloop had run, a write to a full pipe came back after 64 KiB and
Python dropped the rest: `devoops audit -f json | slow-reader` got 65,536 bytes of a 167 KB
report, with exit status 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import SRC

WRITER = """
import asyncio, sys
from devoops.base.streams import whole
whole()
import uvloop
uvloop.run(asyncio.sleep(0.01))
sys.stdout.write("x" * 200_000)
"""


def slowly(command: list[str | Path], cwd: Path | None = None) -> tuple[int, bytes, bytes]:
    """Run `command` with PYTHONUNBUFFERED set, reading its output 8 KiB every 10 ms: the pipe
    fills, and the writer waits on it."""
    env = os.environ | {"PYTHONPATH": SRC, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        list(map(str, command)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        chunks = []
        while chunk := child.stdout.read1(8192):
            chunks.append(chunk)
            time.sleep(0.01)
        err = child.stderr.read()
    return child.wait(), b"".join(chunks), err


def test_streams_made_whole_write_all_of_a_long_result_after_an_event_loop() -> None:
    pytest.importorskip("uvloop")
    code, out, err = slowly([sys.executable, "-c", WRITER])
    assert (code, len(out)) == (0, 200_000), err


def test_a_long_report_reaches_a_slow_reader_whole(tmp_path: Path) -> None:
    folder = tmp_path / "service"
    (folder / "logs").mkdir(parents=True)
    line = '127.0.0.1 - - [27/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "t" 0.010\n'
    (folder / "logs" / "access.log").write_text(line)
    path = folder / "devoops.yaml"
    path.write_text(
        (Path(__file__).parents[1] / "examples" / "bookmarks.yaml").read_text().split("probes:")[0]
        + "probes:\n  logs: {type: access_log, target: logs/*.log}\n"
    )
    code, out, err = slowly(
        [sys.executable, "-m", "devoops", "audit", path, "--no-save", "-f", "json"], cwd=tmp_path
    )
    assert code == 0, err
    assert len(out) > 65_536 and json.loads(out)["evidence"][0]["evidence"]["status"] == "PASS"
