"""The dns probe's readers of other people's text (RDAP documents, SPF and DMARC records,
addresses, company names), each against what it must never do (raise, accept nonsense) and
what it must always do (read back what was written)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from examples.dns.loopback import bootstrap, domain
from hypothesis import given
from hypothesis import strategies as st

from devoops.probes.dns import mailauth
from devoops.probes.dns.probe import domain_name
from devoops.probes.dns.rdap import Registration, Unread, instant, parse, server_for, status
from devoops.probes.dns.registration import same_company
from devoops.probes.dns.wire import address

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)
KEYS = ["objectClassName", "events", "status", "entities", "links", "redacted", "vcardArray", "roles"]
rdap_like = st.recursive(
    st.none()
    | st.integers()
    | st.text(max_size=20)
    | st.sampled_from(["registrant", "registrar", "org", "fn", "vcard"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)


@pytest.mark.hostile
@given(json_values | rdap_like)
def test_any_json_is_read_or_refused_with_a_cause_never_raised(document: Any) -> None:
    try:
        read = parse(document, "https://rdap.test/domain/x.test")
    except Unread as exc:
        assert str(exc)
        return
    assert isinstance(read, Registration)
    assert all(isinstance(p, str) and p for p in read.problems)


@given(
    created=st.datetimes(
        min_value=dt.datetime(1985, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
    ),
    term=st.integers(min_value=1, max_value=3650),
    statuses=st.lists(
        st.sampled_from(["client transfer prohibited", "server delete prohibited", "active"]), max_size=3
    ),
    registrant=st.none()
    | st.text(st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=40).filter(str.strip),
)
def test_a_document_written_from_rfc_9083_reads_back(
    created: dt.datetime, term: int, statuses: list[str], registrant: str | None
) -> None:
    created = created.replace(microsecond=0)
    expires = created + dt.timedelta(days=term)
    document = domain(
        "linkpile.example",
        registrar="Gandi SAS",
        iana_id="81",
        created=created,
        expires=expires,
        statuses=statuses,
        registrant=registrant,
    )
    read = parse(json.loads(json.dumps(document)), "https://rdap.test/domain/linkpile.example")
    assert (read.created, read.expires, read.statuses, read.registrar, read.registrar_id) == (
        created,
        expires,
        tuple(statuses),
        "Gandi SAS",
        "81",
    )
    assert read.problems == ()
    if registrant is None:
        assert (read.registrant, read.redacted) == (None, False)
    elif read.registrant is None:  # words such as "private" or "proxy" read as a privacy service
        assert read.redacted
    else:
        assert read.registrant == " ".join(registrant.split())


@given(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5, minutes=-30))]),
    )
)
def test_rfc_3339_instants_read_back_in_utc(when: dt.datetime) -> None:
    assert instant(when.isoformat()) == when
    assert instant(when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")) == when


@pytest.mark.hostile
@given(st.text(max_size=50) | st.integers() | st.none())
def test_an_instant_is_a_date_or_none_never_an_exception(text: Any) -> None:
    read = instant(text)
    assert read is None or read.tzinfo == dt.UTC


@given(
    st.lists(
        st.sampled_from(["client", "server", "transfer", "delete", "update", "prohibited"]),
        min_size=1,
        max_size=4,
    )
)
def test_epp_and_rdap_spellings_of_a_status_agree(words: list[str]) -> None:
    rdap = " ".join(words)
    epp = words[0] + "".join(w.capitalize() for w in words[1:])
    assert status(rdap) == status(epp) == status(rdap.upper().replace(" ", "  ")) == rdap


def test_bootstrap_picks_the_entry_matching_most_labels_and_prefers_https() -> None:
    registry = bootstrap({"example": "http://a.test/"})
    registry["services"] += [
        [["co.example"], ["http://b.test/", "https://b.test/"]],
        ["not", "a service"],
        [["example2"], "not a list"],
    ]
    assert server_for(registry, "linkpile.example") == "http://a.test/"
    assert server_for(registry, "linkpile.co.example") == "https://b.test/"
    assert server_for(registry, "linkpile.test") is None
    with pytest.raises(Unread):
        server_for({"services": "none"}, "linkpile.example")


# --- SPF and DMARC

spf_terms = st.lists(
    st.sampled_from(
        ["mx", "a", "include:_spf.google.com", "ip4:192.0.2.0/24", "ip6:2001:db8::/32", "exp=x.test"]
    ),
    max_size=5,
)


@given(terms=spf_terms, final=st.sampled_from(["-all", "~all", "?all", "+all", "all", ""]))
def test_spf_reads_the_final_all_whatever_comes_before(terms: list[str], final: str) -> None:
    record = " ".join(["v=spf1", *terms, final]).strip()
    read = mailauth.spf(["google-site-verification=abc", record])
    expected = {
        "-all": "fail",
        "~all": "softfail",
        "?all": "neutral",
        "+all": "open",
        "all": "open",
        "": "neutral",
    }
    assert read.state == expected[final]
    assert read.record == record


@pytest.mark.hostile
@given(st.text(max_size=80))
def test_any_txt_text_reads_as_an_spf_state(text: str) -> None:
    assert mailauth.spf([text]).state in (
        "none",
        "invalid",
        "open",
        "neutral",
        "softfail",
        "fail",
        "redirect",
    )
    read = mailauth.dmarc([text])
    assert read.policy in (None, "none", "quarantine", "reject")


def test_spf_errors_and_redirects() -> None:
    assert mailauth.spf(["v=spf1 -all", "v=spf1 mx -all"]).state == "invalid"
    assert mailauth.spf(["v=spf1 mx bogus:x -all"]).state == "invalid"
    assert mailauth.spf(["v=spf1 redirect=_spf.linkpile.example"]).state == "redirect"
    assert mailauth.spf(["v=spf10 -all"]).state == "none"


@given(
    policy=st.sampled_from(["none", "quarantine", "reject"]),
    sub=st.none() | st.sampled_from(["none", "quarantine", "reject"]),
    pct=st.integers(min_value=0, max_value=100),
    spacing=st.sampled_from([";", "; ", " ; "]),
)
def test_dmarc_tags_read_back(policy: str, sub: str | None, pct: int, spacing: str) -> None:
    tags = ["v=DMARC1", f"p={policy}", *([f"sp={sub}"] if sub else []), f"pct={pct}", "rua=mailto:d@x.test"]
    read = mailauth.dmarc([spacing.join(tags)])
    assert (read.policy, read.subdomains, read.pct) == (policy, sub, pct)
    level = {"none": 0, "quarantine": 1, "reject": 2}
    enforced = level[policy] - (1 if pct < 100 and policy != "none" else 0)
    if sub is not None:
        enforced = min(enforced, level[sub])
    assert level[read.enforced] == enforced


def test_dmarc_records_receivers_ignore() -> None:
    assert mailauth.dmarc([]).policy is None
    assert mailauth.dmarc(["v=DMARC1; p=reject", "v=DMARC1; p=none"]).policy is None  # two: none applies
    assert mailauth.dmarc(["v=DMARC1; p=bogus"]).policy is None
    assert mailauth.dmarc(["v=DMARC1; p=bogus; rua=mailto:d@x.test"]).policy == "none"
    assert mailauth.dmarc(["p=reject; v=DMARC1"]).policy is None  # v= must come first


# --- addresses, names and companies


@given(st.ip_addresses(), st.integers(min_value=1, max_value=65535))
def test_addresses_read_back(ip: Any, port: int) -> None:
    written = f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"
    assert address(written) == (str(ip), port)
    assert address(str(ip)) == (str(ip), 53)


@pytest.mark.parametrize("text", ["ns1.example:53", "127.0.0.1:0", "127.0.0.1:x", "[::1", "[::1]x", ""])
def test_what_is_no_address_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        address(text)


@given(st.from_regex(r"[a-z][a-z0-9]{0,20}(-[a-z0-9]{1,10})?\.[a-z]{2,10}", fullmatch=True))
def test_a_domain_name_reads_back_as_itself(name: str) -> None:
    assert domain_name(name.upper() + ".") == name


@given(
    name=st.lists(st.from_regex(r"[A-Z][a-z]{2,10}", fullmatch=True), min_size=1, max_size=3).map(" ".join),
    form=st.sampled_from(["", " Ltd", ", Inc.", " GmbH", " SAS", " Labs LLC"]),
)
def test_a_company_is_itself_with_or_without_its_legal_form(name: str, form: str) -> None:
    assert same_company(name + form, name)
    assert same_company(name.upper().replace(" ", ""), name)
    assert not same_company("Q9 Ltd", name)  # no generated name has a digit
