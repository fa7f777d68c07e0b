"""Stand-ins for linkpile.example on loopback, so the demo's `dns` probe has a real domain to
look at: the `.example` registry (the parent zone), linkpile's two Cloudflare nameservers and
an RDAP server with its registration at Namecheap.

    python examples/dns/serve.py                     # serve until Ctrl-C, saying where
    python examples/dns/serve.py -- devoops audit examples/bookmarks.yaml --probe domain
                                                     # serve while the command runs; its exit code

The ports are fixed (15301-15303 for DNS, 15380 for RDAP, or from --port-base) because
examples/bookmarks.yaml names them. The zone is what a small company's looks like: hosted at
Cloudflare, unsigned, mail at Google with SPF but DMARC only monitoring, CAA for the two
authorities it uses; the domain, registered on a founder's account with privacy on, renews
in three weeks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the servers module sits beside this file
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from loopback import Authority, Key, Loopback, Page, Rdap, bootstrap, domain, sign, zone
else:
    from .loopback import Authority, Key, Loopback, Page, Rdap, bootstrap, domain, sign, zone

DOMAIN = "linkpile.example"
NAMESERVERS = ("lara.ns.cloudflare.com", "tom.ns.cloudflare.com")
BASE = 15300
OFFSETS = {"parent": 1, NAMESERVERS[0]: 2, NAMESERVERS[1]: 3, "rdap": 80}

REGISTRY = """\
@ 3600 IN SOA a.nic.example. hostmaster.nic.example. 2026112900 1800 900 604800 3600
@ 172800 IN NS a.nic.example.
a.nic.example. 172800 IN A 127.0.0.1
linkpile 172800 IN NS lara.ns.cloudflare.com.
linkpile 172800 IN NS tom.ns.cloudflare.com.
"""

LINKPILE = """\
@ 3600 IN SOA lara.ns.cloudflare.com. dns.cloudflare.com. 2026112904 10000 2400 604800 1800
@ 86400 IN NS lara.ns.cloudflare.com.
@ 86400 IN NS tom.ns.cloudflare.com.
@ 300 IN A 192.0.2.80
@ 300 IN AAAA 2001:db8::80
www 300 IN CNAME linkpile.example.
api 300 IN A 192.0.2.81
assets 300 IN CNAME linkpile.example.
@ 300 IN MX 1 aspmx.l.google.com.
@ 300 IN MX 5 alt1.aspmx.l.google.com.
@ 300 IN TXT "v=spf1 include:_spf.google.com include:amazonses.com ~all"
_dmarc 300 IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@linkpile.example"
@ 3600 IN CAA 0 issue "amazon.com"
@ 3600 IN CAA 0 issue "letsencrypt.org"
@ 3600 IN CAA 0 iodef "mailto:security@linkpile.example"
"""


@dataclass
class Linkpile:
    """The demo's servers for linkpile.example as of `now`."""

    now: dt.datetime
    authorities: dict[str, Authority] = field(default_factory=dict)
    rdap: Rdap = field(default_factory=Rdap)

    def __post_init__(self) -> None:
        registry = zone("example.", REGISTRY)
        sign(registry, Key.make(), self.now - dt.timedelta(days=2), self.now + dt.timedelta(days=12))
        self.authorities["parent"] = Authority([registry])
        for ns in NAMESERVERS:
            self.authorities[ns] = Authority([zone(f"{DOMAIN}.", LINKPILE)])

    def registration(self) -> dict[str, Any]:
        return domain(
            DOMAIN,
            registrar="NameCheap, Inc.",
            iana_id="1068",
            created=dt.datetime(2023, 3, 14, 9, 26, 41, tzinfo=dt.UTC),
            expires=self.now + dt.timedelta(days=23),
            statuses=["client transfer prohibited"],
            registrant="Privacy service provided by Withheld for Privacy ehf",
            nameservers=NAMESERVERS,
        )

    def start(self, servers: Loopback, ports: Mapping[str, int] | None = None) -> dict[str, Any]:
        """Start every server (each on `ports[part]`, else any free port) and return the dns
        probe's options that reach them."""
        ports = ports or {}
        where = {part: servers.dns(a, ports.get(part, 0)) for part, a in self.authorities.items()}
        rdap = servers.rdap(self.rdap, ports.get("rdap", 0))
        base = f"http://127.0.0.1:{rdap}"
        self.rdap.pages = {
            "/dns.json": Page(bootstrap({"example": f"{base}/rdap/"})),
            f"/rdap/domain/{DOMAIN}": Page(self.registration()),
        }
        return {
            "parent": f"127.0.0.1:{where['parent']}",
            "nameservers": {ns: f"127.0.0.1:{where[ns]}" for ns in NAMESERVERS},
            "bootstrap": f"{base}/dns.json",
        }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[args.index("--") + 1 :] if "--" in args else []
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port-base", type=int, default=BASE, help=f"ports from here (default {BASE})")
    options = parser.parse_args(args[: args.index("--")] if "--" in args else args)
    ports = {part: options.port_base + offset for part, offset in OFFSETS.items()}
    demo = Linkpile(dt.datetime.now(dt.UTC))
    with Loopback() as servers:
        try:
            reach = demo.start(servers, ports)
        except OSError as exc:
            print(f"serve.py: {exc}: a port is taken; choose others with --port-base N", file=sys.stderr)
            return 3
        named = ", ".join(f"{ns} at {at}" for ns, at in reach["nameservers"].items())
        print(f"{DOMAIN} on loopback: its registry at {reach['parent']}, {named}, RDAP {reach['bootstrap']}")
        sys.stdout.flush()
        if command:
            return subprocess.call(command)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        print("serving until Ctrl-C")
        sys.stdout.flush()
        while not stop.wait(1):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
