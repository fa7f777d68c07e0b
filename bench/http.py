"""HTTP load: the http probe beside Locust and wrk, in one run.

Part one starts one nginx (one worker, a fixed 3-byte answer) on a free 127.0.0.1 port and
measures, each in one process with the same number of connections:
  - wrk: requests per second, closed loop at full speed;
  - Locust FastHttpUser: requests per second, closed loop, no wait time;
  - the http probe, run by devoops's own probe runner: the highest steady rate it sustains, in
    its open model (every request answered, the p99 send lag within 10 ms), found by doubling
    then halving the interval.
and prints the probe's ratio to each. Aim: at least 1.5 times Locust.

Part two shows coordinated omission: a server that answers in about a millisecond but stalls for
1 s in every 4 (tests/probes/httpservers.py, its own process) gets the same offered rate from the
probe and from Locust with two users paced to that rate (a closed loop: each user waits for its
answer). wrk (two connections at full speed) runs as well: a closed loop too, but it corrects
its histogram afterwards, filling in the samples a blocked connection missed. A quarter of the
intended send times fall in a stall, so a true p99 is most of the stall's second; each client's
p99 is printed beside that.

    python bench/http.py [--connections 32] [--seconds 5] [--rate 200]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Off the path goes this file's folder: a script named http.py there hides the standard library's http.
sys.path[:] = [str(ROOT / "src"), str(ROOT / "tests")] + [
    p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"
]

from conftest import NOW, document  # noqa: E402
from devoops.evaluate import assess  # noqa: E402
from devoops.lens import load_lens  # noqa: E402
from devoops.model.evidence import ProbeResult  # noqa: E402
from devoops.model.workload import Workload  # noqa: E402
from devoops.probes.run import run  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
LOCUST = str(Path(sys.executable).with_name("locust"))
STALL_EVERY, STALL_FOR = 4.0, 1.0
LOCUSTFILE = """\
import os
from locust import FastHttpUser, constant, constant_pacing, task

class Load(FastHttpUser):
    pace = float(os.environ.get("BENCH_PACE", "0"))
    wait_time = constant_pacing(pace) if pace else constant(0)

    @task
    def get(self):
        self.client.get("/")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def nginx(folder: Path) -> Iterator[str]:
    port = free_port()
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""daemon off; master_process on; worker_processes 1; {user}
error_log {folder}/error.log warn; pid {folder}/nginx.pid;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 10000000; {temp}
  server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok\\n"; }} }} }}
"""
    )
    proc = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    )
    try:
        wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def stalling_server() -> Iterator[str]:
    server = ROOT / "tests" / "probes" / "httpservers.py"
    command = [sys.executable, str(server), "--stall-every", str(STALL_EVERY), "--stall-for", str(STALL_FOR)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def probe(url: str, options: dict[str, Any]) -> tuple[ProbeResult, dict[str, float], dict[str, int]]:
    """One http probe through devoops's runner, as `devoops audit` runs it (uvloop included)."""
    config = {"type": "http", "target": url, "timeout": 120, "options": options | {"min_samples": 1}}
    workload = Workload.model_validate(document(probes={"bench": config}))
    lens = load_lens()
    targets = {v.horizon: v.targets for v in assess(workload, lens, NOW, "bench").horizons}
    (result,) = run(workload, targets, lens, NOW)
    figures = {m.name: float(m.value or 0) for m in result.evidence.measurements}
    (table,) = [t for t in result.evidence.tables if t.title == "outcomes"]
    return result, figures, {str(row[0]): int(row[1] or 0) for row in table.rows}


def probe_sustains(url: str, rate: float, connections: int) -> bool:
    result, figures, outcomes = probe(url, {"rate": rate, "duration": 2, "connections": connections})
    answered = outcomes.get("2xx", 0) == figures.get("requests", -1)
    sustained = answered and figures["send lag p99"] <= 10
    print(
        f"  probe at {rate:8.0f}/s: lag p99 {figures.get('send lag p99', 0):7.1f} ms, {'sustained' if sustained else 'not'}"
    )
    return sustained


def probe_highest(url: str, connections: int) -> float:
    low, high = 0.0, 4000.0
    while probe_sustains(url, high, connections) and high < 500_000:
        low, high = high, high * 2
    for _ in range(4):
        middle = (low + high) / 2
        low, high = (middle, high) if probe_sustains(url, middle, connections) else (low, middle)
    return low


def wrk(url: str, connections: int, seconds: int) -> tuple[float, float]:
    """Requests per second and p99 in ms."""
    out = subprocess.run(
        [WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url + "/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rate, float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def locust(url: str, users: int, seconds: int, folder: Path, pace: float = 0) -> tuple[float, float]:
    """Requests per second and p99 in ms, from Locust's own statistics."""
    locustfile = folder / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    prefix = folder / f"locust-{users}-{pace}"
    subprocess.run(
        [LOCUST, "-f", str(locustfile), "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s"]
        + ["-H", url, "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR"],
        env=os.environ | {"BENCH_PACE": str(pace)},
        capture_output=True,
        check=True,
        timeout=seconds + 60,
    )
    with open(f"{prefix}_stats.csv") as f:
        (total,) = [row for row in csv.DictReader(f) if row["Name"] == "Aggregated"]
    return float(total["Requests/s"]), float(total["99%"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=200, help="offered rate in part two")
    args = parser.parse_args()
    if not Path(LOCUST).exists():
        sys.exit("Locust is missing: pip install locust (the bench extra)")
    c = args.connections
    with tempfile.TemporaryDirectory(prefix="devoops-bench-http-") as tmp:
        folder = Path(tmp)
        with nginx(folder) as url:
            print(f"one nginx worker on {url}, each client one process with {c} connections")
            wrk_rate, _ = wrk(url, c, args.seconds)
            locust_rate, _ = locust(url, c, args.seconds, folder)
            probe_rate = probe_highest(url, c)
        print(f"{'wrk, closed loop':<48} {wrk_rate:>10,.0f} requests/s")
        print(f"{'Locust FastHttpUser, closed loop':<48} {locust_rate:>10,.0f} requests/s")
        print(f"{'devoops http probe, highest sustained rate':<48} {probe_rate:>10,.0f} requests/s")
        print(f"probe / Locust = {probe_rate / locust_rate:.2f}   probe / wrk = {probe_rate / wrk_rate:.2f}")

        seconds, rate, users = 3 * STALL_EVERY, args.rate, 2
        print(
            f"\ncoordinated omission: a server stalling {STALL_FOR:g} s in every {STALL_EVERY:g}, {rate:g} requests/s for {seconds:g} s"
        )
        # Intended send times fall evenly over the cycle; one in a stall waits for the stall's end.
        stalled = STALL_FOR / STALL_EVERY
        print(
            f"{'true p99 from the stall pattern':<48} p99 {STALL_FOR * (1 - 0.01 / stalled) * 1000:>8.1f} ms"
        )
        with stalling_server() as url:
            _, figures, _ = probe(url, {"rate": rate, "duration": seconds})
            _, locust_p99 = locust(url, users, int(seconds), folder, pace=users / rate)
            _, wrk_p99 = wrk(url, users, int(seconds))
        print(f"{'devoops http probe, open model':<48} p99 {figures['p99']:>8.1f} ms")
        print(f"{f'Locust, closed loop, {users} users paced to {rate:g}/s':<48} p99 {locust_p99:>8.1f} ms")
        print(f"{f'wrk, {users} connections, corrected afterwards':<48} p99 {wrk_p99:>8.1f} ms")


if __name__ == "__main__":
    main()
