"""Lead time from a real git repository whose commits carry known dates."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from devoops.base.errors import InputError, UsageError
from devoops.delivery.inputs import load

from ..helpers import cli

T0 = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def commit(repo: Path, n: int, at: dt.datetime) -> str:
    (repo / "f.txt").write_text(f"{n}\n")
    date = at.isoformat()
    env = os.environ | {
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", "-C", str(repo), "add", "f.txt"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", f"c{n}"], check=True, env=env)
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, list[str], list[dt.datetime]]:
    path = tmp_path / "repo"
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    times = [T0 + k * 5 * H for k in range(8)]  # one commit every five hours
    return path, [commit(path, k, t) for k, t in enumerate(times)], times


def test_lead_time_is_deploy_time_minus_commit_time(
    tmp_path: Path, repo: tuple[Path, list[str], list[dt.datetime]]
) -> None:
    path, shas, times = repo
    deploys = [
        (times[1] + H, shas[1][:10], "success"),  # baseline: what it shipped is unknown
        (times[4] + 2 * H, shas[4], "success"),  # ships c2, c3, c4
        (times[5] + H, shas[5], "failed"),  # never reached production
        (times[7] + 3 * H, shas[7], "success"),  # ships c5, c6, c7
    ]
    csv = tmp_path / "d.csv"
    csv.write_text("time,commit,status\n" + "".join(f"{t.isoformat()},{c},{s}\n" for t, c, s in deploys))
    expected = [(deploys[1][0] - times[k]) / H for k in (2, 3, 4)]
    expected += [(deploys[3][0] - times[k]) / H for k in (5, 6, 7)]
    d = load(csv, repo=path).analyze(environment="production", now=T0 + 100 * H)
    assert d.lead_time.count == 6
    assert d.lead_time.value == pytest.approx(float(np.median(expected)))

    result = cli("delivery", "analyze", "--deployments", csv, "--repo", path, "-f", "json")
    assert result.returncode == 0, result.stderr
    assert '"count": 6' in result.stdout


def test_a_commit_the_repository_lacks_is_a_bad_row(
    tmp_path: Path, repo: tuple[Path, list[str], list[dt.datetime]]
) -> None:
    path, shas, times = repo
    csv = tmp_path / "d.csv"
    csv.write_text(
        "time,commit\n"
        f"{(times[2] + H).isoformat()},{shas[2]}\n"
        f"{(times[3] + H).isoformat()},{'f' * 40}\n"
        f"{(times[6] + H).isoformat()},{shas[6]}\n"
    )
    with pytest.raises(InputError, match=r"d.csv:3: commit: commit 'f{40}' is not in"):
        load(csv, repo=path)
    history = load(csv, repo=path, skip_bad_rows=True)
    d = history.analyze(environment="production", now=T0 + 100 * H)
    assert len(history.skipped) == 1
    assert d.lead_time.value == pytest.approx(
        float(np.median([(times[6] + H - times[k]) / H for k in (3, 4, 5, 6)]))
    )
    with pytest.raises(UsageError, match="not a git repository"):
        load(csv, repo=tmp_path)


def test_each_environment_ships_from_its_own_previous_deployment(
    tmp_path: Path, repo: tuple[Path, list[str], list[dt.datetime]]
) -> None:
    path, shas, times = repo
    deploys = [
        (times[0] + H, shas[0], ""),  # no environment: the baseline of every environment
        (times[3] + H, shas[3], "staging"),  # staging ships c1, c2, c3
        (times[3] + 48 * H, shas[3], "production"),  # production ships c1, c2, c3 two days later
        (times[5] + H, shas[5], "staging"),  # staging ships c4, c5
    ]
    csv = tmp_path / "d.csv"
    csv.write_text("time,commit,environment\n" + "".join(f"{t.isoformat()},{c},{e}\n" for t, c, e in deploys))
    history = load(csv, repo=path)
    production = history.analyze(environment="production", now=T0 + 200 * H)
    staging = history.analyze(environment="staging", now=T0 + 200 * H)
    expected = [(deploys[2][0] - times[k]) / H for k in (1, 2, 3)]
    assert production.lead_time.count == 3
    assert production.lead_time.value == pytest.approx(float(np.median(expected)))
    expected = [(deploys[1][0] - times[k]) / H for k in (1, 2, 3)] + [
        (deploys[3][0] - times[k]) / H for k in (4, 5)
    ]
    assert staging.lead_time.count == 5
    assert staging.lead_time.value == pytest.approx(float(np.median(expected)))
    qa = history.analyze(environment="qa", now=T0 + 200 * H)  # only the row without an environment
    assert qa.lead_time.count == 0 and qa.lead_time.value is None


def test_production_shipping_what_staging_shipped_first_has_a_lead_time(
    tmp_path: Path, repo: tuple[Path, list[str], list[dt.datetime]]
) -> None:
    path, shas, times = repo
    csv = tmp_path / "d.csv"
    csv.write_text(
        "time,commit,environment\n"
        f"{(times[1] + H).isoformat()},{shas[1]},production\n"
        f"{(times[3] + H).isoformat()},{shas[3]},staging\n"
        f"{(times[3] + 48 * H).isoformat()},{shas[3]},production\n"
    )
    d = load(csv, repo=path).analyze(environment="production", now=T0 + 200 * H)
    expected = [(times[3] + 48 * H - times[k]) / H for k in (2, 3)]  # 53 h and 48 h
    assert d.lead_time.count == 2
    assert d.lead_time.value == pytest.approx(float(np.median(expected)))
