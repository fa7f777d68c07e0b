"""Probes that read response bodies against hostile servers on loopback: endless bodies, a gzip
bomb, bodies at and past the limit, and servers echoing the credentials they were sent. Every
case ends within the probe's timeout with memory flat, and nothing sent comes back in evidence.

The endless cases run the probe in a child process under an address-space limit, so the child's
own peak memory is measured cleanly, and an unbounded read fails there instead of taking the
machine down."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import resource
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from aiohttp import web

from devoops.model.evidence import Status

from ..conftest import workload
from .support import probe

pytestmark = pytest.mark.hostile

MB = 1 << 20
GROWTH_MB = 100  # the most a hostile answer may add to the child's peak memory
ADDRESS_SPACE = 2 << 30  # the child's limit: an unbounded read dies there, not on the machine
TIMEOUT = 20.0
WORKLOAD = workload()
USER, PASSWORD, TOKEN = "auditor", "s3cret/pa ss+word", "tok_8f3a9c2e7d1b"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
ROOT = Path(__file__).resolve().parents[2]


def gzip_bomb(mb: int) -> bytes:
    """`mb` MB of zeros, gzipped: about 1 KB per MB. Each MB is compressed after a full flush, so
    its deflate blocks are the same every time and are repeated rather than recomputed."""
    zeros = bytes(MB)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mb):
        crc = zlib.crc32(zeros, crc)
    # a final empty fixed-Huffman block, then the gzip trailer: CRC-32 and size modulo 2^32
    return first + again * (mb - 1) + b"\x03\x00" + struct.pack("<II", crc, (mb * MB) & 0xFFFFFFFF)


def answer(path: str, query: str) -> dict[str, Any]:
    """A well-formed Prometheus answer: the server's time for time(), else 0.01 (10 ms, or a
    hundredth of a request), as a scalar or a one-series matrix."""
    value = [1_700_000_000, "1700000000" if query == "time()" else "0.01"]
    if path.endswith("query_range"):
        return {
            "status": "success",
            "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [value]}]},
        }
    return {"status": "success", "data": {"resultType": "scalar", "result": value}}


class Hostile:
    """An aiohttp server in a thread on 127.0.0.1, each path prefix a kind of hostility, and a raw
    asyncio server beside it for the close-delimited body aiohttp does not send to HTTP/1.1."""

    def __init__(self) -> None:
        self.bomb = gzip_bomb(4096)  # 4 GB inflated from about 4 MB

    async def handle(self, request: web.Request) -> web.StreamResponse:
        kind, _, rest = request.path.strip("/").partition("/")
        if kind == "chunked":  # an endless chunked body
            stream = web.StreamResponse(headers={"Content-Type": "application/json"})
            stream.enable_chunked_encoding()
            await stream.prepare(request)
            with contextlib.suppress(ConnectionError):  # the client hung up: what it should do
                while True:
                    await stream.write(b" " * 65536)
            return stream
        if kind == "bomb":
            headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
            return web.Response(body=self.bomb, headers=headers)
        if kind == "flushes":  # gzip that never ends and inflates to nothing: empty flush blocks
            packer = zlib.compressobj(9, zlib.DEFLATED, 31)
            head = packer.compress(b"") + packer.flush(zlib.Z_SYNC_FLUSH)
            stream = web.StreamResponse(headers={"Content-Encoding": "gzip"})
            stream.enable_chunked_encoding()
            await stream.prepare(request)
            await stream.write(head)
            with contextlib.suppress(ConnectionError):
                while True:
                    await stream.write(b"\x00\x00\x00\xff\xff" * 13_000)
            return stream
        if kind == "sized":  # /sized/<bytes>/<identity|gzip>/api/v1/...
            size, encoding, api = rest.split("/", 2)
            body = json.dumps(answer(api, request.query.get("query", ""))).encode()
            body = body.ljust(int(size))
            if encoding == "gzip":
                return web.Response(body=gzip_bytes(body), headers={"Content-Encoding": "gzip"})
            return web.Response(body=body)
        if kind == "echo":  # refuses the query, quoting what it was sent
            sent = request.headers.get("Authorization", "")
            scheme, _, secret = sent.partition(" ")
            decoded = base64.b64decode(secret).decode() if scheme == "Basic" else ""
            said = (
                f"headers {dict(request.headers)}, decoded {decoded}, quoted {quote(sent)} {quote(decoded)}"
            )
            return web.json_response({"status": "error", "errorType": "bad_data", "error": said}, status=400)
        if kind == "encoded":  # /encoded/<Content-Encoding>: a body in it, or a broken one
            encoding = rest.split("/", 1)[0]
            body = b"\x1f\x8b\x08\x00 not gzip at all" if encoding == "gzip" else b"\x0b\x02\x80{}\x03"
            if encoding == "members":  # an empty gzip member after another: each costs a decompressor
                encoding, body = "gzip", gzip_bytes(b"") * 400_000
            return web.Response(body=body, headers={"Content-Encoding": encoding})
        if kind == "echo-value":  # answers with the credentials where the number goes
            value = [1_700_000_000, request.headers.get("Authorization", "")]
            return web.json_response({"status": "success", "data": {"resultType": "scalar", "result": value}})
        return web.Response(status=404)

    async def close_delimited(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """An endless body that would end only when the server closed the connection."""
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
            while True:
                writer.write(b" " * 65536)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._raw = await asyncio.start_server(self.close_delimited, "127.0.0.1", 0)
        self.raw_url = f"http://127.0.0.1:{self._raw.sockets[0].getsockname()[1]}"

    async def _stop(self) -> None:
        self._raw.close()
        await self._runner.cleanup()
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def __enter__(self) -> Hostile:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._start())
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def gzip_bytes(body: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress(body) + packer.flush()


@pytest.fixture(scope="module")
def hostile() -> Iterator[Hostile]:
    with Hostile() as server:
        yield server


def child() -> None:
    """In the child process: run the prometheus probe on argv's target and options and print its
    status, summary and how much the probe raised the process's peak memory."""
    from .support import run_probe

    target, options = sys.argv[1], json.loads(sys.argv[2])

    async def measured() -> dict[str, Any]:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = await run_probe("prometheus", target, options, workload=WORKLOAD, timeout=TIMEOUT)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        return {"status": result.status, "summary": result.evidence.summary, "grown_mb": grown / 1024}

    print(json.dumps(asyncio.run(measured())))


def in_child(target: str, **options: Any) -> dict[str, Any]:
    """The probe's outcome from a child process limited to ADDRESS_SPACE."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    began = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tests.probes.test_hostile_bodies import child; child()",
            target,
            json.dumps(options),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT + 30,
        preexec_fn=limit,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    outcome["seconds"] = time.monotonic() - began
    return outcome


@pytest.mark.parametrize("kind", ["chunked", "close", "bomb", "flushes"])
def test_a_body_past_the_limit_is_an_error_with_memory_flat(hostile: Hostile, kind: str) -> None:
    target = hostile.raw_url if kind == "close" else f"{hostile.url}/{kind}"
    outcome = in_child(target)
    assert outcome["status"] == Status.ERROR
    assert "response over 8 MB" in outcome["summary"], outcome
    assert outcome["grown_mb"] < GROWTH_MB, outcome
    assert outcome["seconds"] < TIMEOUT, outcome  # stopped at the limit, not by the timeout


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
@pytest.mark.parametrize(("size", "over"), [(MB, False), (MB + 1, True)], ids=["at", "over"])
def test_the_limit_holds_to_the_byte(hostile: Hostile, encoding: str, size: int, over: bool) -> None:
    target = f"{hostile.url}/sized/{size}/{encoding}"
    result = probe("prometheus", target, {"max_response_mb": 1}, workload=WORKLOAD, timeout=TIMEOUT)
    if over:
        assert result.status == Status.ERROR
        assert "response over 1 MB" in result.evidence.summary
    else:
        assert result.status != Status.ERROR, result.evidence.summary


CREDENTIALS = {
    "basic": {"username": USER, "password": PASSWORD},
    "bearer": {"headers": {"Authorization": f"Bearer {TOKEN}"}},
    "basic-header": {"headers": {"Authorization": f"Basic {BASIC}"}},
}


@pytest.mark.parametrize("kind", ["echo", "echo-value"])
@pytest.mark.parametrize("credentials", list(CREDENTIALS), ids=list(CREDENTIALS))
def test_credentials_echoed_back_are_not_stored(hostile: Hostile, kind: str, credentials: str) -> None:
    result = probe(
        "prometheus", f"{hostile.url}/{kind}", CREDENTIALS[credentials], workload=WORKLOAD, timeout=TIMEOUT
    )
    assert result.status == Status.ERROR
    stored = result.model_dump_json()
    assert "***" in stored  # the echo arrived, scrubbed
    for secret in (PASSWORD, f"{USER}:{PASSWORD}", BASIC, TOKEN):
        for form in (secret, quote(secret, safe=""), quote(secret), quote_plus(secret)):
            assert form not in stored, form


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("br", "Content-Encoding 'br', which was not asked for"),
        ("gzip", "compressed answer is broken"),
        ("members", "over 100 parts"),
    ],
    ids=["unasked", "broken", "members"],
)
def test_an_answer_that_cannot_be_decoded_is_an_error(hostile: Hostile, encoding: str, message: str) -> None:
    result = probe("prometheus", f"{hostile.url}/encoded/{encoding}", workload=WORKLOAD, timeout=TIMEOUT)
    assert result.status == Status.ERROR
    assert message in result.evidence.summary
