"""Real aiohttp servers on 127.0.0.1 for the http probe's tests (in a background thread) and its
benchmark (as their own process: `python tests/probes/httpservers.py --stall-every 3`).

Any path answers 200 "ok" at once, except /500 (a 500), /sleep?s=N (after N seconds), /hang
(never), and bodies of `size` bytes: /chunked?size=N&chunk=M (chunked, M-byte chunks),
/length?size=N (Content-Length), /gzip?size=N (gzip-encoded) and /close?size=N (Connection: close). On top, every path can stall (all requests wait while the clock is within the first
`stall_for` seconds of each `stall_every`) or slow down by `slow_by` seconds while more than
`slow_above` requests arrived in the last second. The server counts requests per path and keeps
the last one's method, headers and body.

`Raw` writes framings aiohttp's server will not: 1xx interim answers, bodies delimited by the
close, bodies that trickle or never end.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import socketserver
import ssl
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Self

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
        size = int(request.query.get("size", 0))
        body = bytes(size)
        if request.path == "/chunked":
            chunk = int(request.query.get("chunk", 2048))
            stream = web.StreamResponse()
            stream.enable_chunked_encoding()
            await stream.prepare(request)
            for start in range(0, size, chunk):
                await stream.write(body[start : start + chunk])
            await stream.write_eof()
            return stream
        if request.path == "/gzip":
            zipped = web.Response(body=body)
            zipped.enable_compression(web.ContentCoding.gzip)
            return zipped
        if request.path == "/close":
            closing = web.Response(body=body)
            closing.force_close()
            return closing
        if request.path == "/length":
            return web.Response(body=body)
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

    async def _stop(self) -> None:
        """Stop serving, then cancel and await the handlers still waiting (/hang): left pending,
        they would be destroyed with the loop, with a warning."""
        await self._runner.cleanup()
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


Answer = Callable[[socket.socket, threading.Event], bool]


class Loopback(socketserver.ThreadingTCPServer):
    """A threaded raw server on 127.0.0.1, run while in a `with`; `stopping` ends every answer
    still being written, and a client hanging up mid-answer is said nothing of."""

    daemon_threads = True

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client gone mid-answer is what these servers are for

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()  # waits for the handlers, which stop on `stopping`
        self._thread.join(timeout=10)


class Raw(Loopback):
    """Answers each request (a head without a body) by `answer`, which writes raw bytes on the
    socket, should stop early once `stopping` is set, and says whether the connection stays
    open. It counts the requests."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(_RawHandler)
        self.answer = answer
        self.count = 0

    def counted(self) -> None:
        with self._lock:
            self.count += 1


class _RawHandler(socketserver.BaseRequestHandler):
    server: Raw

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        for _ in heads(sock, self.server.stopping):
            self.server.counted()
            if not self.server.answer(sock, self.server.stopping):
                return


def heads(sock: socket.socket, stopping: threading.Event) -> Iterator[bytes]:
    """Each request head a client sends (requests without a body), until it hangs up or
    `stopping` is set."""
    pending = b""
    while not stopping.is_set():
        while b"\r\n\r\n" not in pending:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            pending += data
        head, pending = pending.split(b"\r\n\r\n", 1)
        yield head


def close_delimited(size: int) -> Answer:
    """HTTP/1.0 style: no length, the body ends when the server closes the connection."""

    def answer(sock: socket.socket, stopping: threading.Event) -> bool:
        sock.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + bytes(size))
        return False

    return answer


def interim(*heads: bytes) -> Answer:
    """1xx answers (each its own write), then a final 200 on a keep-alive connection."""

    def answer(sock: socket.socket, stopping: threading.Event) -> bool:
        for head in heads:
            sock.sendall(head)
            time.sleep(0.005)
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    return answer


def trickle(size: int, every: float) -> Answer:
    """A Content-Length body sent a byte every `every` seconds."""

    def answer(sock: socket.socket, stopping: threading.Event) -> bool:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        for _ in range(size):
            if stopping.wait(every):
                break
            sock.sendall(b"x")
        return True

    return answer


def endless(chunk: int, chunked: bool) -> Answer:
    """A body that never ends, as fast as the client reads: chunked, or delimited by a close
    that never comes."""

    def answer(sock: socket.socket, stopping: threading.Event) -> bool:
        if chunked:
            sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            piece = b"%x\r\n%s\r\n" % (chunk, bytes(chunk))
        else:
            sock.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
            piece = bytes(chunk)
        while not stopping.is_set():
            sock.sendall(piece)
        return False

    return answer


def storm() -> Answer:
    """A chunked body of one-byte chunks without end: cheap to send (one prepared buffer over
    and over), costly to read (a parser callback per byte)."""
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    piece = b"1\r\nx\r\n" * 20000

    def answer(sock: socket.socket, stopping: threading.Event) -> bool:
        sock.sendall(head)
        while not stopping.is_set():
            sock.sendall(piece)
        return False

    return answer


def slowloris(every: float) -> Answer:
    """A head sent a byte every `every` seconds that never ends: the connection held open at
    almost no cost to either side."""

    def answer(sock: socket.socket, stopping: threading.Event) -> bool:
        head = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 100000
        for byte in head:
            if stopping.wait(every):
                break
            sock.sendall(bytes([byte]))
        return False

    return answer


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
