"""DNS questions as the `dns` probe asks them: to one named server at a time, without
recursion, over UDP with EDNS and the DNSSEC OK bit, and again over TCP when the UDP answer
comes back truncated; or to a recursive resolver, for what the probe must look up (the parent
zone's servers, a nameserver's address).

Every question ends within its timeout with an answer or a sentence saying why not. UDP is
sent twice (half the timeout each), since one lost datagram is not a silent server; the
socket is connected, so a port nothing listens on is told apart from a silent server at once
(the ICMP port-unreachable). dnspython is imported when a probe runs, never when listing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import dns.asyncresolver
    import dns.message
    import dns.name

PAYLOAD = 1232  # the EDNS buffer size DNS Flag Day 2020 settled on: no fragmented UDP


def address(text: str, default_port: int = 53) -> tuple[str, int]:
    """`ip`, `ip:port` or `[ipv6]:port` as (ip, port); ValueError says what is wrong."""
    host, port = text.strip(), default_port
    if host.startswith("["):
        inside, sep, rest = host[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r}: write an IPv6 address with a port as [2001:db8::1]:53")
        host, port_text = inside, rest[1:]
    elif host.count(":") == 1:
        host, _, port_text = host.partition(":")
    else:
        port_text = ""
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{text!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"{text!r}: give an IP address, optionally with :port (a name would need DNS itself)"
        ) from None
    return host, port


@dataclass(frozen=True)
class Server:
    """A DNS server to ask: its name (a nameserver's host name, or what the settings call it)
    and where to reach it."""

    name: str
    host: str
    port: int = 53

    @property
    def label(self) -> str:
        return f"{self.name} ({self.host})"


@dataclass(frozen=True)
class Reply:
    """A server's answer, and whether it had to be read over TCP after a truncated UDP one."""

    message: dns.message.Message
    over_tcp: bool = False


async def ask(
    server: Server, qname: dns.name.Name, rdtype: str, timeout: float, *, dnssec: bool = True
) -> Reply | str:
    """Ask `server` one question, non-recursively; the answer whatever its rcode, or why there
    is none."""
    import dns.asyncbackend
    import dns.asyncquery
    import dns.exception
    import dns.flags
    import dns.inet
    import dns.message

    query = dns.message.make_query(qname, rdtype, want_dnssec=dnssec, use_edns=0, payload=PAYLOAD)
    query.flags &= ~dns.flags.RD
    try:
        async with asyncio.timeout(timeout):
            for attempt in (1, 2):
                backend: Any = dns.asyncbackend.get_default_backend()  # make_socket is untyped
                af = dns.inet.af_for_address(server.host)
                sock = await backend.make_socket(af, socket.SOCK_DGRAM, 0, None, (server.host, server.port))
                try:
                    message = await dns.asyncquery.udp(
                        query, server.host, timeout / 2, server.port, raise_on_truncation=True, sock=sock
                    )
                    return Reply(message)
                except dns.exception.Timeout:
                    if attempt == 2:
                        raise
                except dns.message.Truncated:
                    break
                finally:
                    await sock.close()
    except (TimeoutError, dns.exception.Timeout):
        return f"no answer within {timeout:g} s"
    except ConnectionRefusedError:
        return f"nothing listens on port {server.port} (connection refused)"
    except OSError as exc:
        return f"unreachable: {exc.strerror or exc}"
    except dns.exception.DNSException as exc:
        return f"a malformed answer: {exc}"
    return await _over_tcp(query, server, timeout)


async def _over_tcp(query: dns.message.Message, server: Server, timeout: float) -> Reply | str:
    """The question again over TCP, after a truncated UDP answer."""
    import dns.asyncquery
    import dns.exception

    said = "the UDP answer was truncated, and over TCP"
    try:
        async with asyncio.timeout(timeout):
            message = await dns.asyncquery.tcp(query, server.host, timeout, server.port)
    except (TimeoutError, dns.exception.Timeout):
        return f"{said} there was no answer within {timeout:g} s"
    except ConnectionRefusedError:
        return f"{said} the connection was refused"
    except (OSError, EOFError) as exc:
        return f"{said} the connection failed: {getattr(exc, 'strerror', None) or exc or 'closed'}"
    except dns.exception.DNSException as exc:
        return f"{said} the answer was malformed: {exc}"
    return Reply(message, over_tcp=True)


def resolver(where: str | None, timeout: float) -> dns.asyncresolver.Resolver:
    """A DNS client asking the recursive resolver at `where` (ip[:port]), or the system's
    (/etc/resolv.conf), as RFC 1034 5.3.1's stub resolvers do;
    ValueError says why none can be made."""
    import dns.asyncresolver
    import dns.resolver

    try:
        made = dns.asyncresolver.Resolver(configure=where is None)
    except dns.resolver.NoResolverConfiguration as exc:
        raise ValueError(f"the system has no resolver configured ({exc}); set the resolver option") from None
    if where is not None:
        host, port = address(where)
        made.nameservers = [host]
        made.port = port
    made.timeout = timeout / 2
    made.lifetime = timeout
    return made


async def lookup(made: dns.asyncresolver.Resolver, name: str, rdtype: str) -> list[str] | str:
    """The values of `name`'s records of `rdtype` through the resolver ([] when it has none),
    or why the lookup failed."""
    import dns.exception
    import dns.resolver

    try:
        answer = await made.resolve(name, rdtype, search=False)
    except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
        return []
    except dns.resolver.LifetimeTimeout:
        return f"the resolver gave no answer for {name} {rdtype} within {made.lifetime:g} s"
    except dns.resolver.NoNameservers as exc:
        return f"the resolver could not answer {name} {rdtype}: {_first_error(exc)}"
    except dns.exception.DNSException as exc:
        return f"the resolver could not answer {name} {rdtype}: {exc}"
    return [r.to_text() for r in answer]


async def addresses(made: dns.asyncresolver.Resolver, name: str) -> list[str] | str:
    """A host's IPv4 addresses, else its IPv6 ones, through the resolver."""
    found = await lookup(made, name, "A")
    if isinstance(found, str) or found:
        return found
    return await lookup(made, name, "AAAA")


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "kwargs", {}).get("errors") or []
    if errors:
        server, _, _, error = errors[0][:4]
        return f"{server}: {error}"
    return str(exc)
