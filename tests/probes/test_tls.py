"""The tls probe against real TLS servers on 127.0.0.1, with certificates made here."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import pytest
import trustme
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from devoops.api.workload import load_workload
from devoops.base.errors import InputError
from devoops.model.evidence import Measurement, ProbeResult, Status
from devoops.model.lens import Lens
from devoops.probes.tls import Endpoint, endpoint

from .support import free_port, probe, run_probe

DAY = dt.timedelta(days=1)
LOCAL = "127.0.0.1"


class _Handler(socketserver.BaseRequestHandler):
    """Completes the handshake with the server's context (or sends `reply` in plain text), then
    waits for the client to close."""

    server: _Server

    def handle(self) -> None:
        self.request.settimeout(5)
        with suppress(OSError):
            if self.server.context is None:
                self.request.sendall(self.server.reply)
                return
            with self.server.context.wrap_socket(self.request, server_side=True) as tls:
                tls.recv(1)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    context: ssl.SSLContext | None
    reply = b""


@contextmanager
def serving(context: ssl.SSLContext | None, reply: bytes = b"") -> Iterator[int]:
    """A server on a free loopback port, in a thread, for the duration of the block."""
    server = _Server((LOCAL, 0), _Handler)
    server.context, server.reply = context, reply
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def context(tmp_path: Path, key: bytes, *certs: bytes) -> ssl.SSLContext:
    """A server context presenting `certs` (leaf first) with `key`."""
    path = tmp_path / f"server-{len(list(tmp_path.iterdir()))}.pem"
    path.write_bytes(key + b"".join(certs))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(path)
    return server


def leaf_context(tmp_path: Path, leaf: trustme.LeafCert, chain: bool = True) -> ssl.SSLContext:
    pems = [b.bytes() for b in leaf.cert_chain_pems]
    return context(tmp_path, leaf.private_key_pem.bytes(), *(pems if chain else pems[:1]))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def issue(
    ca: trustme.CA, *names: str, days: float, born: float = -30
) -> tuple[trustme.LeafCert, dt.datetime]:
    """A leaf for `names` expiring `days` from now; also returns that moment."""
    expiry = now() + days * DAY
    return ca.issue_cert(*names, not_before=now() + born * DAY, not_after=expiry), expiry


def days_left(expiry: dt.datetime) -> float:
    return (expiry - dt.datetime.now(dt.UTC)) / DAY


def figure(result: ProbeResult, name: str) -> Measurement:
    return next(m for m in result.evidence.measurements if m.name == name)


def rows(result: ProbeResult) -> list[dict[str, object]]:
    (table,) = result.evidence.tables
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def verdict(result: ProbeResult) -> str | None:
    choices = [v.choice for v in result.evidence.verdicts if v.practice == "tls.certificates-valid"]
    assert len(choices) == len(result.evidence.verdicts) <= 1
    return choices[0] if choices else None


def test_valid_certificate_far_from_expiry_passes(ca: trustme.CA, ca_file: str, tmp_path: Path) -> None:
    leaf, expiry = issue(ca, LOCAL, days=200)
    with serving(leaf_context(tmp_path, leaf)) as port:
        result = probe("tls", f"{LOCAL}:{port}", {"ca_file": ca_file})
    assert result.status == Status.PASS, result.evidence.summary
    assert verdict(result) == "valid"
    days = figure(result, "days to expiry")
    assert days.value == pytest.approx(days_left(expiry), abs=0.01)
    assert (days.unit, days.target, days.bound, days.ok) == ("days", 21, "min", True)
    issuer = x509.load_pem_x509_certificate(ca.cert_pem.bytes()).subject
    (row,) = rows(result)
    assert row["endpoint"] == f"{LOCAL}:{port}" and row["state"] == "valid"
    assert row["hostname matches"] == "yes" and row["problems"] is None
    assert row["issuer"] == issuer.rfc4514_string()  # the trustme CA has no common name
    assert row["leaf expires"] == expiry.date().isoformat()
    assert LOCAL in str(row["subject"])


def test_certificate_expiring_within_the_threshold_fails(
    ca: trustme.CA, ca_file: str, tmp_path: Path
) -> None:
    leaf, expiry = issue(ca, LOCAL, days=5)
    with serving(leaf_context(tmp_path, leaf)) as port:
        soon = probe("tls", f"https://{LOCAL}:{port}/", {"ca_file": ca_file})
        relaxed = probe("tls", f"https://{LOCAL}:{port}/", {"ca_file": ca_file, "min_days": 3})
    assert soon.status == Status.FAIL and verdict(soon) == "failing"
    days = figure(soon, "days to expiry")
    assert days.value == pytest.approx(days_left(expiry), abs=0.01) and days.ok is False
    assert "the leaf expires in 5.0 days, under 21" in soon.evidence.summary
    assert rows(soon)[0]["state"] == "failing" and rows(soon)[0]["hostname matches"] == "yes"
    assert relaxed.status == Status.PASS and figure(relaxed, "days to expiry").target == 3


def test_expired_certificate_fails_with_the_reason(ca: trustme.CA, ca_file: str, tmp_path: Path) -> None:
    leaf, expiry = issue(ca, LOCAL, days=-3)
    with serving(leaf_context(tmp_path, leaf)) as port:
        result = probe("tls", f"{LOCAL}:{port}", {"ca_file": ca_file})
    assert result.status == Status.FAIL and verdict(result) == "failing"
    assert "certificate has expired" in result.evidence.summary
    assert figure(result, "days to expiry").value == pytest.approx(days_left(expiry), abs=0.01)
    assert "the leaf expired 3.0 days ago" in str(rows(result)[0]["problems"])


def test_certificate_not_yet_valid_fails(ca: trustme.CA, ca_file: str, tmp_path: Path) -> None:
    leaf, _ = issue(ca, LOCAL, days=400, born=2)
    with serving(leaf_context(tmp_path, leaf)) as port:
        result = probe("tls", f"{LOCAL}:{port}", {"ca_file": ca_file})
    assert result.status == Status.FAIL and "certificate is not yet valid" in result.evidence.summary


def test_hostname_mismatch_fails_and_server_name_overrides(
    ca: trustme.CA, ca_file: str, tmp_path: Path
) -> None:
    leaf, _ = issue(ca, "*.example.test", days=200)
    with serving(leaf_context(tmp_path, leaf)) as port:
        by_address = probe("tls", f"{LOCAL}:{port}", {"ca_file": ca_file})
        named = probe("tls", f"{LOCAL}:{port}", {"ca_file": ca_file, "server_name": "api.example.test"})
        other = probe("tls", f"{LOCAL}:{port}", {"ca_file": ca_file, "server_name": "a.b.example.test"})
    assert by_address.status == Status.FAIL and verdict(by_address) == "failing"
    assert "mismatch" in by_address.evidence.summary and rows(by_address)[0]["hostname matches"] == "no"
    assert named.status == Status.PASS, named.evidence.summary
    assert other.status == Status.FAIL and "Hostname mismatch" in other.evidence.summary


def test_missing_intermediate_fails_as_unknown_issuer(ca: trustme.CA, ca_file: str, tmp_path: Path) -> None:
    intermediate = ca.create_child_ca()
    leaf = intermediate.issue_cert(LOCAL)
    with (
        serving(leaf_context(tmp_path, leaf, chain=False)) as bare,
        serving(leaf_context(tmp_path, leaf)) as full,
    ):
        missing = probe("tls", f"{LOCAL}:{bare}", {"ca_file": ca_file})
        complete = probe("tls", f"{LOCAL}:{full}", {"ca_file": ca_file})
    assert missing.status == Status.FAIL and verdict(missing) == "failing"
    assert "unable to get local issuer certificate" in missing.evidence.summary
    assert "missing intermediate" in missing.evidence.summary
    assert rows(missing)[0]["hostname matches"] == "yes"  # read from the unverified handshake
    assert complete.status == Status.PASS, complete.evidence.summary


def sign(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    days: float,
    ca: bool,
) -> x509.Certificate:
    """A certificate for `subject`, valid from yesterday for `days`; a leaf names 127.0.0.1 and
    *.example.test."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now() - DAY)
        .not_valid_after(now() + days * DAY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        names = [x509.IPAddress(ipaddress.ip_address(LOCAL)), x509.DNSName("*.example.test")]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(item: x509.Certificate | ec.EllipticCurvePrivateKey) -> bytes:
    if isinstance(item, x509.Certificate):
        return item.public_bytes(serialization.Encoding.PEM)
    return item.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_self_signed_certificate_fails(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = sign(
        LOCAL, key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOCAL)]), key, days=90, ca=False
    )
    with serving(context(tmp_path, pem(key), pem(cert))) as port:
        result = probe("tls", f"{LOCAL}:{port}")
        named = probe("tls", f"{LOCAL}:{port}", {"server_name": "api.example.test"})
        unnamed = probe("tls", f"{LOCAL}:{port}", {"server_name": "a.b.example.test"})
    assert result.status == Status.FAIL and verdict(result) == "failing"
    assert "self-signed certificate" in result.evidence.summary
    # OpenSSL stops at the chain; the names are still checked on the certificate read
    assert [rows(r)[0]["hostname matches"] for r in (result, named, unnamed)] == ["yes", "yes", "no"]
    assert "not valid for a.b.example.test" in unnamed.evidence.summary
    assert "not valid for" not in named.evidence.summary
    assert figure(result, "days to expiry").value == pytest.approx(
        days_left(cert.not_valid_after_utc), abs=0.01
    )


def test_an_intermediate_sent_that_expires_first_is_the_figure(
    ca: trustme.CA, ca_file: str, tmp_path: Path
) -> None:
    root_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), None)
    assert isinstance(root_key, ec.EllipticCurvePrivateKey)
    root = x509.load_pem_x509_certificate(ca.cert_pem.bytes()).subject
    middle_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    middle = sign("Short Intermediate", middle_key, root, root_key, days=10, ca=True)
    leaf = sign(LOCAL, leaf_key, middle.subject, middle_key, days=300, ca=False)
    with serving(context(tmp_path, pem(leaf_key), pem(leaf), pem(middle))) as port:
        result = probe("tls", f"{LOCAL}:{port}", {"ca_file": ca_file})
    assert result.status == Status.FAIL, result.evidence.summary
    days = figure(result, "days to expiry")
    assert days.value == pytest.approx(days_left(middle.not_valid_after_utc), abs=0.01)
    assert days.detail == f"'Short Intermediate' in the chain of {LOCAL}:{port}"
    (row,) = rows(result)
    assert row["leaf days left"] == pytest.approx(days_left(leaf.not_valid_after_utc), abs=0.1)


@pytest.mark.hostile
def test_refused_port_is_an_error_without_verdict() -> None:
    port = free_port()
    result = probe("tls", f"{LOCAL}:{port}")
    assert result.status == Status.ERROR and verdict(result) is None
    assert result.evidence.summary == f"endpoints unreachable: 1 of 1. {LOCAL}:{port}: connection refused."
    assert figure(result, "days to expiry").value is None


@pytest.mark.hostile
def test_a_server_that_never_handshakes_is_an_error_within_the_timeout() -> None:
    with socket.socket() as silent:  # the kernel accepts connections into the backlog; nobody answers
        silent.bind((LOCAL, 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        capped = probe("tls", f"{LOCAL}:{port}", timeout=1.5)
        chosen = probe("tls", f"{LOCAL}:{port}", {"connect_timeout": 0.2})
    assert capped.status == Status.ERROR and verdict(capped) is None
    assert capped.seconds < 1.5
    assert (
        capped.evidence.summary
        == f"endpoints unreachable: 1 of 1. {LOCAL}:{port}: no TLS handshake within 0.5 s."
    )
    assert chosen.status == Status.ERROR and "within 0.2 s" in chosen.evidence.summary


@pytest.mark.hostile
def test_a_plain_text_server_is_an_error() -> None:
    with serving(None, reply=b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") as port:
        result = probe("tls", f"{LOCAL}:{port}")
    assert result.status == Status.ERROR and "TLS handshake failed" in result.evidence.summary


def test_every_endpoint_is_checked_and_the_worst_decides(
    ca: trustme.CA, ca_file: str, tmp_path: Path
) -> None:
    good, good_expiry = issue(ca, LOCAL, days=100)
    soon, soon_expiry = issue(ca, LOCAL, days=8)
    refused = free_port()
    with serving(leaf_context(tmp_path, good)) as a, serving(leaf_context(tmp_path, soon)) as b:
        both_good = probe(
            "tls", f"https://{LOCAL}:{a}/x", {"ca_file": ca_file, "endpoints": [f"{LOCAL}:{a}"]}
        )
        one_soon = probe(
            "tls",
            f"{LOCAL}:{a}",
            {"ca_file": ca_file, "endpoints": [f"https://{LOCAL}:{b}", f"{LOCAL}:{refused}"]},
        )
        one_lost = probe("tls", f"{LOCAL}:{a}", {"ca_file": ca_file, "endpoints": [f"{LOCAL}:{refused}"]})
    assert both_good.status == Status.PASS and figure(both_good, "endpoints").value == 1  # the same endpoint
    assert one_soon.status == Status.FAIL and verdict(one_soon) == "failing"
    assert [r["endpoint"] for r in rows(one_soon)] == [f"{LOCAL}:{b}", f"{LOCAL}:{refused}", f"{LOCAL}:{a}"]
    assert [r["state"] for r in rows(one_soon)] == ["failing", "unreachable", "valid"]
    assert figure(one_soon, "days to expiry").value == pytest.approx(days_left(soon_expiry), abs=0.01)
    assert (figure(one_soon, "endpoints failing").value, figure(one_soon, "endpoints unreachable").value) == (
        1,
        1,
    )
    summary = one_soon.evidence.summary
    assert f"{LOCAL}:{b}: the leaf expires in 8.0 days" in summary and f"{LOCAL}:{a}" not in summary
    assert summary.startswith("endpoints failing: 1 of 3.")
    assert summary.endswith(f" Unreachable: {LOCAL}:{refused}: connection refused.")
    assert one_lost.status == Status.ERROR and verdict(one_lost) is None
    assert one_lost.evidence.summary == (
        f"endpoints unreachable: 1 of 2. {LOCAL}:{refused}: connection refused. The others are valid."
    )
    assert figure(one_lost, "days to expiry").value == pytest.approx(days_left(good_expiry), abs=0.01)


def test_the_table_keeps_the_worst_rows() -> None:
    with ExitStack() as held:  # bound, never listening: 25 distinct refused ports
        sockets = [held.enter_context(socket.socket()) for _ in range(25)]
        for s in sockets:
            s.bind((LOCAL, 0))
        ports = [s.getsockname()[1] for s in sockets]
        result = probe("tls", f"{LOCAL}:{ports[0]}", {"endpoints": [f"{LOCAL}:{p}" for p in ports[1:]]})
    (table,) = result.evidence.tables
    assert table.title == "TLS endpoints (worst 20 of 25)" and len(table.rows) == 20
    assert figure(result, "endpoints unreachable").value == 25
    assert result.evidence.summary.endswith(" And 22 more.")


def test_an_unreadable_ca_file_is_an_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    missing = probe("tls", f"{LOCAL}:1", {"ca_file": str(tmp_path / "none.pem")})
    garbled = probe("tls", f"{LOCAL}:1", {"ca_file": str(bogus)})
    assert missing.status == Status.ERROR and "cannot use ca_file" in missing.evidence.summary
    assert garbled.status == Status.ERROR and "cannot use ca_file" in garbled.evidence.summary


def test_runs_on_uvloop_as_the_audit_does(ca: trustme.CA, ca_file: str, tmp_path: Path) -> None:
    leaf, _ = issue(ca, LOCAL, days=60)
    with (
        serving(leaf_context(tmp_path, leaf)) as port,
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as r,
    ):
        result = r.run(run_probe("tls", f"{LOCAL}:{port}", {"ca_file": ca_file, "min_days": 90}))
    assert result.status == Status.FAIL and "expires in 60.0 days, under 90" in result.evidence.summary


def test_bad_settings_are_located_in_the_workload(tmp_path: Path, lens: Lens) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(
        "app: {name: shop, stage: mvp}\n"
        "answers:\n"
        "  reliability: {downtime_cost_per_hour: 100}\n"
        "  traffic: {baseline_rps: 10}\n"
        "  security: {breach_survival: damaged}\n"
        "  engineering: {team_size: 3}\n"
        "probes:\n"
        "  site:\n"
        "    type: tls\n"
        "    target: http://shop.example.com\n"
        "  certs:\n"
        "    type: tls\n"
        "    target: shop.example.com\n"
        "    options:\n"
        "      endpoints: [api.example.com, 'api.example.com:99999', 'x.example.com/path']\n"
        "      min_days: -1\n"
        "      server_name: 'bad name'\n"
        "      min_day: 3\n"
    )
    with pytest.raises(InputError) as caught:
        load_workload(path, lens)
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        f"{path}:10:13",
        f"{path}:15:36",
        f"{path}:15:61",
        f"{path}:16:17",
        f"{path}:17:20",
        f"{path}:18:7",
    ], lines
    assert "http:// is not TLS here" in lines[0]
    assert "outside 1-65535" in lines[1] and "neither an https:// URL nor host[:port]" in lines[2]
    assert "did you mean 'min_days'" in lines[5]


hosts = st.one_of(
    st.from_regex(
        r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?){0,3}", fullmatch=True
    ),
    st.ip_addresses().map(str),
)


@given(
    hosts, st.one_of(st.none(), st.integers(1, 65_535)), st.booleans(), st.sampled_from(["", "/", "/a/b?c=d"])
)
def test_endpoints_parse_from_urls_and_host_port(host: str, port: int | None, url: bool, path: str) -> None:
    netloc = f"[{host}]" if ":" in host else host
    netloc += "" if port is None else f":{port}"
    text = f"https://{netloc}{path}" if url else netloc
    found = endpoint(text)
    assert found == Endpoint(host.lower(), port or 443)
    if port is not None:
        assert found.label == netloc


@pytest.mark.hostile
@given(st.text(max_size=40))
def test_any_text_is_an_endpoint_or_a_value_error(text: str) -> None:
    with suppress(ValueError):
        found = endpoint(text)
        assert found.host and 1 <= found.port <= 65_535
