"""What the DNS says of a zone, read the way a resolver meets it: the delegation at the parent
(nameservers, glue, DS), then every nameserver on its own (does it answer, authoritatively, with
which SOA serial and which NS set), then the records the checks need (DNSKEY, SOA and their
signatures, CAA, SPF, DMARC, the addresses of in-zone nameservers) from the first nameserver
that answers them.

Nothing here judges: `checks` does. Every failure is kept as a sentence beside what could be
read, so one silent server or one refused question costs only what depends on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .wire import Reply, Server, ask

if TYPE_CHECKING:
    import dns.message
    import dns.name
    import dns.rrset

Locate = Callable[[str, tuple[str, ...]], Awaitable["tuple[str, int] | str"]]
"""Where to reach a nameserver, given the glue the parent has for it; or why it cannot be."""


@dataclass(frozen=True)
class Delegation:
    """The parent's view of the domain: its nameservers and their TTL, the addresses it gives
    for them (glue), and the DS records (None when they could not be read, with the cause)."""

    parent: Server
    nameservers: tuple[str, ...]
    ttl: int
    glue: Mapping[str, tuple[str, ...]]
    ds: tuple[str, ...] | None
    ds_rrset: dns.rrset.RRset | None = None
    ds_problem: str | None = None


@dataclass(frozen=True)
class Answer:
    """One nameserver's answers to SOA and NS, or why it gave none."""

    name: str
    host: str | None
    error: str | None = None
    authoritative: bool = False
    serial: int | None = None
    soa_ttl: int | None = None
    negative_ttl: int | None = None
    nameservers: tuple[str, ...] | None = None
    ns_ttl: int | None = None
    over_tcp: bool = False

    @property
    def answered(self) -> bool:
        return self.error is None


@dataclass
class Records:
    """What the checks read from the zone's first answering nameserver (`server`); None for
    a record whose question no nameserver answered, with the cause in `problems`."""

    server: str
    soa: dns.message.Message | None = None
    dnskey: dns.message.Message | None = None
    caa: dns.message.Message | None = None
    txt: dns.message.Message | None = None
    dmarc: dns.message.Message | None = None
    addresses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Zone:
    """What was read of the zone; `cause` when not even the delegation could be, and
    `unasked` the nameservers listed past the most the probe asks."""

    delegation: Delegation | None
    cause: str | None = None
    answers: tuple[Answer, ...] = ()
    records: Records | None = None
    unasked: tuple[str, ...] = ()
    missing: bool = False  # the parent says the domain does not exist: a fact, not a failure to read


@dataclass(frozen=True)
class Missing:
    """The parent's answer that the domain does not exist, said."""

    cause: str


def host(name: dns.name.Name | str) -> str:
    """A host name as the results show it: lower case, without the final dot."""
    return str(name).rstrip(".").lower()


async def delegation(
    domain: dns.name.Name, parents: Sequence[Server], timeout: float
) -> Delegation | Missing | str:
    """The delegation from the first parent server that gives one; Missing when the parent
    says there is no such domain; why none did."""
    import dns.rcode
    import dns.rdatatype

    causes = []
    for parent in parents:
        reply = await ask(parent, domain, "NS", timeout)
        if isinstance(reply, str):
            causes.append(f"{parent.label}: {reply}")
            continue
        message = reply.message
        rcode = message.rcode()
        if rcode == dns.rcode.NXDOMAIN:
            return Missing(
                f"the parent zone has no such domain ({parent.label} answered NXDOMAIN): not registered, or not delegated"
            )
        if rcode != dns.rcode.NOERROR:
            causes.append(f"{parent.label} answered {dns.rcode.to_text(rcode)}")
            continue
        rrset = next(
            (
                r
                for r in [*message.authority, *message.answer]
                if r.name == domain and r.rdtype == dns.rdatatype.NS
            ),
            None,
        )
        if rrset is None:
            causes.append(f"{parent.label} gave no NS records for {host(domain)}: no delegation")
            continue
        names = tuple(sorted({host(r.target) for r in rrset}))
        glue: dict[str, list[str]] = {}
        for extra in message.additional:
            if extra.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA) and host(extra.name) in names:
                glue.setdefault(host(extra.name), []).extend(r.to_text() for r in extra)
        ds, ds_rrset, problem = await _ds(parent, domain, timeout)
        return Delegation(
            parent, names, rrset.ttl, {k: tuple(v) for k, v in glue.items()}, ds, ds_rrset, problem
        )
    return "no parent server gave the delegation: " + "; ".join(causes)


async def _ds(
    parent: Server, domain: dns.name.Name, timeout: float
) -> tuple[tuple[str, ...] | None, dns.rrset.RRset | None, str | None]:
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype

    reply = await ask(parent, domain, "DS", timeout)
    if isinstance(reply, str):
        return None, None, f"the DS question to {parent.label}: {reply}"
    if reply.message.rcode() != dns.rcode.NOERROR:
        return (
            None,
            None,
            f"{parent.label} answered the DS question {dns.rcode.to_text(reply.message.rcode())}",
        )
    rrset = reply.message.get_rrset(reply.message.answer, domain, dns.rdataclass.IN, dns.rdatatype.DS)
    if rrset is None:
        return (), None, None
    return tuple(r.to_text() for r in rrset), rrset, None


async def nameserver(server: Server | str, name: str, domain: dns.name.Name, timeout: float) -> Answer:
    """One nameserver's SOA and NS answers; `server` is a sentence when it cannot be reached."""
    if isinstance(server, str):
        return Answer(name, None, server)
    soa, ns = await asyncio.gather(ask(server, domain, "SOA", timeout), ask(server, domain, "NS", timeout))
    if isinstance(soa, str):
        return Answer(name, server.host, soa)
    import dns.flags
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype

    message = soa.message
    rcode = message.rcode()
    if rcode != dns.rcode.NOERROR:
        return Answer(name, server.host, f"answered {dns.rcode.to_text(rcode)} for the zone's SOA")
    authoritative = bool(message.flags & dns.flags.AA)
    record = message.get_rrset(message.answer, domain, dns.rdataclass.IN, dns.rdatatype.SOA)
    if record is None or not authoritative:
        return Answer(name, server.host, "not authoritative for the zone (a lame delegation)")
    soa_rdata = record[0]
    listed, ns_ttl = None, None
    if isinstance(ns, Reply):
        ns_rrset = ns.message.get_rrset(ns.message.answer, domain, dns.rdataclass.IN, dns.rdatatype.NS)
        if ns_rrset is not None:
            listed, ns_ttl = tuple(sorted(host(r.target) for r in ns_rrset)), ns_rrset.ttl
    return Answer(
        name,
        server.host,
        authoritative=True,
        serial=soa_rdata.serial,
        soa_ttl=record.ttl,
        negative_ttl=min(record.ttl, soa_rdata.minimum),
        nameservers=listed,
        ns_ttl=ns_ttl,
        over_tcp=soa.over_tcp or (isinstance(ns, Reply) and ns.over_tcp),
    )


async def records(
    servers: Sequence[Server], domain: dns.name.Name, inzone: Sequence[str], timeout: float, mail: bool
) -> Records:
    """The records the checks need, each from the first server that answers its question."""
    import dns.name

    questions: dict[str, tuple[dns.name.Name, str]] = {
        "soa": (domain, "SOA"),
        "dnskey": (domain, "DNSKEY"),
        "caa": (domain, "CAA"),
    }
    if mail:
        questions |= {"txt": (domain, "TXT"), "dmarc": (dmarc_name(domain), "TXT")}
    for ns in inzone:
        questions |= {
            f"a {ns}": (dns.name.from_text(ns), "A"),
            f"aaaa {ns}": (dns.name.from_text(ns), "AAAA"),
        }
    found = Records(servers[0].name)
    keys = list(questions)
    replies = await asyncio.gather(*(_first(servers, *questions[k], timeout) for k in keys))
    for key, reply in zip(keys, replies, strict=True):
        qname, rdtype = questions[key]
        if isinstance(reply, str):
            found.problems[key] = f"{host(qname)} {rdtype}: {reply}"
            continue
        if reply.over_tcp:
            found.truncated.append(f"{host(qname)} {rdtype}")
        if key.startswith(("a ", "aaaa ")):
            name = key.split(" ", 1)[1]
            found.addresses[name] = found.addresses.get(name, ()) + _values(reply.message, qname, rdtype)
        else:
            setattr(found, key, reply.message)
    return found


async def _first(servers: Sequence[Server], qname: dns.name.Name, rdtype: str, timeout: float) -> Reply | str:
    """The first answer (NOERROR or NXDOMAIN) any server gives, asking them in turn."""
    import dns.rcode

    causes = []
    for server in servers:
        reply = await ask(server, qname, rdtype, timeout)
        if isinstance(reply, Reply) and reply.message.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            return reply
        why = reply if isinstance(reply, str) else f"answered {dns.rcode.to_text(reply.message.rcode())}"
        causes.append(f"{server.label} {why}")
    return "; ".join(causes) or "no nameserver to ask"


def _values(message: dns.message.Message, qname: dns.name.Name, rdtype: str) -> tuple[str, ...]:
    import dns.rdataclass
    import dns.rdatatype

    rrset = message.get_rrset(message.answer, qname, dns.rdataclass.IN, dns.rdatatype.from_text(rdtype))
    return tuple(r.to_text() for r in rrset) if rrset is not None else ()


def dmarc_name(domain: dns.name.Name) -> dns.name.Name:
    """Where the domain's DMARC policy lives (RFC 7489 section 6.1)."""
    import dns.name

    return dns.name.from_text("_dmarc", origin=domain)


def rrset_and_sigs(
    message: dns.message.Message | None, qname: dns.name.Name, rdtype: str
) -> tuple[dns.rrset.RRset | None, dns.rrset.RRset | None]:
    """An answer's RRset of `rdtype` at `qname` and the RRSIGs over it."""
    import dns.rdataclass
    import dns.rdatatype

    if message is None:
        return None, None
    kind = dns.rdatatype.from_text(rdtype)
    rrset = message.get_rrset(message.answer, qname, dns.rdataclass.IN, kind)
    sigs = message.get_rrset(message.answer, qname, dns.rdataclass.IN, dns.rdatatype.RRSIG, covers=kind)
    return rrset, sigs
