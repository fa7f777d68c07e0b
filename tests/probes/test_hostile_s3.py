"""The backups probe against a hostile S3-compatible endpoint on loopback (tests/probes/s3servers.py):
a listing of 4 GB or without end, one a byte at a time, none at all, pages without end, a gzip
bomb, an error quoting the credentials, and a backup whose first bytes come as an endless error
or a byte at a time. Every case ends as ERROR or UNKNOWN saying why, at its own bound rather than
the probe's timeout, with the probe's thread gone, memory flat, nothing on stderr, and no
credential or signature in the result.

The cases run one after another in one child process under an address-space limit: its peak
memory is the probe's own (each case's peak from /proc/self/status, reset between cases), and an
unbounded read fails there instead of taking the machine down."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from devoops.model.evidence import Status

from ..helpers import apart
from .s3servers import Hostile

pytestmark = pytest.mark.hostile

MB = 1 << 20
GROWTH_MB = 100  # the most a hostile answer may add to the child's peak memory
TIMEOUT = 5.0  # the probe's; each S3 answer gets connect_timeout, ANSWER_S
ANSWER_S = 0.5
KEY_ID, SECRET, TOKEN = (
    "AKIAHOSTILEKEY000001",
    "hostile/Secret+Key=0123abcdXYZ",
    "FwoGZXIvYXdzEHostileToken//0a==",
)
ENV = {"S3_KEY_ID": KEY_ID, "S3_SECRET": SECRET, "S3_TOKEN": TOKEN}
AWS_ENV = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}
BY_VAR = {
    "access_key_id": "${S3_KEY_ID}",
    "secret_access_key": "${S3_SECRET}",
    "session_token": "${S3_TOKEN}",
}

# case: (bucket, options beyond the endpoint's, environment of the case, status, cause)
CASES: dict[str, tuple[str, dict[str, Any], dict[str, str], Status, str]] = {
    "listing of 4 GB": ("huge", BY_VAR, {}, Status.ERROR, "cannot list s3://huge/: response over 4 MB"),
    "endless chunked listing": ("endless", BY_VAR, {}, Status.ERROR, "response over 4 MB"),
    "listing a byte at a time": ("trickle", BY_VAR, {}, Status.ERROR, "response took over 0.5 s"),
    "no answer": ("silent", BY_VAR, {}, Status.ERROR, "Read timeout"),
    "pages without end": ("pages", BY_VAR, {}, Status.ERROR, "over 100 pages"),
    "gzip bomb": ("bomb", BY_VAR, {}, Status.ERROR, "Content-Encoding 'gzip', which was not asked for"),
    "echoed credentials": ("echo", BY_VAR, {}, Status.ERROR, "SignatureDoesNotMatch"),
    "echoed credentials from the environment": ("echo", {}, AWS_ENV, Status.ERROR, "SignatureDoesNotMatch"),
    "endless error reading a backup": (
        "ranged",
        BY_VAR | {"require_encryption": True},
        {},
        Status.UNKNOWN,
        "cannot read db.dump to tell its encryption: response over 4 MB",
    ),
    "a backup a byte at a time": (
        "ranged-trickle",
        BY_VAR | {"require_encryption": True},
        {},
        Status.UNKNOWN,
        "cannot read db.dump to tell its encryption: response took over 0.5 s",
    ),
}

CHILD = """
import asyncio, json, os, resource, sys, tempfile, threading, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from tests.probes.support import run_probe

def status(field):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(field + ":")) * 1024

def case(name, target, options, environ, env, timeout):
    os.environ.update(environ)
    err, saved = tempfile.TemporaryFile(), os.dup(2)
    os.dup2(err.fileno(), 2)
    try:
        open("/proc/self/clear_refs", "w").write("5")  # the peak restarts from here
        before = status("VmRSS")
        result = asyncio.run(run_probe("backups", target, options, timeout=timeout, env=env, name=name))
        grown = status("VmHWM") - before
        waited = time.monotonic() + 5
        for thread in threading.enumerate():  # the probe's thread should be gone, not still reading
            if thread.name == "probe " + name:
                thread.join(max(0, waited - time.monotonic()))
        left = [t.name for t in threading.enumerate() if t.name == "probe " + name and t.is_alive()]
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        for name in environ:
            os.environ.pop(name)
    err.seek(0)
    return {"status": result.status.value, "summary": result.evidence.summary, "stored": result.model_dump_json(),
            "grown_mb": grown / (1 << 20), "stderr": err.read().decode("utf-8", "replace"), "threads": left}

cases, env, timeout = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
print(json.dumps({name: case(name, *args, env, timeout) for name, args in cases.items()}))
"""


@pytest.fixture(scope="module")
def outcomes() -> Iterator[tuple[Hostile, dict[str, dict[str, Any]]]]:
    with Hostile() as server:
        server.secrets = tuple(f"{s} {quote(s, safe='')} {quote_plus(s)}" for s in (SECRET, TOKEN))
        cases = {
            name: (
                f"s3://{bucket}",
                {"endpoint_url": server.url, "connect_timeout": ANSWER_S} | options,
                environ,
            )
            for name, (bucket, options, environ, _, _) in CASES.items()
        }
        yield server, apart(CHILD, json.dumps(cases), json.dumps(ENV), str(TIMEOUT))


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_s3_endpoint_is_an_error_with_its_cause(
    outcomes: tuple[Hostile, dict[str, dict[str, Any]]], name: str
) -> None:
    server, results = outcomes
    got, (bucket, _, _, status, cause) = results[name], CASES[name]
    shown = {k: v[:400] if isinstance(v, str) else v for k, v in got.items() if k != "stored"}
    assert got["status"] == status.value, shown
    assert cause in got["summary"], shown
    assert len(got["summary"]) < 1000, shown
    assert got["grown_mb"] < GROWTH_MB, shown
    assert got["stderr"] == "", shown
    assert got["threads"] == [], shown
    stored = got["stored"]
    signatures = {m for a in server.authorizations for m in re.findall(r"Signature=([0-9a-f]+)", a)}
    assert signatures, "the server was sent signed requests"
    for secret in (KEY_ID, SECRET, TOKEN, *signatures):
        for form in (secret, quote(secret, safe=""), quote_plus(secret)):
            assert form not in stored, (form, shown)
    if bucket == "echo":
        assert "***" in got["summary"], shown  # the echo arrived, scrubbed
    if bucket == "pages":
        assert server.requests["pages"] <= 101, server.requests  # it stopped asking
    if bucket == "silent":
        assert server.requests["silent"] == 1, server.requests  # reads get one try
