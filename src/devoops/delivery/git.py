"""Commit times from a git repository, for lead time: what each deployment shipped.

A deployment of commit C shipped the commits reachable from C and not from the commit the
previous successful deployment to the same environment shipped (`git log C ^P`): staging
deploying ahead of production does not take production's commits. Each commit's time is its
committer date: when the change took the form that was deployed (a rebase or an amend moves it;
the author date would not).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..base.errors import InputError, Location, UsageError
from .records import Deployment, DeployStatus, where

TIMEOUT = 120.0


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, timeout=TIMEOUT
        )
    except FileNotFoundError:
        raise UsageError("git is not installed; lead time needs it") from None


def resolve(repo: Path, ref: str) -> str | None:
    """The full commit id a deployment's commit names, or None when the repository lacks it."""
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    return done.stdout.strip() or None if done.returncode == 0 else None


def shipped(repo: Path, commit: str, previous: str | None) -> list[dt.datetime]:
    """The committer times (UTC) of the commits `commit` added to what `previous` had."""
    done = _git(repo, "log", "--format=%ct", commit, *([f"^{previous}"] if previous else []), "--")
    if done.returncode != 0:
        raise UsageError(f"git log failed in {repo}: {done.stderr.strip()}")
    return [dt.datetime.fromtimestamp(int(t), dt.UTC) for t in done.stdout.split()]


Shipped = dict[str | None, dict[str, list[dt.datetime]]]


def commit_times(
    repo: Path, deployments: Sequence[Deployment], source: str, skip_bad_rows: bool = False
) -> tuple[Shipped, list[tuple[Location, str]]]:
    """Per environment, per successful deployment (by row), the times of the commits it
    shipped. Rows naming no environment belong to every one; key None holds them alone, for an
    environment the file does not name. In each environment the first deployment with a commit
    only sets the baseline: what it shipped is unknown. A commit the repository lacks is a bad
    row of the deployments file."""
    if _git(repo, "rev-parse", "--git-dir").returncode != 0:
        raise UsageError(f"{repo} is not a git repository")
    resolved: list[tuple[Deployment, str]] = []
    problems: list[tuple[Location, str]] = []
    for d in sorted(deployments, key=lambda d: d.time):
        if d.commit is None or d.status != DeployStatus.SUCCESS:
            continue
        if (commit := resolve(repo, d.commit)) is None:
            problems.append((where(source, d.row, "commit"), f"commit {d.commit!r} is not in {repo}"))
        else:
            resolved.append((d, commit))
    if problems and not skip_bad_rows:
        raise InputError(problems)
    logs: dict[tuple[str, str], list[dt.datetime]] = {}
    by_environment: Shipped = {}
    for env in {d.environment for d, _ in resolved} | {None}:
        shipped_by = by_environment[env] = {}
        previous: str | None = None
        for d, commit in resolved:
            if d.environment not in (None, env):
                continue
            if previous is not None and commit != previous:
                if (commit, previous) not in logs:
                    logs[commit, previous] = shipped(repo, commit, previous)
                shipped_by[d.row] = logs[commit, previous]
            previous = commit
    return by_environment, problems
