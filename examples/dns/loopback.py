"""Real DNS and RDAP servers on 127.0.0.1, for the `dns` probe's demo and its tests.

`Authority` answers from the zones it holds, as an authoritative server does: authoritative
answers with their signatures when the question asks for DNSSEC, referrals with glue below a
delegation, NXDOMAIN and NODATA with the SOA; over UDP (truncated to the asker's buffer, the TC
bit set) and over TCP. It can also misbehave the ways servers do: stay silent, refuse,
truncate every UDP answer, or answer with bytes that are no DNS message. `Rdap` serves JSON documents by path over HTTP. `Loopback` runs
them on one event loop in a background thread, each on its own port.

The zone helpers make and sign zones with dnspython (ECDSA P-256 keys), and `domain` and
`bootstrap` write RDAP documents shaped like RFC 9083's and RFC 9224's examples.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Self

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone
from aiohttp import web

with warnings.catch_warnings():  # its DSA module announces its own deprecation on import
    warnings.simplefilter("ignore")
    import dns.dnssec

Mode = Literal["answer", "silent", "refuse", "truncate", "garbage"]
HOST = "127.0.0.1"


@dataclass
class Authority:
    """An authoritative server for `zones`; `mode` makes it misbehave. `asked` counts the
    questions it received, by transport."""

    zones: Sequence[dns.zone.Zone]
    mode: Mode = "answer"
    asked: dict[str, int] = field(default_factory=lambda: {"udp": 0, "tcp": 0})

    def respond(self, wire: bytes, over_tcp: bool) -> bytes | None:
        """The answer's wire form, or None to stay silent."""
        self.asked["tcp" if over_tcp else "udp"] += 1
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if self.mode == "silent" or not query.question:
            return None
        if self.mode == "garbage":  # the query's id, then bytes that are no DNS message
            return wire[:2] + b"\x81\x80 this is not a DNS message"
        response = dns.message.make_response(query, our_payload=1232)
        if self.mode == "refuse":
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        if self.mode == "truncate" and not over_tcp:
            response.flags |= dns.flags.TC
            return response.to_wire()
        question = query.question[0]
        zone = self._zone(question.name)
        if zone is None:
            response.set_rcode(dns.rcode.REFUSED)
        else:
            _fill(response, zone, question.name, question.rdtype, bool(query.ednsflags & dns.flags.DO))
        limit = 65535 if over_tcp else (max(query.payload, 512) if query.edns >= 0 else 512)
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            cut = dns.message.make_response(query, our_payload=1232)
            cut.flags |= dns.flags.TC | (response.flags & dns.flags.AA)
            return cut.to_wire()

    def _zone(self, name: dns.name.Name) -> dns.zone.Zone | None:
        held = [z for z in self.zones if z.origin is not None and name.is_subdomain(z.origin)]
        return max(held, key=lambda z: len(z.origin or dns.name.root), default=None)


def _fill(
    response: dns.message.Message, zone: dns.zone.Zone, qname: dns.name.Name, rdtype: int, dnssec: bool
) -> None:
    """Answer as an authoritative server does: below a delegation, a referral (its NS, DS and
    glue, not authoritative); else the records asked for, NODATA or NXDOMAIN, with the SOA."""
    origin = zone.origin
    assert origin is not None

    def add(section: list[dns.rrset.RRset], name: dns.name.Name, kind: int) -> bool:
        rrset = zone.get_rrset(name, kind)
        if rrset is None:
            return False
        section.append(rrset)
        sigs = zone.get_rrset(name, dns.rdatatype.RRSIG, kind)
        if dnssec and sigs is not None:
            section.append(sigs)
        return True

    for depth in range(len(origin) + 1, len(qname) + 1):
        cut = qname.split(depth)[1]
        if zone.get_rrset(cut, dns.rdatatype.NS) is None or (cut == qname and rdtype == dns.rdatatype.DS):
            continue
        add(response.authority, cut, dns.rdatatype.NS)
        if dnssec:
            add(response.authority, cut, dns.rdatatype.DS)
        for ns in zone.get_rrset(cut, dns.rdatatype.NS) or []:
            if ns.target.is_subdomain(origin):
                add(response.additional, ns.target, dns.rdatatype.A)
                add(response.additional, ns.target, dns.rdatatype.AAAA)
        return
    response.flags |= dns.flags.AA
    if zone.get_node(qname) is None:
        response.set_rcode(dns.rcode.NXDOMAIN)
        add(response.authority, origin, dns.rdatatype.SOA)
    elif not add(response.answer, qname, rdtype):
        add(response.authority, origin, dns.rdatatype.SOA)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, authority: Authority) -> None:
        self.authority = authority
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a datagram endpoint's transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        answer = self.authority.respond(data, over_tcp=False)
        if answer is not None and self.transport is not None:
            self.transport.sendto(answer, addr)


async def _stream(authority: Authority, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            size = int.from_bytes(await reader.readexactly(2), "big")
            answer = authority.respond(await reader.readexactly(size), over_tcp=True)
            if answer is not None:
                writer.write(len(answer).to_bytes(2, "big") + answer)
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@dataclass
class Page:
    """What `Rdap` sends for one path: a document (made into JSON) or raw bytes, with a status."""

    body: Any
    status: int = 200
    raw: bool = False
    delay: float = 0.0


@dataclass
class Rdap:
    """An HTTP server answering each path in `pages`, 404 elsewhere; `asked` lists the paths."""

    pages: dict[str, Page] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.asked.append(request.path)
        page = self.pages.get(request.path)
        if page is None:
            return web.json_response({"errorCode": 404, "title": "Not Found"}, status=404)
        if page.delay:
            await asyncio.sleep(page.delay)
        body = page.body if page.raw else json.dumps(page.body).encode()
        return web.Response(body=body, status=page.status, content_type="application/rdap+json")


class Loopback:
    """Servers on one event loop in a daemon thread; each `dns` and `rdap` call starts one on
    its own 127.0.0.1 port (`port` to choose it) and returns the port. Leaving the block stops
    them all."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="loopback servers", daemon=True)
        self._closers: list[Callable[[], Any]] = []

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=30)
        self.loop.close()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def dns(self, authority: Authority, port: int = 0) -> int:
        return int(self._run(self._dns(authority, port)))

    def rdap(self, server: Rdap, port: int = 0) -> int:
        return int(self._run(self._rdap(server, port)))

    async def _dns(self, authority: Authority, port: int) -> int:
        for _ in range(20):  # the UDP port may be taken for TCP by someone else: try another
            transport, _ = await self.loop.create_datagram_endpoint(
                lambda: _Datagrams(authority), local_addr=(HOST, port), family=socket.AF_INET
            )
            chosen = transport.get_extra_info("sockname")[1]
            try:
                server = await asyncio.start_server(
                    lambda r, w: _stream(authority, r, w), HOST, chosen, family=socket.AF_INET
                )
            except OSError:
                transport.close()
                if port:
                    raise
                continue
            self._closers += [transport.close, server.close]
            return int(chosen)
        raise OSError("no port free for both UDP and TCP")

    async def _rdap(self, server: Rdap, port: int) -> int:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", server.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._closers.append(runner.cleanup)
        listening = socket.socket()
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listening.bind((HOST, port))
        except OSError:
            listening.close()
            raise
        await web.SockSite(runner, listening).start()
        return int(listening.getsockname()[1])

    async def _close(self) -> None:
        for close in reversed(self._closers):
            result = close()
            if asyncio.iscoroutine(result):
                await result


# --- zones


def zone(origin: str, text: str) -> dns.zone.Zone:
    """A zone from master-file text, names absolute."""
    return dns.zone.from_text(text, origin=origin, relativize=False, check_origin=True)


@dataclass(frozen=True)
class Key:
    """A zone's signing key (a combined KSK and ZSK, flags 257) and its DNSKEY record."""

    private: Any
    dnskey: Any

    @classmethod
    def make(cls) -> Key:
        from cryptography.hazmat.primitives.asymmetric import ec

        private = ec.generate_private_key(ec.SECP256R1())
        public = dns.dnssec.make_dnskey(private.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256, flags=257)
        return cls(private, public)

    def ds(self, origin: str) -> str:
        """The DS record text the parent publishes for this key (SHA-256)."""
        return dns.dnssec.make_ds(origin, self.dnskey, "SHA256").to_text()


def sign(signed: dns.zone.Zone, key: Key, inception: dt.datetime, expiration: dt.datetime) -> dns.zone.Zone:
    """Sign the zone in place (NSEC, DNSKEY added) with signatures valid between the two times."""
    dns.dnssec.sign_zone(
        signed, keys=[(key.private, key.dnskey)], inception=inception, expiration=expiration, dnskey_ttl=3600
    )
    return signed


# --- RDAP documents


def bootstrap(services: Mapping[str, str]) -> dict[str, Any]:
    """An RFC 9224 bootstrap registry: each TLD with its RDAP base URL."""
    return {
        "version": "1.0",
        "publication": "2026-01-06T19:00:00Z",
        "description": "RDAP bootstrap file for Domain Name System registrations",
        "services": [[[tld], [url]] for tld, url in services.items()],
    }


def domain(
    name: str,
    *,
    registrar: str,
    iana_id: str,
    created: dt.datetime,
    expires: dt.datetime,
    statuses: Iterable[str],
    registrant: str | None = None,
    nameservers: Iterable[str] = (),
    signed: bool = False,
    links: Iterable[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """A domain object shaped like RFC 9083's example (section 5.3): its events, status codes,
    registrar and, when given, registrant (as its vCard's organisation)."""
    entities: list[dict[str, Any]] = [
        {
            "objectClassName": "entity",
            "handle": iana_id,
            "roles": ["registrar"],
            "publicIds": [{"type": "IANA Registrar ID", "identifier": iana_id}],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", registrar]]],
        }
    ]
    if registrant is not None:
        entities.append(
            {
                "objectClassName": "entity",
                "roles": ["registrant"],
                "vcardArray": [
                    "vcard",
                    [["version", {}, "text", "4.0"], ["fn", {}, "text", ""], ["org", {}, "text", registrant]],
                ],
            }
        )

    def stamp(when: dt.datetime) -> str:
        return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "rdapConformance": [
            "rdap_level_0",
            "icann_rdap_response_profile_1",
            "icann_rdap_technical_implementation_guide_1",
        ],
        "objectClassName": "domain",
        "handle": f"{name.split('.')[0].upper()}-EXAMPLE",
        "ldhName": name,
        "links": [
            {
                "value": f"https://rdap.example/domain/{name}",
                "rel": "self",
                "href": f"https://rdap.example/domain/{name}",
                "type": "application/rdap+json",
            },
            *links,
        ],
        "status": list(statuses),
        "events": [
            {"eventAction": "registration", "eventDate": stamp(created)},
            {"eventAction": "expiration", "eventDate": stamp(expires)},
            {"eventAction": "last update of RDAP database", "eventDate": stamp(created)},
        ],
        "entities": entities,
        "nameservers": [{"objectClassName": "nameserver", "ldhName": ns} for ns in nameservers],
        "secureDNS": {"delegationSigned": signed},
    }
