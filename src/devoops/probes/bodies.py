"""Reading an HTTP response body within a limit, whatever the server sends: an endless body, a
lying length or a gzip bomb ends at the limit with memory flat.

The probe asks for the body undecoded (`auto_decompress=False`, offering only gzip and deflate)
and inflates it here, a bounded piece at a time: aiohttp before 3.13.3 (CVE-2025-69223), which
devoops still accepts, inflates each received chunk whole, so one small chunk could fill memory.
Both the bytes on the wire and the bytes inflated count against the limit."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp

MB = 1 << 20
ACCEPT = "gzip, deflate"  # the encodings `read` inflates: send as Accept-Encoding
ZLIB, GZIP, RAW = 15, 31, -15  # zlib's wbits for each framing of deflate
MEMBERS = 100  # concatenated gzip members read: servers send one; thousands of tiny ones cost CPU


class TooLarge(Exception):
    """The body passed the limit; the message names it: `response over 8 MB`."""

    def __init__(self, limit: int, inflated: bool) -> None:
        super().__init__(f"response over {limit / MB:g} MB" + (" once decompressed" if inflated else ""))


class Undecodable(Exception):
    """The body's Content-Encoding is one not asked for, or its compressed data is broken."""


async def read(response: aiohttp.ClientResponse, limit: int) -> bytearray:
    """The decoded body of `response` (asked for with auto_decompress=False and Accept-Encoding
    ACCEPT), at most `limit` bytes both as received and as inflated; TooLarge past that, with the
    connection closed; Undecodable for an encoding not offered or broken compressed data."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise Undecodable(f"the answer came in Content-Encoding {encoding!r}, which was not asked for")
    inflater = None if encoding == "identity" else Inflater(GZIP if "gzip" in encoding else ZLIB)
    body, received = bytearray(), 0
    try:
        if response.content_length is not None and response.content_length > limit:
            raise TooLarge(limit, inflated=False)
        async for chunk in response.content.iter_any():
            received += len(chunk)
            if received > limit:
                raise TooLarge(limit, inflated=False)
            if inflater is None:
                body += chunk
            else:
                inflater.feed(chunk, body, limit)
        if inflater is not None:
            inflater.finish()
    except (TooLarge, Undecodable):
        response.close()  # the rest stays unread: drop the connection rather than reuse it
        raise
    return body


class Inflater:
    """Deflate data, gzip- or zlib-framed (or raw, as some servers send `deflate`), inflated into
    a buffer never past a limit. Concatenated gzip members are read one after another, up to
    MEMBERS: each starts a new decompressor, which copies what follows it in the chunk."""

    def __init__(self, wbits: int) -> None:
        self.wbits = wbits
        self.members = 0
        self.inflate: Any = None  # zlib's Decompress; created on the first byte, which tells raw from zlib

    def feed(self, data: bytes, into: bytearray, limit: int) -> None:
        """Inflate `data` onto `into`; TooLarge as soon as `into` would pass `limit`."""
        while data:
            if self.inflate is None:
                self.members += 1
                if self.members > MEMBERS:
                    raise Undecodable(f"the compressed answer has over {MEMBERS} parts (gzip members)")
                raw = self.wbits == ZLIB and data[0] & 0x0F != 8  # no zlib header: raw deflate
                self.inflate = zlib.decompressobj(RAW if raw else self.wbits)
            try:
                # at most one byte past the room left: enough to tell the limit was passed
                out = self.inflate.decompress(data, limit - len(into) + 1)
            except zlib.error as exc:
                raise Undecodable(f"the compressed answer is broken: {exc}") from None
            if len(into) + len(out) > limit:
                raise TooLarge(limit, inflated=True)
            into += out
            if self.inflate.eof:  # a member ended: what follows is the next one
                data, self.inflate = self.inflate.unused_data, None
            else:
                data = self.inflate.unconsumed_tail

    def finish(self) -> None:
        if self.inflate is not None and not self.inflate.eof:
            raise Undecodable("the compressed answer ends early")
