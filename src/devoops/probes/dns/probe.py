"""The `dns` probe: a domain's registration (RDAP) and its DNS (the delegation, every
nameserver, DNSSEC, CAA, SPF and DMARC), judged against the practices that keep a company's
name reachable and its mail its own.

The registration and the zone are read concurrently; each question has its own timeout, so
a silent server costs its own check and never the probe. What could not be read is said as
UNKNOWN with its cause; the probe is an ERROR only when it could read neither.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationError

from ...importers.dns import inventory as dns_inventory
from ...importers.dns import registrable
from ...model.evidence import Evidence
from ...model.inventory import Kind
from ...model.workload import Workload
from ..base import Context, Decision, Options, Probe
from ..found import Found
from . import checks, registration
from .rdap import IANA_BOOTSTRAP, Registration, Unread
from .rdap import registration as read_registration
from .wire import Server, address, addresses, lookup, resolver
from .zone import Answer, Missing, Zone, delegation, host, nameserver, records

if TYPE_CHECKING:
    import aiohttp
    import dns.asyncresolver
    import dns.name

    from ...importers.inventory import Imported

LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
PRODUCTION = frozenset({Kind.APP, Kind.WORKER, Kind.DATABASE, Kind.LOAD_BALANCER, Kind.CACHE, Kind.QUEUE})
Located = tuple[str, int] | str  # where a nameserver is reached, or why it cannot be
MOST = 26  # nameservers asked: a zone rarely has over 13, and a hostile one could list thousands
TRIED = 3  # parent servers, and nameservers per question, asked in turn before giving up


def domain_name(text: str) -> str:
    """A host name in its ASCII form (IDNA), lower case, without the final dot; ValueError
    says what is wrong."""
    name = text.strip().rstrip(".").lower()
    if "://" in name or "/" in name or ":" in name:
        raise ValueError(f"{text!r}: give a domain name such as linkpile.com, not a URL or an address")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{text!r} is not a valid domain name") from None
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            f"{text!r} is not a domain name: letters, digits and hyphens in dot-separated labels"
        )
    return name


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("give an http:// or https:// URL")
    return text


def _address(text: str) -> str:
    address(text)
    return text


def _providers(value: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, provider in value.items():
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,63}", provider):
            raise ValueError(
                f"provider {provider!r}: a name such as cloudflare or aws, as the inventory writes it"
            )
        out[domain_name(name)] = provider
    return out


def _servers(value: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, where in value.items():
        address(where)
        out[domain_name(name)] = where
    return out


class DnsOptions(Options):
    rdap: Annotated[str, AfterValidator(_url)] | None = Field(
        default=None,
        description="RDAP base URL of the domain's registry (…/domain/NAME is appended); skips the bootstrap",
    )
    bootstrap: Annotated[str, AfterValidator(_url)] = Field(
        default=IANA_BOOTSTRAP,
        description="the RDAP bootstrap registry (RFC 9224) that names each TLD's server",
    )
    resolver: Annotated[str, AfterValidator(_address)] | None = Field(
        default=None, description="ip[:port] of the recursive resolver for lookups; default: the system's"
    )
    nameservers: Annotated[dict[str, str], AfterValidator(_servers)] = Field(
        default={},
        max_length=MOST,
        description="where to reach nameservers by name, as ip[:port] (like curl --resolve): before "
        "delegation, or servers on other ports",
    )
    parent: Annotated[str, AfterValidator(_address)] | None = Field(
        default=None,
        description="ip[:port] of a server of the parent zone to ask; default: found through the resolver",
    )
    expiry_warning_days: float = Field(
        default=30.0, ge=0, le=3650, description="fewest days the domain's registration may have left"
    )
    signature_warning_days: float = Field(
        default=3.0,
        ge=0,
        le=365,
        description="fewest days a DNSSEC signature may have left (and a quarter of its validity)",
    )
    mail: bool = Field(
        default=True, description="check SPF and DMARC: whether mail in the domain's name can be forged"
    )
    providers: Annotated[dict[str, str], AfterValidator(_providers)] = Field(
        default={},
        max_length=MOST,
        description="the provider behind nameservers whose names do not say it (vanity names), by name",
    )
    company: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the registrant to expect; default: the app's name",
    )
    query_timeout: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="seconds for one DNS question; at most a tenth of the probe's timeout",
    )
    rdap_timeout: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="seconds for one RDAP request; at most a quarter of the probe's timeout",
    )


class DnsProbe(Probe[DnsOptions]):
    """The domain's registration (registrar, expiry, transfer lock, registrant) and its DNS:
    delegation, every nameserver and its serial, providers, DNSSEC, CAA, SPF and DMARC."""

    kind = "dns"
    decides = {
        registration.PRACTICE: Decision(*registration.ORDER, when="registrant, transfer lock and expiry"),
        "dns.vendor-independent": Decision(
            "self-hosted",
            "cloud-vendor-only",
            "single-independent",
            "secondary-unsynced",
            "multi-provider",
            when="the nameservers' providers",
        ),
        "dns.dnssec": Decision(
            "broken", "expiring", "unsigned", "signed", when="the chain from the parent's DS"
        ),
        "dns.caa": Decision("none", "issuers-listed", "account-bound", when="CAA records"),
        "email.anti-spoofing": Decision(
            "none", "partial", "quarantine", "reject", when="SPF and DMARC, unless mail: false"
        ),
    }
    docs = "docs/probes/dns.md"
    default_timeout = 60.0

    @classmethod
    def check(cls, target: str, options: DnsOptions) -> str:
        name = domain_name(target)
        if registrable(name) != name:
            raise ValueError(
                f"{target!r} is not a registered domain: give the domain itself ({registrable(name) or 'a name under a public suffix'})"
            )
        return name

    async def collect(self, ctx: Context) -> Evidence:
        import dns.name

        o = self.options
        wait = min(o.query_timeout, ctx.timeout / 10) if ctx.timeout > 0 else o.query_timeout
        http_wait = min(o.rdap_timeout, ctx.timeout / 4) if ctx.timeout > 0 else o.rdap_timeout
        domain = dns.name.from_text(self.target)
        reg, zone = await asyncio.gather(
            _registration(ctx.http, self.target, o, http_wait), survey(domain, o, wait, mail=o.mail)
        )
        found = Found()
        if isinstance(reg, str) and zone.delegation is None and not zone.missing:
            return found.error(f"{reg}; the zone: {zone.cause}")
        if isinstance(reg, str):
            found.unknown.append(f"the registration: {reg}")
        else:
            state = ctx.workload.practices.get(registration.PRACTICE)
            company = o.company or ctx.workload.app.name
            registration.judge(
                found, reg, ctx.now, company, state.choice if state else None, o.expiry_warning_days
            )
        settings = checks.Settings(o.signature_warning_days, o.mail, _production(ctx.workload), o.providers)
        checks.judge(found, zone, domain, ctx.now, settings)
        return found.evidence(self.target)


async def _registration(
    http: aiohttp.ClientSession, domain: str, o: DnsOptions, wait: float
) -> Registration | str:
    try:
        return await read_registration(http, domain, o.rdap, o.bootstrap, wait)
    except Unread as exc:
        return str(exc)


def _production(w: Workload) -> Collection[str] | None:
    """The providers production runs on, from the inventory; None without one."""
    inv = w.inventory
    if inv is None:
        return None
    return {inv.placed(cid).provider for cid, c in inv.components.items() if c.kind in PRODUCTION}


async def survey(domain: dns.name.Name, o: DnsOptions, wait: float, *, mail: bool) -> Zone:
    """Everything the zone checks read: the delegation, every nameserver's answers, and the
    records from the nameservers that answered."""
    overrides = {name: address(where) for name, where in o.nameservers.items()}

    @cache
    def recursive() -> dns.asyncresolver.Resolver | str:
        """The recursive resolver, made when first needed, or why it cannot be."""
        try:
            return resolver(o.resolver, wait)
        except ValueError as exc:
            return str(exc)

    async def locate(name: str, glue: tuple[str, ...]) -> Located:
        if name in overrides:
            return overrides[name]
        if glue:
            return min(glue, key=lambda a: ":" in a), 53  # IPv4 first
        through = recursive()
        if isinstance(through, str):
            return f"its address: {through}"
        found = await addresses(through, name)
        if isinstance(found, str):
            return f"its address: {found}"
        return (found[0], 53) if found else "its address: the name has no A or AAAA record"

    parents = (
        [Server("parent", *address(o.parent))] if o.parent else await _parents(domain, recursive, locate)
    )
    if isinstance(parents, str):
        return Zone(None, parents)
    d = await delegation(domain, parents[:TRIED], wait)
    if isinstance(d, Missing):
        return Zone(None, d.cause, missing=True)
    if isinstance(d, str):
        return Zone(None, d)
    listed = d.nameservers[:MOST]
    answers = await _ask_all(listed, domain, wait, lambda n: locate(n, d.glue.get(n, ())))
    more = sorted({ns for a in answers if a.nameservers for ns in a.nameservers} - set(d.nameservers))
    answers += await _ask_all(more[: MOST - len(listed)], domain, wait, lambda n: locate(n, ()))
    unasked = tuple(d.nameservers[MOST:]) + tuple(more[MOST - len(listed) :])
    good = [Server(a.name, a.host, _port(a.name, overrides)) for a in answers if a.answered and a.host]
    name = host(domain)
    inzone = [ns for ns in d.nameservers if ns == name or ns.endswith("." + name)]
    found = await records(good[:TRIED], domain, inzone, wait, mail) if good else None
    return Zone(d, None, tuple(answers), found, unasked)


def _port(name: str, overrides: dict[str, tuple[str, int]]) -> int:
    return overrides[name][1] if name in overrides else 53


async def _ask_all(
    names: Collection[str], domain: dns.name.Name, wait: float, where: Callable[[str], Awaitable[Located]]
) -> list[Answer]:
    async def one(name: str) -> Answer:
        located = await where(name)
        server = located if isinstance(located, str) else Server(name, *located)
        return await nameserver(server, name, domain, wait)

    return list(await asyncio.gather(*(one(n) for n in names)))


async def _parents(
    domain: dns.name.Name,
    recursive: Callable[[], dns.asyncresolver.Resolver | str],
    locate: Callable[[str, tuple[str, ...]], Awaitable[Located]],
) -> list[Server] | str:
    """The parent zone's servers, found through the resolver."""
    import dns.asyncresolver
    import dns.exception

    through = recursive()
    if isinstance(through, str):
        return f"the parent zone cannot be found: {through}"
    try:
        zone = await dns.asyncresolver.zone_for_name(
            domain.parent(), resolver=through, lifetime=through.lifetime
        )
    except dns.exception.DNSException as exc:
        return f"the parent zone of {host(domain)} cannot be found through the resolver: {exc}"
    names = await lookup(through, zone.to_text(), "NS")
    if isinstance(names, str) or not names:
        return f"the parent zone {host(zone)}'s nameservers: {names or 'none'}"
    servers, causes = [], []
    for name in sorted(host(n) for n in names)[:TRIED]:
        located = await locate(name, ())
        if isinstance(located, str):
            causes.append(f"{name}: {located}")
        else:
            servers.append(Server(name, *located))
    return servers or f"no server of the parent zone {host(zone)} can be reached: {'; '.join(causes)}"


def discover(domain: str, settings: dict[str, Any], timeout: float = 60.0) -> Imported:
    """The inventory's `registrar` and `dns` components for `domain`, from its registration
    and its nameservers (`devoops inventory import dns`); ValueError for a bad domain or
    setting. What could not be read is said in the notes."""
    import aiohttp
    import dns.name

    try:
        probe = DnsProbe.validate(domain, settings)
    except ValidationError as exc:  # its own text repeats the input over several lines
        raise ValueError(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None
    o = probe.options
    name = dns.name.from_text(probe.target)

    async def main() -> tuple[Registration | str, Zone]:
        async with aiohttp.ClientSession() as http, asyncio.timeout(timeout):
            reg, zone = await asyncio.gather(
                _registration(http, probe.target, o, o.rdap_timeout),
                survey(name, o, o.query_timeout, mail=False),
            )
            return reg, zone

    try:
        reg, zone = asyncio.run(main())
    except TimeoutError:
        reg, zone = f"no answer within {timeout:g} s", Zone(None, f"no answer within {timeout:g} s")
    registrar = reg.registrar if isinstance(reg, Registration) else None
    listed = zone.delegation.nameservers if zone.delegation else ()
    imported = dns_inventory(probe.target, registrar, listed, o.providers)
    unread = [f"not read: the registration: {reg}"] if isinstance(reg, str) else []
    unread += [f"not read: the zone: {zone.cause}"] if zone.delegation is None else []
    return replace(imported, notes=[*unread, *imported.notes])
