"""What the dns probe's findings do beyond its own result: the inventory components they make,
the registrar-lapse scenario they price, and the sample of docs/probes/dns.md they print."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from examples.dns.loopback import Loopback
from examples.dns.serve import Linkpile
from ruamel.yaml import YAML

from devoops.api import assess_file, audit_file
from devoops.api.workload import load_workload
from devoops.evaluate import assess
from devoops.importers.dns import families, family, inventory, registrar_provider
from devoops.lens import load_lens
from devoops.model.common import Horizon, Risk
from devoops.model.inventory import Inventory
from devoops.probes.dns.probe import discover
from devoops.report.markdown import render

from ..conftest import NOW, ROOT
from ..helpers import cli
from .dnsservers import DOMAIN, World, loopback
from .support import run_probe

__all__ = ["loopback"]  # the fixture, used by name

SAMPLE = re.compile(r"<!-- sample: (?P<what>[^>]*?) -->\n```\n(?P<body>.*?)\n```", re.S)
TOOK = re.compile(r"\| \d+\.\d s \|")


@pytest.mark.parametrize(
    ("nameserver", "provider"),
    [
        ("ns-1163.awsdns-17.org", "aws"),
        ("ns-56.awsdns-07.com.", "aws"),
        ("ns-2001.awsdns-58.co.uk", "aws"),
        ("ns-cloud-a1.googledomains.com", "gcp"),
        ("ns1-03.azure-dns.com", "azure"),
        ("ns4-03.azure-dns.info", "azure"),
        ("lara.ns.cloudflare.com", "cloudflare"),
        ("dns1.p01.nsone.net", "ns1"),
        ("ns1.alpha-dns.example", "alpha-dns"),
        ("ns2.linkpile.example", "linkpile"),
    ],
)
def test_a_nameservers_provider_is_its_registrable_name(nameserver: str, provider: str) -> None:
    assert family(nameserver) == provider


def test_route_53s_four_domains_are_one_provider_and_two_providers_are_two() -> None:
    route53 = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.com", "ns-3.awsdns-03.net", "ns-4.awsdns-04.co.uk"]
    assert list(families(route53)) == ["aws"]
    assert list(families([*route53, "dns1.p01.nsone.net"])) == ["aws", "ns1"]


@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("NameCheap, Inc.", "namecheap"),
        ("GoDaddy.com, LLC", "godaddy"),
        ("Amazon Registrar, Inc.", "aws"),
        ("Gandi SAS", "gandi"),
    ],
)
def test_a_registrar_becomes_a_provider_name(name: str, provider: str) -> None:
    assert registrar_provider(name) == provider


def test_the_components_are_an_inventory_the_loader_accepts() -> None:
    one = inventory(
        "linkpile.example", "NameCheap, Inc.", ["lara.ns.cloudflare.com", "tom.ns.cloudflare.com"]
    )
    assert one.inventory["components"] == {
        "registrar": {
            "kind": "registrar",
            "provider": "namecheap",
            "description": "linkpile.example, registered with NameCheap, Inc.",
        },
        "dns": {
            "kind": "dns",
            "provider": "cloudflare",
            "description": "the linkpile.example zone, served by lara.ns.cloudflare.com, tom.ns.cloudflare.com",
            "depends_on": ["registrar"],
        },
    }
    two = inventory("linkpile.example", "Gandi SAS", ["ns-1.awsdns-01.org", "dns1.p01.nsone.net"])
    assert set(two.inventory["components"]) == {"registrar", "dns-aws", "dns-ns1"}
    assert any("{any_of: [dns-aws, dns-ns1]}" in note for note in two.notes)
    assert any("set its `account`" in note for note in two.notes)
    for imported in (one, two):  # the section the importer writes validates as an inventory
        components = imported.inventory["components"]
        dns_ids = [c for c, v in components.items() if v["kind"] == "dns"]
        entry = {
            "lb": {
                "kind": "load_balancer",
                "depends_on": [{"any_of": dns_ids}] if len(dns_ids) > 1 else dns_ids,
            }
        }
        Inventory.model_validate({"components": {**components, **entry}, "entry": ["lb"]})
    unknown = inventory("linkpile.example", None, [])
    assert unknown.inventory["components"] == {}
    assert any("registrar is not known" in n for n in unknown.notes)


def test_discover_reads_the_registrar_and_the_providers_from_the_servers(loopback: Loopback) -> None:
    world = World()
    options = world.start(loopback)
    del options["company"]
    imported = discover(DOMAIN, options)
    components = imported.inventory["components"]
    assert components["registrar"]["provider"] == "gandi"
    assert {components[c]["provider"] for c in ("dns-alpha-dns", "dns-bravo-dns")} == {
        "alpha-dns",
        "bravo-dns",
    }
    unreachable = discover(
        DOMAIN, {**options, "bootstrap": "http://127.0.0.1:1/dns.json", "query_timeout": 1}
    )
    assert any(n.startswith("not read: the registration:") for n in unreachable.notes)
    assert "registrar" not in unreachable.inventory["components"]
    with pytest.raises(ValueError):
        discover("https://linkpile.example", {})


def test_inventory_import_dns_prints_the_components_and_says_what_it_could_not_read(
    loopback: Loopback,
) -> None:
    options = World().start(loopback)
    rdap = options["bootstrap"].replace("/dns.json", "/rdap/")
    where = [f"--nameserver={name}={at}" for name, at in options["nameservers"].items()]
    done = cli("inventory", "import", "dns", DOMAIN, "--parent", options["parent"], "--rdap", rdap, *where)
    assert done.returncode == 0, done.stderr
    printed = YAML(typ="safe").load(done.stdout)["inventory"]["components"]
    assert (printed["registrar"]["kind"], printed["registrar"]["provider"]) == ("registrar", "gandi")
    assert {printed[c]["provider"] for c in ("dns-alpha-dns", "dns-bravo-dns")} == {"alpha-dns", "bravo-dns"}
    silent = cli(
        "inventory",
        "import",
        "dns",
        DOMAIN,
        "--parent",
        options["parent"],
        "--rdap",
        "http://127.0.0.1:1/",
        *where,
    )
    assert silent.returncode == 0 and "not read: the registration:" in silent.stderr
    assert "registrar:" not in silent.stdout
    wrong = cli("inventory", "import", "dns", DOMAIN, "--nameserver", "ns1.linkpile.example")
    assert wrong.returncode == 2 and "--nameserver takes NAME=IP[:PORT]" in wrong.stderr


def test_a_proven_lock_and_far_expiry_lower_the_registrar_lapse_odds_and_cost(
    loopback: Loopback, tmp_path: Path
) -> None:
    """linkpile answers that a founder's account holds its domain (`personal`: three times the
    base rate of a lapse). The probe proves the company holds it, locked and far from expiry:
    the scenario's rate and expected cost fall to what `company-locked` allows."""
    world = World(
        now=dt.datetime.now(dt.UTC), registrant="Linkpile Labs Ltd", expires_in=dt.timedelta(days=700)
    )
    options = world.start(loopback)
    del options["company"]  # the app's name, linkpile, names the company
    path = tmp_path / "bookmarks.yaml"
    shutil.copy(ROOT / "examples" / "bookmarks.yaml", path)
    text = path.read_text()
    entry = (
        f"  owned:\n    type: dns\n    target: {DOMAIN}\n    options:\n"
        + "".join(f"      {k}: {v!r}\n" for k, v in options.items() if k != "nameservers")
        + "      nameservers:\n"
        + "".join(f"        {ns}: {at!r}\n" for ns, at in options["nameservers"].items())
    )
    path.write_text(text.replace("\nprobes:\n", f"\nprobes:\n{entry}", 1))

    def lapse(result: object) -> tuple[float, float]:
        view = result.assessment.at(Horizon.NOW)  # type: ignore[attr-defined]
        outcome = next(s for s in view.resilience.scenarios if s.scenario == "registrar-lapse")
        return outcome.per_year, outcome.cost_per_year

    answered = assess_file(path, years=0)
    audited = audit_file(path, only=["owned"], years=0)
    (probed,) = audited.assessment.evidence
    assert [v.choice for v in probed.evidence.verdicts if v.practice == "dns.owner-known"] == [
        "company-locked"
    ]
    (before_rate, before_cost), (after_rate, after_cost) = lapse(answered), lapse(audited)
    assert before_rate == pytest.approx(0.02 * 3) and after_rate == pytest.approx(
        0.02 * 0.1
    )  # scenarios.yaml's odds
    assert after_cost < before_cost
    owner = {f.practice: f for f in audited.assessment.at(Horizon.NOW).findings}["dns.owner-known"]
    assert (owner.risk, owner.source, owner.note) == (Risk.NONE, "evidence", "the answer was personal")


def test_the_sample_in_the_docs_is_what_the_probe_reports_on_the_demo_domain(loopback: Loopback) -> None:
    """docs/probes/dns.md shows the report of the demo's domain (examples/dns/serve.py) as of
    the tests' moment: every line it shows is in the Markdown report, in order (the time a
    probe took differs from run to run)."""
    page = (ROOT / "docs" / "probes" / "dns.md").read_text()
    (sample,) = [m["body"] for m in SAMPLE.finditer(page)]
    lens = load_lens()
    w = load_workload(ROOT / "examples" / "bookmarks.yaml", lens).workload
    options = Linkpile(NOW).start(loopback)
    result = asyncio.run(run_probe("dns", DOMAIN, options, workload=w, name="domain"))
    report = render(assess(w, lens, NOW, "examples/bookmarks.yaml", [result], years=0))
    printed = iter(TOOK.sub("| 0.1 s |", line.rstrip()) for line in report.splitlines())
    for line in sample.splitlines():
        if line.strip() in ("", "..."):
            continue
        assert any(TOOK.sub("| 0.1 s |", line.rstrip()) == out for out in printed), (
            f"not printed, or out of order: {line!r}"
        )
