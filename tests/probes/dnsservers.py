"""A whole small DNS world on loopback for the `dns` probe's tests: the registry of `.example`
(the parent zone, signed), linkpile.example's nameservers (each its own server and port, the
zone signed with a key whose DS the parent publishes) and an RDAP server with the IANA-style
bootstrap. Every part is healthy by default; a test changes the one thing it is about.

The servers are examples/dns/loopback.py's, which the demo runs too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import dns.rdataset
import pytest
from examples.dns.loopback import Authority, Key, Loopback, Mode, Page, Rdap, bootstrap, domain, sign, zone

from ..conftest import NOW
from .support import free_port

DOMAIN = "linkpile.example"
TWO = ("ns1.alpha-dns.example", "ns2.bravo-dns.example")
DAY = dt.timedelta(days=1)


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    with Loopback() as servers:
        yield servers


@dataclass
class World:
    """What the world serves; `start` builds the zones and servers and returns the probe's
    options reaching them."""

    now: dt.datetime = NOW
    nameservers: tuple[str, ...] = TWO
    zone_nameservers: tuple[str, ...] | None = None  # the zone's own NS set; default: the parent's
    glue: bool = True
    zone_address: str = "127.0.0.1"  # what the zone says its own in-zone nameservers' address is
    modes: dict[str, Mode] = field(default_factory=dict)
    closed: tuple[str, ...] = ()  # nameservers whose port nobody listens on
    serials: dict[str, int] = field(default_factory=dict)
    signed: bool = True
    ds: str = "match"  # match | other-key | none
    edited_after_signing: bool = False  # the SOA changed behind the signer's back: its RRSIG no longer fits
    signatures: tuple[dt.timedelta, dt.timedelta] = (-DAY, 20 * DAY)  # inception, expiration from now
    ns_ttl: int = 86400
    soa_ttl: int = 3600
    # the SOA's minimum: resolvers cache a "no such name" for the lower of it and the SOA's TTL
    negative_ttl: int = 3600
    caa: tuple[str, ...] = ('0 issue "letsencrypt.org"',)
    spf: str | None = "v=spf1 include:_spf.mail.example -all"
    dmarc: str | None = "v=DMARC1; p=reject; rua=mailto:dmarc@linkpile.example"
    big_txt: int = 0  # extra long TXT records, to make the apex TXT answer outgrow UDP
    registrant: str | None = "Linkpile Labs Ltd"
    statuses: tuple[str, ...] = (
        "client transfer prohibited",
        "client delete prohibited",
        "client update prohibited",
    )
    expires_in: dt.timedelta = 400 * DAY
    rdap_pages: dict[str, Page] = field(default_factory=dict)  # replace a page: malformed, huge, slow
    authorities: dict[str, Authority] = field(default_factory=dict)
    rdap: Rdap = field(default_factory=Rdap)

    def start(self, servers: Loopback, **options: Any) -> dict[str, Any]:
        key, parent_key = Key.make(), Key.make()
        inception, expiration = self.now + self.signatures[0], self.now + self.signatures[1]
        parent = zone("example.", self._parent_text(key))
        sign(parent, parent_key, self.now - DAY, self.now + 30 * DAY)
        self.authorities["parent"] = Authority([parent])
        ports = {"parent": servers.dns(self.authorities["parent"])}
        for ns in self.nameservers:
            child = zone(f"{DOMAIN}.", self._child_text(self.serials.get(ns, 2026112901)))
            if self.signed:
                sign(child, key, inception, expiration)
            if self.edited_after_signing:
                soa = child.find_rdataset(f"{DOMAIN}.", "SOA")
                soa.update(dns.rdataset.from_rdata(soa.ttl, soa[0].replace(serial=soa[0].serial + 1)))
            if ns in self.closed:
                ports[ns] = free_port()
                continue
            self.authorities[ns] = Authority([child], self.modes.get(ns, "answer"))
            ports[ns] = servers.dns(self.authorities[ns])
        self.authorities["resolver"] = Authority([zone("example.", self._registry_text())])
        ports["resolver"] = servers.dns(self.authorities["resolver"])
        rport = servers.rdap(self.rdap)
        base = f"http://127.0.0.1:{rport}"
        self.rdap.pages = {
            "/dns.json": Page(bootstrap({"example": f"{base}/rdap/"})),
            f"/rdap/domain/{DOMAIN}": Page(self._domain()),
            **self.rdap_pages,
        }
        return {
            "parent": f"127.0.0.1:{ports['parent']}",
            "nameservers": {ns: f"127.0.0.1:{ports[ns]}" for ns in self.nameservers},
            "bootstrap": f"{base}/dns.json",
            "resolver": f"127.0.0.1:{ports['resolver']}",  # never the system's: these tests stay on loopback
            "company": "Linkpile",
            **options,
        }

    def _registry_text(self) -> str:
        """What the tests' resolver knows: the registry zone, without the delegation."""
        return (
            "@ 3600 IN SOA a.nic.example. hostmaster.nic.example. 1 7200 900 1209600 3600\n"
            "@ 86400 IN NS a.nic.example.\na.nic.example. 3600 IN A 127.0.0.1\n"
        )

    def _parent_text(self, key: Key) -> str:
        lines = [
            "@ 3600 IN SOA a.nic.example. hostmaster.nic.example. 1 7200 900 1209600 3600",
            "@ 86400 IN NS a.nic.example.",
            "a.nic.example. 3600 IN A 127.0.0.1",
            *(f"linkpile 172800 IN NS {ns}." for ns in self.nameservers),
        ]
        if self.glue:
            lines += [f"{ns}. 172800 IN A 127.0.0.1" for ns in self.nameservers if ns.endswith(DOMAIN)]
        if self.signed and self.ds != "none":
            lines.append(
                f"linkpile 86400 IN DS {(key if self.ds == 'match' else Key.make()).ds(DOMAIN + '.')}"
            )
        return "\n".join(lines) + "\n"

    def _child_text(self, serial: int) -> str:
        listed = self.zone_nameservers if self.zone_nameservers is not None else self.nameservers
        lines = [
            f"@ {self.soa_ttl} IN SOA {listed[0]}. hostmaster.linkpile.example. {serial} 7200 900 1209600 {self.negative_ttl}",
            *(f"@ {self.ns_ttl} IN NS {ns}." for ns in listed),
            *(f"{ns}. 3600 IN A {self.zone_address}" for ns in listed if ns.endswith(DOMAIN)),
            "@ 300 IN A 192.0.2.10",
            "@ 300 IN MX 10 mail.linkpile.example.",
            "mail 300 IN A 192.0.2.25",
            *(f"@ 3600 IN CAA {caa}" for caa in self.caa),
            *([f'@ 300 IN TXT "{self.spf}"'] if self.spf else []),
            *(f'@ 300 IN TXT "{"x" * 250}" "{n}"' for n in range(self.big_txt)),
            *([f'_dmarc 300 IN TXT "{self.dmarc}"'] if self.dmarc else []),
        ]
        return "\n".join(lines) + "\n"

    def _domain(self) -> dict[str, Any]:
        return domain(
            DOMAIN,
            registrar="Gandi SAS",
            iana_id="81",
            created=self.now - 3 * 365 * DAY,
            expires=self.now + self.expires_in,
            statuses=self.statuses,
            registrant=self.registrant,
            nameservers=self.nameservers,
            signed=self.signed and self.ds != "none",
        )
