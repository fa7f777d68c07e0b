"""Request bodies read within limits: a form (url-encoded) or a form with one file
(multipart). What cannot be read is `Refused`, with the status and words to answer."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncGenerator

from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

FORM_LIMIT = 64 * 1024
"""The largest form body read; the pages here send a few hundred bytes."""

Upload = tuple[str, bytes]
"""A file sent with a form: its name and contents."""


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


async def form(request: Request) -> dict[str, str]:
    if _kind(request) != b"application/x-www-form-urlencoded":
        raise Refused(415, "a form is sent as application/x-www-form-urlencoded")
    return _pairs(await _body(request, FORM_LIMIT), 50)


async def form_with_file(
    request: Request, limit: int, default_name: str
) -> tuple[dict[str, str], Upload | None]:
    """A multipart form carrying at most one file within `limit` bytes (a form sent without its
    file, url-encoded, is read too)."""
    body = await _body(request, limit)
    kind = _kind(request)
    if kind == b"application/x-www-form-urlencoded":
        return _pairs(body, 20), None
    if kind != b"multipart/form-data":
        raise Refused(415, "an upload is sent as multipart/form-data")
    try:
        parsed = await MultiPartParser(
            request.headers, _once(body), max_files=1, max_fields=20, max_part_size=limit
        ).parse()
    except MultiPartException as exc:
        raise Refused(400, exc.message) from None
    fields: dict[str, str] = {}
    upload = None
    for key, value in parsed.multi_items():
        if isinstance(value, UploadFile):
            upload = (value.filename or default_name, await value.read())
            await value.close()
        else:
            fields[key] = value
    return fields, upload


def _kind(request: Request) -> bytes:
    return parse_options_header(request.headers.get("content-type", ""))[0]


async def _body(request: Request, limit: int) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"the request is larger than {limit:,} bytes")
    return body


def _pairs(body: bytes, most: int) -> dict[str, str]:
    try:
        return dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=most))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the form could not be read") from None


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body
