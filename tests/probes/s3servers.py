"""A hostile S3-compatible endpoint on 127.0.0.1, for the backups probe and the restore drill.

Requests are path-style (`/<bucket>?list-type=2...`, `/<bucket>/<key>`), as boto3 sends them to
an endpoint given by address; the bucket names the hostility. The server writes raw bytes, so it
can send what no S3 implementation would: answers without end, a byte at a time, never, pages
without end, gzip nobody asked for, and error messages quoting the request's credentials. It
keeps every Authorization header it was sent and counts requests per bucket.
"""

from __future__ import annotations

import socket
import socketserver
import zlib
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from .httpservers import Loopback, heads

XML = b'<?xml version="1.0" encoding="UTF-8"?>\n'
NS = b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
MB = 1 << 20
KINDS = ("huge", "endless", "trickle", "silent", "pages", "bomb", "echo", "ranged", "ranged-trickle")


def entry(key: str, size: int = 4096) -> bytes:
    return (
        f"<Contents><Key>{key}</Key><LastModified>2026-11-29T11:00:00.000Z</LastModified>"
        f'<ETag>"0f"</ETag><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>'
    ).encode()


def page(bucket: str, keys: list[str], token: str | None = None) -> bytes:
    """A ListObjectsV2 answer; with `token`, truncated and pointing on to it."""
    more = f"<IsTruncated>true</IsTruncated><NextContinuationToken>{token}</NextContinuationToken>"
    return (
        XML
        + NS
        + f"<Name>{bucket}</Name><Prefix></Prefix><KeyCount>{len(keys)}</KeyCount><MaxKeys>1000</MaxKeys>".encode()
        + (more if token else "<IsTruncated>false</IsTruncated>").encode()
        + b"".join(entry(k) for k in keys)
        + b"</ListBucketResult>"
    )


def bomb(mb: int) -> bytes:
    """`mb` MB of spaces, gzipped: each MB deflated after a full flush compresses the same, so
    one is computed and repeated."""
    spaces = b" " * MB
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = packer.compress(XML + spaces[len(XML) :]) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(spaces) + packer.flush(zlib.Z_FULL_FLUSH)
    return first + again * (mb - 1) + packer.flush()


class Request:
    def __init__(self, head: bytes) -> None:
        line, *fields = head.decode("latin-1").split("\r\n")
        self.method, target, _ = line.split(" ", 2)
        parts = urlsplit(target)
        self.bucket, _, self.key = parts.path.lstrip("/").partition("/")
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields if f)}


Answer = Callable[["Hostile", socket.socket, Request], bool]  # True: the connection stays open


class Hostile(Loopback):
    """The endpoint; `url` is its address."""

    block_on_close = False

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.requests: Counter[str] = Counter()
        self.authorizations: list[str] = []
        self.secrets: tuple[str, ...] = ()  # quoted back by the echoing bucket, as a leaky server might
        self._gzip = bomb(1024)  # 1 GB inflated from about 1 MB

    def heard(self, request: Request) -> None:
        with self._lock:
            self.requests[request.bucket] += 1
            if "authorization" in request.headers:
                self.authorizations.append(request.headers["authorization"])

    # the answers, by bucket

    def answer(self, sock: socket.socket, request: Request) -> bool:
        if request.bucket not in KINDS or (request.key and not request.bucket.startswith("ranged")):
            return _send(sock, 404, b"")
        kind: Answer = getattr(type(self), "_" + request.bucket.replace("-", "_"))
        return kind(self, sock, request)

    def _huge(self, sock: socket.socket, request: Request) -> bool:
        """A listing that says it holds 4 GB, and sends entries for as long as it is read."""
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 4000000000\r\n\r\n"
        )
        sock.sendall(XML + NS + b"<Name>huge</Name><IsTruncated>false</IsTruncated>")
        self._forever(sock, request, entry("db.dump") * 400)
        return False

    def _endless(self, sock: socket.socket, request: Request) -> bool:
        """A chunked listing without end."""
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        body = entry("db.dump") * 400
        self._forever(sock, request, b"%x\r\n%s\r\n" % (len(body), body))
        return False

    def _trickle(self, sock: socket.socket, request: Request) -> bool:
        """A short listing a byte every 50 ms."""
        body = page(request.bucket, ["db.dump"])
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        return self._drip(sock, body)

    def _silent(self, sock: socket.socket, request: Request) -> bool:
        """Reads the request and never answers, until the client hangs up."""
        sock.settimeout(0.1)
        while not self.stopping.is_set():
            try:
                if not sock.recv(1):
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        return False

    def _pages(self, sock: socket.socket, request: Request) -> bool:
        """One key a page, each page truncated and pointing to a new page."""
        n = self.requests[request.bucket]
        return _send(sock, 200, page(request.bucket, [f"db-{n:06d}.dump"], token=f"after-{n}"))

    def _bomb(self, sock: socket.socket, request: Request) -> bool:
        """A listing in gzip, which was not asked for, of 1 GB."""
        return _send(sock, 200, self._gzip, b"Content-Encoding: gzip\r\n")

    def _echo(self, sock: socket.socket, request: Request) -> bool:
        """Refuses the signature, quoting the request's headers and what it knows, as S3's own
        SignatureDoesNotMatch quotes the string it signed."""
        first = ("authorization", "x-amz-security-token")
        said = " ".join(f"{k}: {request.headers.get(k)}" for k in first) + " known: " + " ".join(self.secrets)
        said += " " + " ".join(f"{k}: {v}" for k, v in request.headers.items() if k not in first)
        error = (
            f"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does "
            f"not match: {said}</Message><StringToSign>{said}</StringToSign></Error>"
        )
        return _send(sock, 403, XML + error.encode())

    def _ranged(self, sock: socket.socket, request: Request) -> bool:
        """A listing of one backup, and an error without end when it is read."""
        if not request.key:
            return _send(sock, 200, page(request.bucket, ["db.dump"]))
        sock.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4000000000\r\n\r\n")
        self._forever(sock, request, XML + b"<Error><Code>InternalError</Code><Message>" + b"x" * 65536)
        return False

    def _ranged_trickle(self, sock: socket.socket, request: Request) -> bool:
        """A listing of one backup, whose first bytes come a byte every 50 ms."""
        if not request.key:
            return _send(sock, 200, page(request.bucket, ["db.dump"]))
        sock.sendall(
            b"HTTP/1.1 206 Partial Content\r\nContent-Length: 4096\r\nContent-Range: bytes 0-4095/4096\r\n\r\n"
        )
        return self._drip(sock, b"P" * 4096)

    def _drip(self, sock: socket.socket, data: bytes) -> bool:
        """`data` a byte every 50 ms; False once stopping or the client hung up."""
        return all(not self.stopping.wait(0.05) and _sent(sock, data[i : i + 1]) for i in range(len(data)))

    def _forever(self, sock: socket.socket, request: Request, piece: bytes) -> None:
        while not self.stopping.is_set():
            if not _sent(sock, piece):
                return


def _sent(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _send(sock: socket.socket, status: int, body: bytes, extra: bytes = b"") -> bool:
    reason = {200: b"OK", 403: b"Forbidden", 404: b"Not Found"}.get(status, b"Error")
    head = b"HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n" % (
        status,
        reason,
        len(body),
    )
    return _sent(sock, head + extra + b"\r\n" + body)


class _Handler(socketserver.BaseRequestHandler):
    server: Hostile

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(30)
        for head in heads(sock, self.server.stopping):
            request = Request(head)
            self.server.heard(request)
            if not self.server.answer(sock, request):
                return
