"""Running the real `devoops` command: in a subprocess, as a user would, or in this process where
nothing but its exit code and output is asked (a second's start-up saved per call)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any
from unittest import mock

SRC = str(Path(__file__).resolve().parents[1] / "src")


def devoops(
    *args: str | Path, cwd: Path | None = None, stdin: str | None = None, columns: int = 160
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": SRC, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "devoops", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        input=stdin,
        timeout=60,
    )


def cli(
    *args: str | Path,
    columns: int = 160,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`devoops` run by its entry point in this process: its exit code and what it wrote, run
    in `cwd`, with `env` over the environment (None: the variable unset). For input whose parser
    could crash the interpreter (a signal, not an exception), or a test of the process itself
    (signals, pipes, the installed command), use `devoops`."""
    from devoops.cli import main

    argv = ["devoops", *map(str, args)]
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.object(sys, "argv", argv),
        mock.patch.dict(os.environ, {"COLUMNS": str(columns)}),
        contextlib.chdir(cwd or os.getcwd()),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        for name, value in (env or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def apart(script: str, *args: str, timeout: float = 120) -> dict[str, Any]:
    """`script` in a fresh interpreter that can import the tests; the JSON its last line prints.
    Peak memory measured there is the script's own: in pytest it would carry every earlier test's."""
    root = Path(__file__).resolve().parents[1]
    ran = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=root,
        env=os.environ | {"PYTHONPATH": f"{root}:{SRC}"},
        timeout=timeout,
    )
    assert ran.returncode == 0, ran.stderr
    return dict(json.loads(ran.stdout.splitlines()[-1]))


def pip_install(package: Path, target: Path, build: Path) -> None:
    """A fixture plugin installed with pip into `target` (built in `build`), as a user would."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(package),
        ],
        check=True,
        cwd=build,
        env=os.environ | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
