"""Running one probe the way `devoops audit` does, against the targets of a test workload."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from typing import Any

from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.evidence import ProbeResult
from devoops.model.lens import Lens
from devoops.model.workload import ProbeConfig, Workload
from devoops.probes.base import Context
from devoops.probes.run import collect

from ..conftest import NOW
from ..conftest import workload as make_workload


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_probe(
    kind: str,
    target: str,
    options: Mapping[str, Any] | None = None,
    *,
    workload: Workload | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    name: str = "probe",
    lens: Lens | None = None,
) -> ProbeResult:
    """Validate and collect one probe through the runner (timeouts, secrets, verdict checks),
    against the built-in lens unless another is given."""
    import aiohttp

    w = workload or make_workload()
    lens = lens or load_lens()
    targets = {v.horizon: v.targets for v in assess(w, lens, NOW, "test").horizons}
    config = ProbeConfig(type=kind, target=target, timeout=timeout, options=dict(options or {}))
    async with aiohttp.ClientSession() as http:
        ctx = Context(name, NOW, timeout or 0.0, w, targets, http)
        return await collect(ctx, config, lens, env or {})


def probe(kind: str, target: str, options: Mapping[str, Any] | None = None, **kw: Any) -> ProbeResult:
    return asyncio.run(run_probe(kind, target, options, **kw))
