"""The user's failover command: run once, timed, killed at its timeout or on an interrupt.

This is the one moment the drill hands control to someone else's program (patronictl, the cloud's
CLI, pg_ctl promote), so it is run in a session of its own whose whole process group can be
killed, with no input, and its output is kept only as a short tail with every connection
string's password scrubbed out. An exit of 126 or 127 means the command could not run at all,
which is the drill's failure, not the failover's.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time

from ...backup import pgclient
from .outcome import Command
from .plan import Broken

TAIL = 400  # characters of the command's output kept


class FailoverCommand:
    """The command of one drill; `run` blocks, `kill` (from another thread) ends it."""

    def __init__(self, command: str, secrets: list[str], stop: threading.Event) -> None:
        self.command = command
        self.secrets = secrets  # connection strings whose passwords its output must not show
        self.stop = stop  # the drill's interrupt
        self._proc: subprocess.Popen[bytes] | None = None

    def run(self, timeout: float) -> Command:
        started = time.monotonic()
        try:
            proc = self._proc = subprocess.Popen(
                ["/bin/sh", "-c", self.command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise Broken(f"cannot run the failover command: {exc.strerror or exc}") from None
        if self.stop.is_set():  # interrupted while it started: kill() did not see it
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        try:
            out, _ = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            try:
                out, _ = proc.communicate(timeout=2)
            except subprocess.TimeoutExpired:  # a child kept the pipe open
                out = b""
            code = None
        seconds = time.monotonic() - started
        if code is not None and code < 0:  # killed by kill()
            code = None
        text = out.decode("utf-8", "replace").strip()
        for secret in self.secrets:
            text = pgclient.scrub(text, secret)
        tail = text[-TAIL:]
        ran = Command(seconds, code, re.sub(r"\s+", " ", tail).strip())
        if ran.exit_code in (126, 127):
            raise Broken(f"the failover command could not run (exit {ran.exit_code}): {ran.output}")
        return ran

    def kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
