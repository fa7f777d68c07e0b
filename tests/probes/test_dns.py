"""The dns probe against real DNS and RDAP servers on 127.0.0.1: a healthy domain, then each
thing that goes wrong with one, changed alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from examples.dns.loopback import Loopback, Page

from devoops.model.evidence import ProbeResult, Status

from ..conftest import workload
from .dnsservers import DAY, DOMAIN, TWO, World, loopback
from .support import free_port, probe

__all__ = ["loopback"]  # the fixture, used by name


def run(servers: Loopback, world: World | None = None, **options: Any) -> ProbeResult:
    world = world or World()
    return probe("dns", DOMAIN, world.start(servers, **options))


def verdicts(result: ProbeResult) -> dict[str, str]:
    return {v.practice: v.choice for v in result.evidence.verdicts}


def measured(result: ProbeResult, name: str) -> float | None:
    return next(m.value for m in result.evidence.measurements if m.name == name)


def table(result: ProbeResult, title: str) -> list[list[Any]]:
    return next(t.rows for t in result.evidence.tables if t.title == title)


# --- a healthy domain


def test_a_healthy_domain_passes_and_proves_every_practice_at_its_best(loopback: Loopback) -> None:
    result = run(loopback)
    assert result.status == Status.PASS, result.evidence.summary
    assert verdicts(result) == {
        "dns.owner-known": "company-locked",
        "dns.dnssec": "signed",
        "dns.caa": "issuers-listed",
        "email.anti-spoofing": "reject",
        "dns.vendor-independent": "multi-provider",
    }
    assert measured(result, "days to domain expiry") == 400
    assert measured(result, "days to signature expiry") == 20  # signed to expire 20 days after NOW
    assert measured(result, "DNS providers") == 2 and measured(result, "nameservers not answering") == 0
    assert measured(result, "NS TTL at the parent") == 2880 and measured(result, "NS TTL") == 1440  # minutes
    assert [row[:6] for row in table(result, "nameservers")] == [
        ["ns1.alpha-dns.example", "parent", "127.0.0.1", "alpha-dns", "yes", 2026112901],
        ["ns2.bravo-dns.example", "parent", "127.0.0.1", "bravo-dns", "yes", 2026112901],
    ]
    assert "registered to Linkpile Labs Ltd" in result.evidence.summary


# --- the registration


@pytest.mark.parametrize(
    ("change", "choice", "says"),
    [
        ({"expires_in": 12 * DAY}, "company-locked-unwatched", "expires in 12 days"),
        ({"statuses": ("active",)}, "company-unlocked", "no transfer lock (statuses: active)"),
        (
            {"statuses": ("client transfer prohibited", "redemption period")},
            "unknown",
            "in redemption period",
        ),
        ({"expires_in": -3 * DAY}, "unknown", "expired on"),
        ({"registrant": "Jane Doe"}, "personal", "registered to 'Jane Doe', not to 'Linkpile'"),
        ({"registrant": "Jane Doe", "expires_in": 5 * DAY}, "personal", "expires in 5 days"),
    ],
)
def test_what_the_registration_shows_decides_who_holds_the_domain_and_how_safely(
    loopback: Loopback, change: dict[str, Any], choice: str, says: str
) -> None:
    result = run(loopback, World(**change))
    assert result.status == Status.FAIL
    assert says in result.evidence.summary
    assert verdicts(result)["dns.owner-known"] == choice


def test_a_domain_within_the_warning_days_is_measured_against_them(loopback: Loopback) -> None:
    result = run(loopback, World(expires_in=40 * DAY), expiry_warning_days=60)
    days = next(m for m in result.evidence.measurements if m.name == "days to domain expiry")
    assert (days.value, days.target, days.ok) == (40, 60, False)
    assert verdicts(result)["dns.owner-known"] == "company-locked-unwatched"


def test_a_redacted_registrant_leaves_the_holder_to_the_answer(loopback: Loopback) -> None:
    """Most registrars redact the registrant: the probe cannot see who holds the domain, so
    the answer says who, and the evidence can only lower it (a missing lock)."""
    redacted = World(registrant="REDACTED FOR PRIVACY")
    answered = workload(practices={"dns.owner-known": "personal"})
    result = probe("dns", DOMAIN, redacted.start(loopback), workload=answered)
    assert verdicts(result)["dns.owner-known"] == "personal"
    assert "the registrant is redacted; devoops.yaml answers personal" in result.evidence.summary
    unanswered = probe("dns", DOMAIN, World(registrant=None).start(loopback), workload=workload())
    assert "dns.owner-known" not in verdicts(unanswered)
    assert "devoops.yaml does not say who holds the domain" in unanswered.evidence.summary
    claimed = workload(practices={"dns.owner-known": "company-locked"})
    unlocked = World(registrant=None, statuses=("active",))
    assert verdicts(probe("dns", DOMAIN, unlocked.start(loopback), workload=claimed))["dns.owner-known"] == (
        "company-unlocked"
    )


def test_the_company_defaults_to_the_apps_name(loopback: Loopback) -> None:
    options = World(registrant="Shop Holdings GmbH").start(loopback)
    del options["company"]
    result = probe("dns", DOMAIN, options, workload=workload())  # the app is named "shop"
    assert verdicts(result)["dns.owner-known"] == "company-locked"


@pytest.mark.hostile
def test_malformed_rdap_is_unknown_for_the_registration_and_the_zone_still_counts(loopback: Loopback) -> None:
    path = f"/rdap/domain/{DOMAIN}"
    result = run(loopback, World(rdap_pages={path: Page(b'{"objectClassName": "domain", ', raw=True)}))
    assert result.status == Status.UNKNOWN
    assert "malformed JSON" in result.evidence.summary
    assert "dns.owner-known" not in verdicts(result)
    assert verdicts(result)["dns.dnssec"] == "signed"


@pytest.mark.hostile
def test_rdap_fields_of_the_wrong_type_are_named_and_the_rest_still_counts(loopback: Loopback) -> None:
    world = World()
    options = world.start(loopback)
    document = world._domain()
    document["events"] = "tomorrow"
    document["status"] = ["client transfer prohibited", 7]
    world.rdap.pages[f"/rdap/domain/{DOMAIN}"] = Page(document)
    result = probe("dns", DOMAIN, options)
    assert result.status == Status.UNKNOWN
    summary = result.evidence.summary
    assert "events is not a list" in summary and "status holds values that are not text" in summary
    assert "the expiration date is not published" in summary
    assert measured(result, "days to domain expiry") is None
    assert "dns.owner-known" not in verdicts(result)  # locked, but for how long is not published


@pytest.mark.hostile
def test_a_huge_rdap_answer_is_refused(loopback: Loopback) -> None:
    huge = Page(b"[" + b"1," * 700_000 + b"1]", raw=True)
    result = run(loopback, World(rdap_pages={f"/rdap/domain/{DOMAIN}": huge}))
    assert "sent a response over 1 MB; refused" in result.evidence.summary
    assert result.status == Status.UNKNOWN


@pytest.mark.hostile
def test_a_slow_rdap_server_is_unknown_within_its_timeout(loopback: Loopback) -> None:
    slow = World(rdap_pages={"/dns.json": Page({"services": []}, delay=3)})
    result = run(loopback, slow, rdap_timeout=1)
    assert result.status == Status.UNKNOWN
    assert "/dns.json did not answer within 1 s" in result.evidence.summary


def test_an_rdap_server_nobody_runs_and_a_bootstrap_without_the_tld_are_unknown(loopback: Loopback) -> None:
    refused = run(loopback, bootstrap=f"http://127.0.0.1:{free_port()}/dns.json")
    assert refused.status == Status.UNKNOWN and "cannot be reached" in refused.evidence.summary
    world = World(
        rdap_pages={"/dns.json": Page({"version": "1.0", "services": [[["com"], ["https://x.test/"]]]})}
    )
    missing = run(loopback, world)
    assert "names no RDAP server for linkpile.example" in missing.evidence.summary


def test_the_rdap_option_skips_the_bootstrap(loopback: Loopback) -> None:
    world = World()
    options = world.start(loopback)
    base = options.pop("bootstrap").removesuffix("/dns.json")
    result = probe("dns", DOMAIN, {**options, "rdap": f"{base}/rdap", "bootstrap": "http://127.0.0.1:1/x"})
    assert verdicts(result)["dns.owner-known"] == "company-locked"
    assert "/dns.json" not in world.rdap.asked


def test_a_thin_registrys_related_link_gives_the_registrant(loopback: Loopback) -> None:
    world = World(registrant=None)
    options = world.start(loopback)
    registry = world._domain()
    base = options["bootstrap"].removesuffix("/dns.json")
    registry["links"].append(
        {"rel": "related", "href": f"{base}/registrar/domain/{DOMAIN}", "type": "application/rdap+json"}
    )
    world.rdap.pages[f"/rdap/domain/{DOMAIN}"] = Page(registry)
    world.rdap.pages[f"/registrar/domain/{DOMAIN}"] = Page(
        dataclasses.replace(world, registrant="Linkpile")._domain()
    )
    result = probe("dns", DOMAIN, options)
    assert verdicts(result)["dns.owner-known"] == "company-locked"
    assert f"/registrar/domain/{DOMAIN}" in world.rdap.asked
    # a registrar whose RDAP fails leaves the holder to the answer; the registry's data still counts
    world.rdap.pages[f"/registrar/domain/{DOMAIN}"] = Page(b"<html>maintenance</html>", raw=True)
    answered = workload(practices={"dns.owner-known": "company-locked"})
    flaky = probe("dns", DOMAIN, options, workload=answered)
    assert flaky.status == Status.PASS, flaky.evidence.summary
    assert "the registrant is not read (the registrar's record: " in flaky.evidence.summary
    assert "sent malformed JSON" in flaky.evidence.summary


# --- the nameservers


def test_one_provider_family_is_one_provider_however_many_nameservers(loopback: Loopback) -> None:
    one = run(loopback, World(nameservers=("ns1.alpha-dns.example", "ns2.alpha-dns.example")))
    assert verdicts(one)["dns.vendor-independent"] == "single-independent"
    assert measured(one, "DNS providers") == 1
    route53 = run(loopback, World(nameservers=("ns-1.awsdns-01.org", "ns-2.awsdns-02.com")))
    assert verdicts(route53)["dns.vendor-independent"] == "cloud-vendor-only"
    assert "DNS from one provider, aws, a cloud's own DNS" in route53.evidence.summary


def test_with_an_inventory_the_cloud_that_runs_production_decides(loopback: Loopback) -> None:
    inventory = {"defaults": {"provider": "gcp"}, "components": {"web": {"kind": "app"}}}
    on_gcp = workload(inventory=inventory)
    world = World(nameservers=("ns-1.awsdns-01.org", "ns-2.awsdns-02.com"))
    result = probe("dns", DOMAIN, world.start(loopback), workload=on_gcp)
    assert verdicts(result)["dns.vendor-independent"] == "single-independent"


def test_nameservers_inside_the_domain_are_self_hosted_and_need_glue(loopback: Loopback) -> None:
    inside = ("ns1.linkpile.example", "ns2.linkpile.example")
    glued = run(loopback, World(nameservers=inside))
    assert glued.status == Status.PASS, glued.evidence.summary
    assert verdicts(glued)["dns.vendor-independent"] == "self-hosted"
    assert "glue at the parent for ns1.linkpile.example, ns2.linkpile.example" in glued.evidence.summary
    # data only: the probe reaches every nameserver through the `nameservers` option
    moved = run(loopback, World(nameservers=inside, zone_address="192.0.2.53"))
    assert moved.status == Status.FAIL
    assert (
        "the parent's glue for ns1.linkpile.example (127.0.0.1) differs from the zone's own (192.0.2.53)"
        in (moved.evidence.summary)
    )
    unglued = run(loopback, World(nameservers=inside, glue=False))
    assert unglued.status == Status.FAIL
    assert (
        "ns1.linkpile.example is inside the zone it serves, but the parent gives no address for it (glue)"
        in (unglued.evidence.summary)
    )


def test_vanity_nameservers_are_the_provider_the_settings_name(loopback: Loopback) -> None:
    inside = ("ns1.linkpile.example", "ns2.linkpile.example")
    providers = {ns: "cloudflare" for ns in inside}
    result = run(loopback, World(nameservers=inside), providers=providers)
    assert verdicts(result)["dns.vendor-independent"] == "single-independent"
    assert {row[3] for row in table(result, "nameservers")} == {"cloudflare"}


def test_nameservers_disagreeing_on_the_serial_fail(loopback: Loopback) -> None:
    result = run(loopback, World(serials={TWO[1]: 2026112801}))
    assert result.status == Status.FAIL
    assert "SOA serials 2026112901 at ns1.alpha-dns.example; 2026112801 at ns2.bravo-dns.example" in (
        result.evidence.summary
    )
    assert measured(result, "SOA serials") == 2
    assert verdicts(result)["dns.vendor-independent"] == "secondary-unsynced"


def test_the_parent_and_the_zone_disagreeing_on_the_nameservers_fail(loopback: Loopback) -> None:
    world = World(zone_nameservers=(TWO[0], "ns3.bravo-dns.example"))
    result = run(loopback, world)
    assert result.status == Status.FAIL
    summary = result.evidence.summary
    assert "only the parent lists ns2.bravo-dns.example; only the zone lists ns3.bravo-dns.example" in summary
    # the name only the zone lists is asked too: it has no address anywhere
    assert "nameserver ns3.bravo-dns.example: its address:" in summary


@pytest.mark.hostile
def test_a_zone_listing_endless_nameservers_is_asked_about_the_first_26(loopback: Loopback) -> None:
    listed = (*TWO, *(f"ns{n}.bravo-dns.example" for n in range(3, 41)))
    result = run(loopback, World(zone_nameservers=listed))
    assert measured(result, "nameservers") == 26
    assert "14 more nameservers listed, not asked" in result.evidence.summary


def test_a_silent_nameserver_fails_within_the_timeout_and_the_others_still_count(loopback: Loopback) -> None:
    result = run(loopback, World(modes={TWO[1]: "silent"}), query_timeout=1)
    assert result.status == Status.FAIL
    assert "nameserver ns2.bravo-dns.example (127.0.0.1): no answer within 1 s" in result.evidence.summary
    assert measured(result, "nameservers not answering") == 1
    assert verdicts(result)["dns.dnssec"] == "signed"  # read from the one that answers


def test_when_no_nameserver_answers_the_zone_is_unknown_not_a_hang(loopback: Loopback) -> None:
    world = World(modes={TWO[0]: "silent", TWO[1]: "silent"})
    result = run(loopback, world, query_timeout=1)
    assert result.status == Status.FAIL  # two nameservers silent is a fact
    assert "DNSSEC, CAA and mail records could not be read" in result.evidence.summary
    assert set(verdicts(result)) == {"dns.owner-known", "dns.vendor-independent"}


def test_a_silent_parent_is_unknown_and_a_silent_everything_an_error(loopback: Loopback) -> None:
    world = World()
    options = world.start(loopback, query_timeout=1)
    world.authorities["parent"].mode = "silent"
    result = probe("dns", DOMAIN, options)
    assert result.status == Status.UNKNOWN
    assert "parent (127.0.0.1): no answer within 1 s" in result.evidence.summary
    options["bootstrap"] = f"http://127.0.0.1:{free_port()}/dns.json"
    broken = probe("dns", DOMAIN, options)
    assert broken.status == Status.ERROR and "cannot be reached" in broken.evidence.summary


def test_a_domain_the_parent_does_not_know_fails(loopback: Loopback) -> None:
    options = World().start(loopback)
    result = probe("dns", "unknown.example", options)
    assert result.status == Status.FAIL
    summary = result.evidence.summary
    assert "the parent zone has no such domain (parent (127.0.0.1) answered NXDOMAIN)" in summary
    assert "/rdap/domain/unknown.example has no record of it (HTTP 404)" in summary


def test_a_refused_connection_is_told_apart_from_silence(loopback: Loopback) -> None:
    result = run(loopback, World(closed=(TWO[1],)), query_timeout=30)
    assert result.status == Status.FAIL
    assert "nameserver ns2.bravo-dns.example (127.0.0.1): nothing listens on port" in result.evidence.summary
    assert "(connection refused)" in result.evidence.summary


def test_a_server_refusing_the_zone_is_a_lame_delegation(loopback: Loopback) -> None:
    result = run(loopback, World(modes={TWO[1]: "refuse"}))
    assert (
        "nameserver ns2.bravo-dns.example (127.0.0.1): answered REFUSED for the zone's SOA"
        in result.evidence.summary
    )
    assert result.status == Status.FAIL


@pytest.mark.hostile
def test_an_answer_that_is_no_dns_message_is_said_so(loopback: Loopback) -> None:
    result = run(loopback, World(modes={TWO[1]: "garbage"}))
    assert result.status == Status.FAIL
    assert "nameserver ns2.bravo-dns.example (127.0.0.1): a malformed answer" in result.evidence.summary


def test_a_secret_in_a_setting_never_shows_even_in_an_error(loopback: Loopback) -> None:
    options = World().start(loopback)
    options["rdap"] = f"http://127.0.0.1:{free_port()}/${{RDAP_KEY}}/"
    result = probe("dns", DOMAIN, options, env={"RDAP_KEY": "s3cr3t-rdap-key"})
    assert "cannot be reached" in result.evidence.summary and "/***/domain/" in result.evidence.summary
    assert "s3cr3t" not in result.model_dump_json()


def test_a_truncated_answer_is_read_again_over_tcp(loopback: Loopback) -> None:
    world = World(big_txt=8)  # the apex TXT set outgrows the 1232-byte UDP answer
    result = run(loopback, world)
    assert result.status == Status.PASS, result.evidence.summary
    assert (
        "answers read over TCP after a truncated UDP answer: linkpile.example TXT" in result.evidence.summary
    )
    assert verdicts(result)["email.anti-spoofing"] == "reject"  # the SPF record came over TCP
    assert world.authorities[TWO[0]].asked["tcp"] >= 1
    always = World(modes={TWO[0]: "truncate", TWO[1]: "truncate"})
    assert run(loopback, always).status == Status.PASS


def test_ttls_far_out_of_range_fail(loopback: Loopback) -> None:
    short = run(loopback, World(ns_ttl=60))
    assert short.status == Status.FAIL and "the zone's NS TTL is 60 s" in short.evidence.summary
    long = run(loopback, World(ns_ttl=1_209_600))
    assert (
        long.status == Status.FAIL and "the zone's NS TTL is 1209600 s (over a week)" in long.evidence.summary
    )
    capped = run(loopback, World(negative_ttl=172800))  # the SOA's own TTL (3600 s) caps it
    assert capped.status == Status.PASS and measured(capped, "negative-caching TTL") == 60
    long_negative = run(loopback, World(negative_ttl=172800, soa_ttl=172800))
    assert long_negative.status == Status.FAIL
    assert "the negative-caching TTL is 172800 s" in long_negative.evidence.summary


# --- DNSSEC


@pytest.mark.parametrize(
    ("change", "choice", "status", "says"),
    [
        ({"ds": "other-key"}, "broken", Status.FAIL, "no DNSKEY matches the DS at the parent"),
        (
            {"signatures": (-30 * DAY, -DAY)},
            "broken",
            Status.FAIL,
            "the signature over the DNSKEY set expired 2026-11-28",
        ),
        ({"signatures": (DAY, 30 * DAY)}, "broken", Status.FAIL, "is not valid until 2026-11-30"),
        (
            {"signatures": (-28 * DAY, dt.timedelta(hours=20))},
            "expiring",
            Status.FAIL,
            "in 20 hours, and nothing has renewed it",
        ),
        ({"signed": False}, "unsigned", Status.PASS, "no DS at the parent and no DNSKEY in the zone"),
        (
            {"ds": "none"},
            "unsigned",
            Status.PASS,
            "the zone publishes DNSKEY records but the parent has no DS",
        ),
    ],
)
def test_the_dnssec_chain(
    loopback: Loopback, change: dict[str, Any], choice: str, status: Status, says: str
) -> None:
    result = run(loopback, World(**change))
    assert verdicts(result)["dns.dnssec"] == choice
    assert result.status == status, result.evidence.summary
    assert says in result.evidence.summary


def test_a_short_lived_signature_renewed_online_is_not_expiring(loopback: Loopback) -> None:
    """Online signers sign with a window of a day or two; a fresh one is fine."""
    result = run(loopback, World(signatures=(-dt.timedelta(hours=1), 2 * DAY)))
    assert verdicts(result)["dns.dnssec"] == "signed"


def test_a_record_changed_after_signing_breaks_the_chain(loopback: Loopback) -> None:
    result = run(loopback, World(edited_after_signing=True))
    assert verdicts(result)["dns.dnssec"] == "broken"
    assert "the signature over the SOA does not verify with the zone's keys" in result.evidence.summary


# --- CAA and mail


@pytest.mark.parametrize(
    ("caa", "choice"),
    [
        ((), "none"),
        (('0 iodef "mailto:security@linkpile.example"',), "none"),
        (('0 issue "letsencrypt.org"', '0 issue "amazon.com"'), "issuers-listed"),
        (
            ('0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1"',),
            "account-bound",
        ),
        (('0 issue ";"',), "account-bound"),
    ],
)
def test_caa(loopback: Loopback, caa: tuple[str, ...], choice: str) -> None:
    result = run(loopback, World(caa=caa))
    assert verdicts(result)["dns.caa"] == choice
    assert result.status == Status.PASS  # a weaker CAA is the lens's to weigh, not a failure


@pytest.mark.parametrize(
    ("spf", "dmarc", "choice", "status"),
    [
        (None, None, "none", Status.FAIL),
        ("v=spf1 mx -all", None, "partial", Status.FAIL),
        ("v=spf1 mx -all", "v=DMARC1; p=none; rua=mailto:d@linkpile.example", "partial", Status.FAIL),
        (None, "v=DMARC1; p=reject", "partial", Status.FAIL),
        ("v=spf1 mx +all", "v=DMARC1; p=reject", "partial", Status.FAIL),
        ("v=spf1 mx ~all", "v=DMARC1; p=quarantine", "quarantine", Status.PASS),
        ("v=spf1 mx -all", "v=DMARC1; p=reject; pct=50", "quarantine", Status.PASS),
        ("v=spf1 mx -all", "v=DMARC1; p=reject; sp=none", "partial", Status.FAIL),
        ("v=spf1 -all", "v=DMARC1; p=reject", "reject", Status.PASS),
    ],
)
def test_spf_and_dmarc_decide_whether_mail_can_be_forged(
    loopback: Loopback, spf: str | None, dmarc: str | None, choice: str, status: Status
) -> None:
    result = run(loopback, World(spf=spf, dmarc=dmarc))
    assert verdicts(result)["email.anti-spoofing"] == choice
    assert result.status == status, result.evidence.summary


def test_mail_false_skips_spf_and_dmarc(loopback: Loopback) -> None:
    world = World(spf=None, dmarc=None)
    result = run(loopback, world, mail=False)
    assert result.status == Status.PASS and "email.anti-spoofing" not in verdicts(result)


# --- finding the parent through a resolver


def test_the_parent_is_found_through_the_resolver(loopback: Loopback) -> None:
    world = World()
    options = world.start(loopback)
    parent_port = options.pop("parent").rsplit(":", 1)[1]
    # the tests' resolver knows the registry zone and its server's name, as a recursive one would
    options["nameservers"]["a.nic.example"] = f"127.0.0.1:{parent_port}"
    result = probe("dns", DOMAIN, options)
    assert result.status == Status.PASS, result.evidence.summary
    assert world.authorities["parent"].asked["udp"] >= 2  # the delegation and the DS


def test_a_target_or_setting_that_is_not_one_is_refused_when_the_file_loads() -> None:
    from devoops.probes.dns.probe import DnsProbe

    for target in ("https://linkpile.example", "www.linkpile.example", "linkpile", "-x.example", "example"):
        with pytest.raises(ValueError):
            DnsProbe.validate(target, {})
    for options in (
        {"parent": "ns.example:53"},
        {"nameservers": {"ns1.x.example": "127.0.0.1:99999"}},
        {"rdap": "ftp://x"},
    ):
        with pytest.raises(ValueError):
            DnsProbe.validate("linkpile.example", options)
    assert DnsProbe.validate("Linkpile.Example.", {}).target == "linkpile.example"
    assert DnsProbe.validate("bücher.example", {}).target == "xn--bcher-kva.example"
