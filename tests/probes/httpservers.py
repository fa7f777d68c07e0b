"""Real aiohttp servers on 127.0.0.1 for the http probe's tests (in a background thread) and its
benchmark (as their own process: `python tests/probes/httpservers.py --stall-every 3`).

Any path answers 200 "ok" at once, except /500 (a 500), /sleep?s=N (after N seconds) and /hang
(never). On top, every path can stall (all requests wait while the clock is within the first
`stall_for` seconds of each `stall_every`) or slow down by `slow_by` seconds while more than
`slow_above` requests arrived in the last second. The server counts requests per path and keeps
the last one's method, headers and body.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import ssl
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Server:
    stall_every: float | None = None
    stall_for: float = 1.0
    slow_above: int | None = None
    slow_by: float = 0.5
    tls: ssl.SSLContext | None = None
    counts: Counter[str] = field(default_factory=Counter)
    last: tuple[str, dict[str, str], bytes] | None = None

    def __post_init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
        self._began = time.monotonic()
        self._arrivals: deque[float] = deque()

    async def handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        self.counts[request.path] += 1
        self.last = (request.method, dict(request.headers), await request.read())
        if self.stall_every is not None:
            phase = (now - self._began) % self.stall_every
            if phase < self.stall_for:
                await asyncio.sleep(self.stall_for - phase)
        if self.slow_above is not None:
            self._arrivals.append(now)
            while self._arrivals[0] < now - 1:
                self._arrivals.popleft()
            if len(self._arrivals) > self.slow_above:
                await asyncio.sleep(self.slow_by)
        if request.path == "/500":
            return web.Response(status=500, text="broken")
        if request.path in ("/sleep", "/hang"):
            await asyncio.sleep(float(request.query.get("s", 3600)))
        return web.Response(text="ok")

    async def serve(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        await web.SockSite(runner, self.sock, ssl_context=self.tls).start()
        return runner

    def __enter__(self) -> Server:
        self._loop = asyncio.new_event_loop()
        self._runner = self._loop.run_until_complete(self.serve())
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stall-every", type=float)
    parser.add_argument("--stall-for", type=float, default=1.0)
    args = parser.parse_args()
    server = Server(stall_every=args.stall_every, stall_for=args.stall_for)

    async def forever() -> None:
        await server.serve()
        print(server.url, flush=True)
        await asyncio.Event().wait()

    try:
        import uvloop

        uvloop.run(forever())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
