"""A real Prometheus for the tests: the Debian `prometheus` binary from PATH, a temporary data
folder, a free loopback port and the scrape configuration (and rule files) a test gives. With
`basic_auth`, the server asks every request for those credentials (a bcrypt hash in its web
configuration, which needs the `bcrypt` package); the helper's own requests send them."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from .pgserver import free_port


def job(name: str, address: str, interval: str = "1s", **settings: Any) -> dict[str, Any]:
    """One scrape job with a static target, e.g. job("web", "127.0.0.1:8000")."""
    return {
        "job_name": name,
        "scrape_interval": interval,
        "scrape_timeout": interval,
        "static_configs": [{"targets": [address]}],
        **settings,
    }


class PrometheusServer:
    def __init__(
        self,
        scrape_configs: Sequence[dict[str, Any]] = (),
        *,
        interval: str = "1s",
        rule_files: Sequence[str | Path] = (),
        basic_auth: tuple[str, str] | None = None,
        args: Sequence[str] = (),
        ready_timeout: float = 60.0,
    ) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError("prometheus not found on PATH (Debian package `prometheus`)")
        self.root = Path(tempfile.mkdtemp(prefix="devoops-prom-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._auth = basic_auth
        config = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [str(Path(f).resolve()) for f in rule_files],
            "scrape_configs": list(scrape_configs),
        }
        # JSON is YAML, so the configuration needs no YAML writer.
        (self.root / "prometheus.yml").write_text(json.dumps(config))
        command = [
            binary,
            f"--config.file={self.root / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.root / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
            *args,
        ]
        if basic_auth is not None:
            import bcrypt

            user, password = basic_auth
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
            (self.root / "web.yml").write_text(json.dumps({"basic_auth_users": {user: hashed}}))
            command.append(f"--web.config.file={self.root / 'web.yml'}")
        self._log = (self.root / "log").open("wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.root)
        try:
            self._wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise

    def _request(self, path: str, params: dict[str, str] | None = None) -> Any:
        url = self.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url)
        if self._auth is not None:
            token = base64.b64encode(":".join(self._auth).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited ({self.process.returncode}): {self.log()[-2000:]}")
            try:
                self._request("/-/ready")
                return
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"prometheus not ready after {timeout:g} s: {self.log()[-2000:]}"
                    ) from None
                time.sleep(0.1)

    def log(self) -> str:
        return (self.root / "log").read_text(errors="replace")

    def query(self, promql: str) -> Any:
        """The `data.result` of an instant query at the server's current time."""
        return json.loads(self._request("/api/v1/query", {"query": promql}))["data"]["result"]

    def wait_until(self, promql: str, timeout: float = 60.0) -> Any:
        """Poll an instant query until it returns a non-empty result (e.g. enough scrapes)."""
        deadline = time.monotonic() + timeout
        while not (result := self.query(promql)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no result for {promql} after {timeout:g} s")
            time.sleep(0.2)
        return result

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            self._log.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrometheusServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
