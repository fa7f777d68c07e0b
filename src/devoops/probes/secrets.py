"""`${ENV_VAR}` references in probe settings: resolved only when a probe runs, and every
resolved value scrubbed from what the probe reports, whatever a probe or library echoes."""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from ..model.evidence import Evidence, Table

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
HIDDEN = "***"


class Unset(LookupError):
    """A referenced variable is not set; the message names the variable, never a value."""


def resolve(value: Any, env: Mapping[str, str], found: set[str]) -> Any:
    """`value` with every reference in its strings replaced; the values used are added to `found`."""
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise Unset(f"environment variable {name} is not set")
            found.add(env[name])
            return env[name]

        return REFERENCE.sub(sub, value)
    if isinstance(value, Mapping):
        return {k: resolve(v, env, found) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, env, found) for v in value]
    return value


def credentials(username: str | None, password: str | None, headers: Mapping[str, str]) -> set[str]:
    """What a request carries as credentials, in every form a server may echo back: the password,
    `user:password` and its base64 (the Basic header's value, padded or not), and each extra
    header's value and its token after a scheme (`Bearer …`), decoded too when it is Basic's
    base64. Scrub them from whatever text comes from a response."""
    found: set[str] = set()

    def basic(pair: str) -> None:
        encoded = base64.b64encode(pair.encode()).decode()
        found.update((pair, encoded, encoded.rstrip("="), pair.partition(":")[2]))

    if password is not None:
        found.add(password)
        basic(f"{username or ''}:{password}")
    for value in headers.values():
        scheme, _, token = value.strip().partition(" ")
        found.update((value, token.strip()))
        if scheme.lower() == "basic":
            with contextlib.suppress(ValueError):
                basic(base64.b64decode(token.strip(), validate=True).decode())
    return {s for s in found if s}


def scrub(text: str, secrets: set[str]) -> str:
    """`text` with each secret, plain or URL-encoded (with `/` kept or not), replaced by ***.
    Values shorter than three characters are left alone: they are no credible secret, and hiding
    them would garble text."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) < 3:
            continue
        forms = (
            secret,
            quote(secret, safe=""),
            quote(secret),
            quote_plus(secret),
            quote_plus(secret, safe="/"),
        )
        for form in dict.fromkeys(forms):
            text = text.replace(form, HIDDEN)
    return text


def scrubbed(evidence: Evidence, secrets: set[str]) -> Evidence:
    """`evidence` with its free text scrubbed: summary, figure names and details, reasons and
    table text. Statuses, numbers and practice ids stay as they are, whatever a value matches."""
    if not secrets:
        return evidence

    def text(value: str) -> str:
        return scrub(value, secrets)

    return Evidence(
        status=evidence.status,
        summary=text(evidence.summary),
        measurements=[
            m.model_copy(update={"name": text(m.name), "detail": m.detail and text(m.detail)})
            for m in evidence.measurements
        ],
        verdicts=[v.model_copy(update={"reason": text(v.reason)}) for v in evidence.verdicts],
        tables=[
            Table(
                title=text(t.title),
                columns=[text(c) for c in t.columns],
                rows=[[text(c) if isinstance(c, str) else c for c in row] for row in t.rows],
            )
            for t in evidence.tables
        ],
        proofs=[p.model_copy(update={"reason": text(p.reason)}) for p in evidence.proofs],
    )
