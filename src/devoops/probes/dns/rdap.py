"""A domain's registration from RDAP (RFC 9083 over HTTP, RFC 7480): the registrar, the dates,
the EPP status codes and the registrant where the registry or registrar publishes one.

The server comes from the IANA bootstrap registry (RFC 9224), or from the settings. A thin
registry (.com, .net) publishes no registrant, only a `related` link to the registrar's own
RDAP server; the probe follows that one link. Every response is read to a bounded size and
parsed defensively: a field missing or of the wrong type is a problem named in the result,
never an exception, and the rest of the document still counts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

from ..bodies import ACCEPT as ACCEPT_ENCODING
from ..bodies import MB, TooLarge, Undecodable, read

if TYPE_CHECKING:
    import aiohttp

IANA_BOOTSTRAP = "https://data.iana.org/rdap/dns.json"
BOOTSTRAP_BYTES = 4 * MB  # the IANA file is about 100 kB
DOCUMENT_BYTES = MB
ACCEPT_JSON = "application/rdap+json, application/json;q=0.9"
REDACTED = re.compile(r"redact|privacy|private|proxy|withheld|not disclosed|data protected|gdpr|masked", re.I)
LOCKS = ("client transfer prohibited", "server transfer prohibited")
LAPSED = ("redemption period", "pending delete", "pending restore", "client hold", "server hold")
"""Statuses of a domain that has lapsed or been taken out of the DNS."""


class Unread(Exception):
    """A registration that could not be read at all; the message is the cause."""


@dataclass(frozen=True)
class Registration:
    """What RDAP says of a domain. `registrant` is the organisation (else the name) as
    published; `redacted` when the server withholds it. `problems` name the fields that could
    not be read."""

    source: str
    registrar: str | None = None
    registrar_id: str | None = None
    created: dt.datetime | None = None
    expires: dt.datetime | None = None
    statuses: tuple[str, ...] = ()
    registrant: str | None = None
    redacted: bool = False
    related: str | None = None
    unread_related: str | None = None  # why the registrar's record, linked for the registrant, was not read
    problems: tuple[str, ...] = ()

    @property
    def locked(self) -> bool:
        return any(s in self.statuses for s in LOCKS)

    @property
    def lapsed(self) -> tuple[str, ...]:
        return tuple(s for s in self.statuses if s in LAPSED)


def status(text: str) -> str:
    """An RDAP status as RFC 8056 spells it (`client transfer prohibited`), whether the server
    wrote that or the EPP code (`clientTransferProhibited`)."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text.strip())
    return " ".join(spaced.lower().replace("_", " ").split())


def instant(text: object) -> dt.datetime | None:
    """An RFC 3339 date-time in UTC, or None when `text` is not one. A date without a zone is
    taken as UTC, as registries that omit it mean."""
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def parse(document: object, source: str) -> Registration:
    """A domain object (RFC 9083 section 5.3) read into a Registration; Unread when it is no
    domain object at all."""
    if not isinstance(document, Mapping):
        raise Unread(f"{source} sent JSON that is not an object")
    if "errorCode" in document and "ldhName" not in document:
        title = document.get("title")
        raise Unread(
            f"{source} answered with an RDAP error: {str(title if isinstance(title, str) else document.get('errorCode'))[:200]}"
        )
    problems: list[str] = []
    kind = document.get("objectClassName")
    if kind != "domain":
        problems.append(f"objectClassName is {str(kind)[:40]!r}, not 'domain'")
    created, expires = _events(document.get("events"), problems)
    entities = _entities(document.get("entities"), problems)
    registrar = next((e for e in entities if "registrar" in _roles(e)), None)
    registrant = next((e for e in entities if "registrant" in _roles(e)), None)
    shown = (_card(registrant, "org") or _card(registrant, "fn")) if registrant else None
    published = shown is not None and not REDACTED.search(shown)
    return Registration(
        source=source,
        registrar=(_card(registrar, "fn") or _card(registrar, "org")) if registrar else None,
        registrar_id=_iana_id(registrar),
        created=created,
        expires=expires,
        statuses=_statuses(document.get("status"), problems),
        registrant=shown if published else None,
        redacted=not published and (registrant is not None or _withheld(document.get("redacted"))),
        related=_related(document.get("links"), source),
        problems=tuple(problems),
    )


def _statuses(statuses: object, problems: list[str]) -> tuple[str, ...]:
    if statuses is None:
        return ()
    if not isinstance(statuses, list):
        problems.append("status is not a list")
        return ()
    read = tuple(status(s) for s in statuses if isinstance(s, str))
    if len(read) < len(statuses):
        problems.append("status holds values that are not text")
    return read


def _events(events: object, problems: list[str]) -> tuple[dt.datetime | None, dt.datetime | None]:
    if events is None:  # the dates are then simply not published, which the judging says
        return None, None
    if not isinstance(events, list):
        problems.append("events is not a list")
        return None, None
    found: dict[str, dt.datetime] = {}
    for n, event in enumerate(events):
        if not isinstance(event, Mapping):
            problems.append(f"events[{n}] is not an object")
            continue
        action, when = event.get("eventAction"), event.get("eventDate")
        if action in ("registration", "expiration"):
            date = instant(when)
            if date is None:
                problems.append(f"the {action} date {str(when)[:40]!r} is not an RFC 3339 date")
            else:
                found.setdefault(str(action), date)
    return found.get("registration"), found.get("expiration")


def _entities(entities: object, problems: list[str]) -> list[Mapping[str, Any]]:
    """The domain's entities, and those nested one level in them (a registrar's contacts)."""
    if entities is None:
        return []
    if not isinstance(entities, list):
        problems.append("entities is not a list")
        return []
    top = [e for e in entities if isinstance(e, Mapping)]
    if len(top) < len(entities):
        problems.append("entities holds values that are not objects")
    nested = [n for e in top if isinstance(e.get("entities"), list) for n in e["entities"]]
    return top + [n for n in nested if isinstance(n, Mapping)]


def _roles(entity: Mapping[str, Any]) -> list[str]:
    roles = entity.get("roles")
    return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []


def _card(entity: Mapping[str, Any] | None, prop: str) -> str | None:
    """A jCard property's text (RFC 7095): ["vcard", [[name, params, type, value], ...]]; an
    `org` value may be a list of organisation and units."""
    card = entity.get("vcardArray") if entity else None
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return None
    for entry in card[1]:
        if isinstance(entry, list) and len(entry) >= 4 and entry[0] == prop:
            value = entry[3]
            if isinstance(value, list):
                value = " ".join(v for v in value if isinstance(v, str))
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:200]
    return None


def _iana_id(entity: Mapping[str, Any] | None) -> str | None:
    ids = entity.get("publicIds") if entity else None
    for public in ids if isinstance(ids, list) else []:
        if isinstance(public, Mapping) and public.get("type") == "IANA Registrar ID":
            value = public.get("identifier")
            return str(value)[:20] if isinstance(value, str | int) else None
    return None


def _withheld(redacted: object) -> bool:
    """RFC 9537: the server says it redacted the registrant's organisation or name."""
    if not isinstance(redacted, list):
        return False
    for entry in redacted:
        name = entry.get("name") if isinstance(entry, Mapping) else None
        text = name.get("type") or name.get("description") if isinstance(name, Mapping) else None
        if (
            isinstance(text, str)
            and text.lower().startswith("registrant")
            and ("org" in text.lower() or "name" in text.lower())
        ):
            return True
    return False


def _related(links: object, source: str) -> str | None:
    """The registrar's RDAP URL a thin registry links to (rel `related`, an RDAP type)."""
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, Mapping) or link.get("rel") != "related":
            continue
        href, kind = link.get("href"), link.get("type")
        if isinstance(href, str) and (kind is None or (isinstance(kind, str) and "rdap" in kind)):
            url = urljoin(source, href)
            if urlsplit(url).scheme in ("http", "https") and url != source:
                return url
    return None


def server_for(bootstrap: object, domain: str) -> str | None:
    """The base URL the bootstrap registry (RFC 9224) gives for `domain`: the entry matching
    the most labels of it, its https URL first; None when no entry covers it."""
    services = bootstrap.get("services") if isinstance(bootstrap, Mapping) else None
    if not isinstance(services, list):
        raise Unread("the bootstrap registry has no list of services")
    labels = domain.lower().rstrip(".").split(".")
    best: tuple[int, str] | None = None
    for service in services:
        if not (isinstance(service, list) and len(service) == 2):
            continue
        names, urls = service
        if not (isinstance(names, list) and isinstance(urls, list)):
            continue
        usable = [u for u in urls if isinstance(u, str) and urlsplit(u).scheme in ("http", "https")]
        if not usable:
            continue
        url = min(usable, key=lambda u: urlsplit(u).scheme != "https")
        for name in names:
            if not isinstance(name, str) or not name:
                continue
            parts = name.lower().rstrip(".").split(".")
            if (
                labels[-len(parts) :] == parts
                and len(parts) < len(labels)
                and (best is None or len(parts) > best[0])
            ):
                best = (len(parts), url)
    return best[1] if best else None


def domain_url(base: str, domain: str) -> str:
    return f"{base if base.endswith('/') else base + '/'}domain/{quote(domain)}"


async def fetch_json(http: aiohttp.ClientSession, url: str, limit: int, timeout: float) -> Any:
    """GET an RDAP or bootstrap document, at most `limit` bytes on the wire and inflated;
    Unread says why not."""
    import aiohttp

    headers = {"Accept": ACCEPT_JSON, "Accept-Encoding": ACCEPT_ENCODING}
    try:
        async with http.get(
            url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout), auto_decompress=False
        ) as response:
            if response.status == 404:
                raise Unread(f"{url} has no record of it (HTTP 404)")
            if response.status != 200:
                raise Unread(f"{url} answered HTTP {response.status}")
            body = await read(response, limit)
    except TooLarge as exc:
        raise Unread(f"{url} sent a {exc}; refused") from None
    except Undecodable as exc:
        raise Unread(f"{url}: {exc}") from None
    except TimeoutError:
        raise Unread(f"{url} did not answer within {timeout:g} s") from None
    except aiohttp.ClientConnectorError as exc:
        raise Unread(f"{url} cannot be reached: {exc.os_error.strerror or exc.os_error}") from None
    except aiohttp.ClientError as exc:
        raise Unread(f"{url} failed: {exc.__class__.__name__} {exc}".rstrip()) from None
    try:
        return json.loads(bytes(body))
    except (ValueError, RecursionError) as exc:
        raise Unread(f"{url} sent malformed JSON: {str(exc)[:120]}") from None


async def registration(
    http: aiohttp.ClientSession, domain: str, base: str | None, bootstrap: str, timeout: float
) -> Registration:
    """The domain's registration: from `base` when given, else from the server the bootstrap
    registry names; the registrar's own RDAP fills in a registrant the registry does not
    publish. Unread says why nothing could be read."""
    if base is None:
        found = server_for(await fetch_json(http, bootstrap, BOOTSTRAP_BYTES, timeout), domain)
        if found is None:
            raise Unread(f"the bootstrap registry {bootstrap} names no RDAP server for {domain}")
        base = urljoin(bootstrap, found)
    url = domain_url(base, domain)
    registry = parse(await fetch_json(http, url, DOCUMENT_BYTES, timeout), url)
    if registry.registrant is not None or registry.related is None:
        return registry
    try:
        registrar = parse(await fetch_json(http, registry.related, DOCUMENT_BYTES, timeout), registry.related)
    except Unread as exc:
        return _with(registry, unread_related=str(exc))
    return _with(
        registry,
        registrant=registrar.registrant,
        redacted=registrar.redacted or registry.redacted,
        statuses=registry.statuses or registrar.statuses,
        expires=registry.expires or registrar.expires,
        created=registry.created or registrar.created,
    )


def _with(r: Registration, **changes: Any) -> Registration:
    from dataclasses import replace

    return replace(r, **changes)
