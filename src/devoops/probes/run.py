"""Run the configured probes concurrently, each within its timeout, and never let one break the
run: an exception, a timeout or an unset variable becomes that probe's ERROR result."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError

from ..base.errors import DevoopsError
from ..model.common import Horizon
from ..model.evidence import Evidence, ProbeResult, Status
from ..model.lens import Lens
from ..model.targets import Targets
from ..model.workload import ProbeConfig, Workload
from .base import Context, Decision, known, probe_class
from .secrets import Unset, resolve, scrubbed

Listener = Callable[[str, ProbeConfig], None]
Finished = Callable[[ProbeResult], None]


def run(
    workload: Workload,
    targets: Mapping[Horizon, Targets],
    lens: Lens,
    now: dt.datetime,
    only: Collection[str] = (),
    started: Listener = lambda name, config: None,
    finished: Finished = lambda result: None,
    env: Mapping[str, str] | None = None,
    root: Path = Path(),
) -> list[ProbeResult]:
    """Run the workload's probes (or only the named ones) on a fresh event loop (uvloop when
    installed); results come back in the order of devoops.yaml. `root` is the workload's folder.
    Drills run only when named: they change the system they measure."""
    try:
        import aiohttp
    except ImportError:
        raise DevoopsError("probes need the probes extra: pip install 'devoops[probes]'") from None
    try:
        import uvloop

        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        loop_factory = None

    async def main() -> list[ProbeResult]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as http:
            chosen = {
                n: c
                for n, c in workload.probes.items()
                if (n in only if only else not getattr(known(c.type), "drill", False))
            }

            async def one(name: str, config: ProbeConfig) -> ProbeResult:
                started(name, config)
                ctx = Context(name, now, config.timeout or 0.0, workload, targets, http, root)
                result = await collect(ctx, config, lens, os.environ if env is None else env)
                finished(result)
                return result

            return list(await asyncio.gather(*(one(n, c) for n, c in chosen.items())))

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(main())


async def collect(ctx: Context, config: ProbeConfig, lens: Lens, env: Mapping[str, str]) -> ProbeResult:
    """One probe's result; whatever happens inside, a result comes back within the timeout
    (ctx.timeout is replaced by the configured or the kind's default timeout)."""
    secrets: set[str] = set()
    began = _clock()
    timeout = config.timeout
    try:
        cls = probe_class(config.type)
        timeout = timeout or cls.default_timeout
        if not config.enabled:
            evidence = Evidence(status=Status.SKIPPED, summary="disabled in devoops.yaml")
        else:
            try:
                probe = cls.validate(
                    resolve(config.target, env, secrets), resolve(config.options, env, secrets)
                )
            except ValidationError as exc:
                raise Unusable(_fields(exc)) from None
            except ValueError as exc:
                raise Unusable(f"target: {exc}") from None
            ctx = replace(ctx, timeout=timeout)
            try:
                async with asyncio.timeout(timeout) as limit:
                    evidence = _checked(await probe.collect(ctx), cls.decides, lens)
            except TimeoutError:
                if not limit.expired():  # the probe's own, e.g. a socket's: its cause, below
                    raise
                evidence = _error(f"timed out after {timeout:g} s")
    except Unset as exc:
        evidence = _error(str(exc))
    except Unusable as exc:
        evidence = _error(f"invalid settings once references were resolved: {exc}")
    except Exception as exc:  # a probe never breaks the run; its cause is the result
        evidence = _error(f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__)
    return ProbeResult(
        name=ctx.name,
        kind=config.type,
        target=config.target,
        started_at=began,
        finished_at=_clock(),
        evidence=scrubbed(evidence, secrets),
    )


class Unusable(ValueError):
    """Settings that validated with their references but not with the values put in."""


def _checked(evidence: Evidence, decides: Mapping[str, Decision], lens: Lens) -> Evidence:
    """A verdict must name a practice and a choice its kind declares in `decides`, and the lens
    must know them; a probe that names others is broken, and says so rather than deciding a
    finding it cannot."""
    undeclared = [
        f"{v.practice}={v.choice}"
        for v in evidence.verdicts
        if v.practice not in decides or v.choice not in decides[v.practice].choices
    ]
    unknown = [
        f"{v.practice}={v.choice}"
        for v in evidence.verdicts
        if (p := lens.practice(v.practice)) is None or p.choice(v.choice) is None
    ]
    if undeclared:
        summary = f"the probe names practice choices its kind does not declare: {', '.join(undeclared)}"
    elif unknown:
        summary = f"the probe names practice choices the lens lacks: {', '.join(unknown)}"
    else:
        return evidence
    return evidence.model_copy(
        update={"status": Status.ERROR, "summary": summary, "verdicts": [], "proofs": []}
    )


def _fields(exc: ValidationError) -> str:
    """Field names and messages only: pydantic's own text repeats the (secret) input."""
    return "; ".join(f"options.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def _error(cause: str) -> Evidence:
    return Evidence(status=Status.ERROR, summary=cause)


def _clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
