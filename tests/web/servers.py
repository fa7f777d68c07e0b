"""`devoops serve` as a user runs it: a real uvicorn process on a free loopback port."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ..helpers import SRC
from ..pgserver import free_port


class Served:
    def __init__(self, folder: Path, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out, self.err = folder / f"serve-{self.port}.out", folder / f"serve-{self.port}.err"
        env = os.environ | {"PYTHONPATH": SRC, "PYTHONUNBUFFERED": "1"}
        env.pop("DEVOOPS_DATABASE_URL", None)
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devoops", "serve", "--port", str(self.port), *args],
                stdout=out,
                stderr=err,
                cwd=folder,
                env=env,
            )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"devoops serve exited {self.process.returncode}: {self.err.read_text()}"
                )
            try:
                if httpx.get(self.base + "/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("devoops serve did not answer within 60 s")

    def setup_link(self) -> str | None:
        found = re.search(r"http://\S+/setup/\S+", self.out.read_text())
        return found[0] if found else None

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=30)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
