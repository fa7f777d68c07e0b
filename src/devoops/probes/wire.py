"""The wire under the load generator: keep-alive HTTP/1.1 connections through aiohttp's
protocol base and C response parser, each request's bytes built once per URL, bodies dropped as
they arrive, and the kind of each failure (see loadgen.py for why not aiohttp's ClientSession)."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yarl
from aiohttp.base_protocol import BaseProtocol
from aiohttp.http import HttpResponseParser, RawResponseMessage
from aiohttp.streams import StreamReader

if TYPE_CHECKING:
    from .loadgen import Plan


class ConnectError(OSError):
    """No connection could be made (refused, unreachable, a name that does not resolve)."""


def failure_kind(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectError):
        return "connect"
    return "other"


class _Connection(BaseProtocol):
    """One keep-alive HTTP/1.1 connection; aiohttp's parser reads its responses, whose bodies
    are dropped as they arrive, so a body of any length, even an endless one, costs no memory:
    it ends with its request's timeout.

    The body is drained from aiohttp's StreamReader synchronously, in data_received. When a read
    (or a large feed) filled that reader past its high-water mark, the parser paused, keeping
    the rest of the data unparsed, and reading the buffer resumes it: `read_nowait` calls the
    protocol's resume_reading, which calls data_received(b"") from inside the read, and the
    parser feeds the reader again. The nested call must only parse: draining there too would
    empty the buffer under the outer read, which still counts on the chunks it saw at its start
    (an IndexError in aiohttp, and the connection dropped as a fatal transport error)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, with_body: bool) -> None:
        parser = HttpResponseParser(
            self, loop, 2**16, response_with_body=with_body, read_until_eof=True, auto_decompress=False
        )
        super().__init__(loop, parser)
        self.parser = parser
        self.waiter: asyncio.Future[RawResponseMessage] | None = None
        self.message: RawResponseMessage | None = None
        self.payload: StreamReader | None = None
        self.received = False
        self.draining = False

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def exchange(self, request: bytes) -> asyncio.Future[RawResponseMessage]:
        assert self.transport is not None
        self.waiter, self.received = self._loop.create_future(), False
        self.transport.write(request)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            messages = self.parser.feed_data(data)[0]
            final = [(m, p) for m, p in messages if not 100 <= m.code < 200]  # 1xx: interim answers
            if final:
                self.message, self.payload = final[-1]
            self._drain()
        except Exception as exc:
            self._settle(exc)
            self.close()

    def connection_lost(self, exc: BaseException | None) -> None:
        super().connection_lost(exc)
        try:
            self.parser.feed_eof()  # ends a body that runs to the close
            self._drain()
        except Exception as error:
            exc = exc or error
        self._settle(exc or ConnectionResetError("the server closed the connection"))

    def _drain(self) -> None:
        """Drop what the body holds, and settle the exchange once the body has ended and is
        empty; a no-op when called again from inside a read (see the class)."""
        if self.draining:
            return
        self.draining = True
        try:
            while (payload := self.payload) is not None:
                if payload.read_nowait():  # may resume the parser, which feeds it more
                    continue
                if payload.is_eof():
                    self.payload = None
                    assert self.message is not None
                    self._settle(self.message)
                break
        finally:
            self.draining = False

    def _settle(self, outcome: RawResponseMessage | BaseException) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is None or waiter.done():
            return
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _Stale(Exception):
    """A reused connection closed before any answer: the server dropped it while idle."""


@dataclass(frozen=True)
class _Target:
    host: str
    port: int
    tls: bool
    request: bytes


def _target(url: str, plan: Plan) -> _Target:
    """Where one URL goes and its request, built once: the plan's headers win over the defaults."""
    parsed = yarl.URL(url)
    assert parsed.raw_host is not None and parsed.port is not None
    headers = {"host": ("Host", parsed.raw_authority), "user-agent": ("User-Agent", "devoops-probe")}
    headers["accept"] = ("Accept", "*/*")
    headers |= {name.lower(): (name, value) for name, value in plan.headers.items()}
    body = b"" if plan.body is None else plan.body.encode()
    if plan.body is not None or plan.method in ("POST", "PUT", "PATCH"):
        headers["content-length"] = ("Content-Length", str(len(body)))
    head = f"{plan.method} {parsed.raw_path_qs} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.values())
    return _Target(parsed.raw_host, parsed.port, parsed.scheme == "https", head.encode() + b"\r\n" + body)


class Client:
    """Requests over keep-alive connections per host, the most recently used first, so a low
    rate stays on one warm connection and a high one opens as many as it needs."""

    def __init__(self, plan: Plan) -> None:
        self.loop = asyncio.get_running_loop()
        self.targets = [_target(url, plan) for url in plan.urls]
        self.idle: dict[tuple[str, int, bool], list[_Connection]] = {}
        self.with_body = plan.method != "HEAD"
        self.tls = ssl.create_default_context()
        if not plan.verify_tls:
            self.tls.check_hostname = False
            self.tls.verify_mode = ssl.CERT_NONE

    async def send(self, index: int) -> int:
        """The status of one request to URL `index`; raises on no answer."""
        target = self.targets[index]
        idle = self.idle.setdefault((target.host, target.port, target.tls), [])
        while idle:
            connection = idle.pop()
            if connection.usable:
                try:
                    return await self._exchange(connection, target, idle, reused=True)
                except _Stale:
                    break
        return await self._exchange(await self._connect(target), target, idle, reused=False)

    async def _connect(self, target: _Target) -> _Connection:
        try:
            _, connection = await self.loop.create_connection(
                lambda: _Connection(self.loop, self.with_body),
                target.host,
                target.port,
                ssl=self.tls if target.tls else None,
                server_hostname=target.host if target.tls else None,
            )
        except ssl.SSLError:
            raise
        except OSError as exc:
            raise ConnectError(exc.strerror or str(exc)) from exc
        return connection

    async def _exchange(
        self, connection: _Connection, target: _Target, idle: list[_Connection], reused: bool
    ) -> int:
        try:
            message = await connection.exchange(target.request)
        except BaseException as exc:
            connection.close()
            if reused and not connection.received and isinstance(exc, ConnectionError):
                raise _Stale from exc
            raise
        if message.should_close or not connection.usable:
            connection.close()
        else:
            idle.append(connection)
        return int(message.code)

    def close(self) -> None:
        for connections in self.idle.values():
            for connection in connections:
                connection.close()
