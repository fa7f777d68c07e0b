"""TLS certificates of HTTPS endpoints: days to expiry, chain validity and hostname match.

Each endpoint gets one verifying handshake (the system's roots plus `ca_file`). When OpenSSL
refuses the certificate, a second handshake without verification still reads what the server
sends, so a broken endpoint reports its certificates beside OpenSSL's precise reason. Days count
from the handshake: the clock OpenSSL verifies against.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import re
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from ..model.evidence import Evidence, Status
from .base import Context, Decision, Options, Probe
from .found import Found

if TYPE_CHECKING:
    from cryptography import x509

PRACTICE = "tls.certificates-valid"
ROWS = 20  # table rows kept, worst first
NAMED = 3  # endpoints named in a summary
SANS = 4  # subject alternative names shown per endpoint
DAY = 86_400.0
HOSTNAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})")
MISMATCH = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
MISSING = "a missing intermediate, or a CA not trusted here"
HINTS = {2: MISSING, 19: "the chain ends in a root not trusted here", 20: MISSING, 21: MISSING}
State = Literal["failing", "unreachable", "valid"]
ORDER: dict[State, int] = {"failing": 0, "unreachable": 1, "valid": 2}


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @property
    def label(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def endpoint(text: str) -> Endpoint:
    """An https:// URL or host[:port] (port 443 by default); ValueError says what is wrong."""
    scheme, sep, _ = text.partition("://")
    if sep and scheme.lower() != "https":
        raise ValueError(f"{scheme}:// is not TLS here: give an https:// URL or host[:port]")
    if not text or any(c.isspace() for c in text):
        raise ValueError("give an https:// URL or host[:port], without spaces")
    try:
        parts = urlsplit(text if sep else f"//{text}")
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} has a malformed host or a port outside 1-65535") from None
    if not sep and (parts.path or parts.query or parts.fragment):
        raise ValueError(f"{text!r} is neither an https:// URL nor host[:port]")
    if not parts.hostname:
        raise ValueError(f"{text!r} names no host")
    if port == 0:
        raise ValueError(f"{text!r}: port 0 is not a port; give 1-65535")
    return Endpoint(parts.hostname, port or 443)


def _endpoint_text(text: str) -> str:
    endpoint(text)
    return text


def _server_name(name: str) -> str:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        if not HOSTNAME.fullmatch(name):
            raise ValueError("give a DNS name such as api.example.com, or an IP address") from None
    return name


class TlsOptions(Options):
    endpoints: list[Annotated[str, AfterValidator(_endpoint_text)]] = Field(
        default=[],
        max_length=50,
        description="more endpoints beside the target, each an https:// URL or host[:port]",
    )
    min_days: float = Field(
        default=21.0, ge=0, le=3650, description="fewest days any certificate sent may have left"
    )
    ca_file: str | None = Field(
        default=None,
        min_length=1,
        description="PEM file of extra trusted roots (a private CA), trusted beside the system's",
    )
    server_name: Annotated[str, AfterValidator(_server_name)] | None = Field(
        default=None,
        description="name sent as SNI and checked against every endpoint's certificate; "
        "default: each endpoint's host",
    )
    connect_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="seconds to connect and finish a handshake; at most a third of the probe's timeout",
    )


@dataclass(frozen=True)
class Look:
    """What one endpoint showed: the certificates it sent (leaf first) at `at`, OpenSSL's reason
    for refusing them (with its code), or why no handshake happened."""

    endpoint: Endpoint
    name: str
    at: dt.datetime
    chain: tuple[bytes, ...] = ()
    refused: str | None = None
    code: int | None = None
    unreachable: str | None = None


@dataclass(frozen=True)
class Row:
    """One endpoint judged; figures are None when no certificate could be read. `soonest` is the
    days left of the first certificate sent to expire, and which one that is."""

    label: str
    state: State
    problems: tuple[str, ...] = ()
    leaf_days: float | None = None
    soonest: tuple[float, str] | None = None
    expires: str | None = None
    subject: str | None = None
    issuer: str | None = None
    hostname: str | None = None

    @property
    def cells(self) -> list[str | float | None]:
        chain = self.soonest and self.soonest[0]
        days = [None if d is None else round(d, 1) for d in (self.leaf_days, chain)]
        what = self.subject, self.issuer, self.hostname, "; ".join(self.problems) or None
        return [self.label, self.state, *days, self.expires, *what]


class TlsProbe(Probe[TlsOptions]):
    """Certificate validity, host names, chains and days to expiry of HTTPS endpoints."""

    kind = "tls"
    decides = {PRACTICE: Decision("valid", "failing")}
    docs = "docs/probes/tls.md"
    default_timeout = 30.0

    @classmethod
    def check(cls, target: str, options: TlsOptions) -> str:
        endpoint(target)
        return target

    async def collect(self, ctx: Context) -> Evidence:
        options = self.options
        try:
            ca_file = None if options.ca_file is None else ctx.path(options.ca_file)
            trusted, anyone = await ctx.blocking(lambda: _contexts(ca_file))
        except OSError as exc:
            why = exc.reason if isinstance(exc, ssl.SSLError) else exc.strerror
            return Found().error(f"cannot use ca_file {options.ca_file}: {why or exc}")
        wait = min(options.connect_timeout, ctx.timeout / 3) if ctx.timeout > 0 else options.connect_timeout
        endpoints = dict.fromkeys(map(endpoint, [self.target, *options.endpoints]))
        looks = await asyncio.gather(*(self._look(e, trusted, anyone, wait) for e in endpoints))
        rows = sorted(
            (_judge(look, options.min_days) for look in looks),
            key=lambda r: (ORDER[r.state], r.soonest[0] if r.soonest else 0.0),
        )
        return _evidence(rows, options.min_days)

    async def _look(self, at: Endpoint, trusted: ssl.SSLContext, anyone: ssl.SSLContext, wait: float) -> Look:
        name = self.options.server_name or at.host
        try:
            return Look(at, name, *await _handshake(at, name, trusted, wait))
        except ssl.SSLCertVerificationError as exc:
            code = exc.verify_code
            refused = (exc.verify_message or str(exc.reason)).rstrip(".")
            if code in HINTS:
                refused += f" ({HINTS[code]})"
        except (OSError, ValueError) as exc:
            return Look(at, name, _now(), unreachable=_unreachable(exc, wait))
        try:
            return Look(at, name, *await _handshake(at, name, anyone, wait), refused=refused, code=code)
        except (OSError, ValueError) as exc:
            return Look(at, name, _now(), refused=refused, code=code, unreachable=_unreachable(exc, wait))


def _contexts(ca_file: str | None) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A context trusting the system's roots and `ca_file`, and one trusting anything."""
    trusted = ssl.create_default_context()  # with a cafile it would skip the system's roots
    if ca_file:
        trusted.load_verify_locations(cafile=ca_file)
    anyone = ssl.create_default_context()
    anyone.check_hostname = False
    anyone.verify_mode = ssl.CERT_NONE
    return trusted, anyone


async def _handshake(
    at: Endpoint, name: str, context: ssl.SSLContext, wait: float
) -> tuple[dt.datetime, tuple[bytes, ...]]:
    async with asyncio.timeout(wait):
        _, writer = await asyncio.open_connection(at.host, at.port, ssl=context, server_hostname=name)
    try:
        return _now(), _sent(writer.get_extra_info("ssl_object"))
    finally:
        writer.close()


def _sent(tls: ssl.SSLObject | None) -> tuple[bytes, ...]:
    """The certificates the server sent, leaf first, as DER. Python 3.13 names this
    get_unverified_chain(); 3.10 to 3.12 have it on the private _sslobj only; without either,
    the leaf alone is known."""
    if tls is None:
        return ()
    public = getattr(tls, "get_unverified_chain", None)
    if public is not None:
        return tuple(public())
    private = getattr(getattr(tls, "_sslobj", None), "get_unverified_chain", None)
    if private is not None and (chain := private()):
        return tuple(ssl.PEM_cert_to_DER_cert(c.public_bytes()) for c in chain)
    leaf = tls.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()


def _unreachable(exc: Exception, wait: float) -> str:
    match exc:
        case TimeoutError():
            return f"no TLS handshake within {wait:.3g} s"
        case ConnectionRefusedError():
            return "connection refused"
        case socket.gaierror():
            return f"name not resolved: {exc.strerror}"
        case ssl.SSLError():
            return f"TLS handshake failed: {exc.reason or exc} (is this a TLS port?)"
        case ConnectionError():
            return "the server closed the connection during the TLS handshake"
    return str(exc) or exc.__class__.__name__


def _judge(look: Look, min_days: float) -> Row:
    """An endpoint's state, problems and figures from what it showed."""
    label, refused = look.endpoint.label, look.refused
    if not look.chain:
        if refused is None:
            return Row(label, "unreachable", (look.unreachable or "no certificate sent",))
        return Row(label, "failing", (refused, f"certificates unreadable: {look.unreachable}"))
    from cryptography import x509

    try:
        certs = [x509.load_der_x509_certificate(der) for der in look.chain]
        dns, ips = _alt_names(certs[0])
    except ValueError as exc:
        return Row(label, "failing", (*filter(None, [refused]), f"certificate cannot be parsed: {exc}"))
    leaf = certs[0]
    left = [(c.not_valid_after_utc - look.at).total_seconds() / DAY for c in certs]
    soonest = min(range(len(certs)), key=left.__getitem__)
    which = "the leaf" if soonest == 0 else f"{_common_name(certs[soonest].subject)!r} in the chain"
    matches = refused is None or (
        look.code not in MISMATCH and _matches(look.name, dns, ips, _common_name(leaf.subject))
    )
    problems = [refused] if refused else []
    if not matches and look.code not in MISMATCH:
        problems.append(f"not valid for {look.name}")
    days = left[soonest]
    if days < min_days:
        problems.append(
            f"{which} expired {-days:.1f} days ago"
            if days < 0
            else f"{which} expires in {days:.1f} days, under {min_days:g}"
        )
    names = [*dns, *map(str, ips)]
    more = f" +{len(names) - SANS}" if len(names) > SANS else ""
    return Row(
        label,
        "failing" if problems else "valid",
        tuple(problems),
        leaf_days=left[0],
        soonest=(days, which),
        expires=leaf.not_valid_after_utc.date().isoformat(),
        subject=f"{_common_name(leaf.subject)}; SANs: {', '.join(names[:SANS]) or 'none'}{more}",
        issuer=_common_name(leaf.issuer),
        hostname="yes" if matches else "no",
    )


def _alt_names(cert: x509.Certificate) -> tuple[list[str], Sequence[object]]:
    from cryptography import x509

    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return names.get_values_for_type(x509.DNSName), names.get_values_for_type(x509.IPAddress)


def _common_name(name: x509.Name) -> str:
    from cryptography.x509.oid import NameOID

    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(common[0].value) if common else name.rfc4514_string() or "(empty)"


def _matches(name: str, dns: list[str], ips: Sequence[object], common: str) -> bool:
    """OpenSSL's hostname rule as Python configures it: an IP matches IP entries only; a name
    matches a DNS entry exactly or through a wildcard for its whole leftmost label, and the
    common name only when there is no DNS entry."""
    try:
        return ipaddress.ip_address(name) in ips
    except ValueError:
        pass
    host = name.rstrip(".").lower()
    rest = host.partition(".")[2]
    patterns = (p.rstrip(".").lower() for p in dns or [common])
    return any(p == host or (p.startswith("*.") and rest and p[2:] == rest) for p in patterns)


def _evidence(rows: list[Row], min_days: float) -> Evidence:
    failing = [r for r in rows if r.state == "failing"]
    lost = [r for r in rows if r.state == "unreachable"]
    soonest = min(((*r.soonest, r.label) for r in rows if r.soonest), default=None)
    days = None if soonest is None else round(soonest[0], 2)
    first = "no certificate read" if soonest is None else f"{soonest[1]} of {soonest[2]}"
    found = Found()
    found.measure("days to expiry", days, "days", target=min_days, bound="min", detail=first)
    found.measure("endpoints", len(rows), "count")
    found.measure("endpoints failing", len(failing), "count", target=0, bound="max")
    found.measure("endpoints unreachable", len(lost), "count", target=0, bound="max")
    title = "TLS endpoints" + (f" (worst {ROWS} of {len(rows)})" if len(rows) > ROWS else "")
    columns = ["endpoint", "state", "leaf days left", "chain days left", "leaf expires"]
    found.table(
        title,
        [*columns, "subject", "issuer", "hostname matches", "problems"],
        [r.cells for r in rows[:ROWS]],
    )
    if failing:
        status = Status.FAIL
        summary = f"endpoints failing: {len(failing)} of {len(rows)}. {_listing(failing)}"
        if lost:
            summary += f" Unreachable: {_listing(lost)}"
        found.verdict(PRACTICE, "failing", summary)
    elif lost:
        status = Status.ERROR
        summary = f"endpoints unreachable: {len(lost)} of {len(rows)}. {_listing(lost)}"
        if days is not None:
            summary += " The others are valid."
    else:
        status = Status.PASS
        summary = (
            f"every endpoint is valid ({len(rows)} checked); the first certificate to expire, {first}, "
            f"has {days:.0f} days left (at least {min_days:g} wanted)"
        )
        found.verdict(PRACTICE, "valid", summary)
    return found.concluded(status, summary)


def _listing(rows: list[Row]) -> str:
    """Sentences naming the first endpoints and their problems."""
    named = " ".join(f"{r.label}: {'; '.join(r.problems)}." for r in rows[:NAMED])
    return named + (f" And {len(rows) - NAMED} more." if len(rows) > NAMED else "")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
