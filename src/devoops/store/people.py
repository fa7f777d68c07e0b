"""The shapes of the accounts (devoops.store.accounts): who, which organisation, which role,
and the single-use tokens, kept only as their SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

ROLES = ("viewer", "founder", "engineer", "owner")
"""From least to most: each role may do what those before it may."""


SETUP_TTL = dt.timedelta(hours=24)
"""How long a printed setup link works."""


def new_token() -> str:
    """256 random bits, URL-safe: a session, a link, or a CSRF token."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the store keeps of a token: enough to find it, useless to present."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvalidLink(Exception):
    """A setup or invitation link that is unknown, spent, revoked or expired (one answer for all)."""


class Conflict(Exception):
    """A change the current state refuses; the message is for the person who asked."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str


@dataclass(frozen=True)
class Session:
    id: int
    user: User
    csrf_token: str


@dataclass(frozen=True)
class Membership:
    org_id: int
    org_name: str
    role: str


@dataclass(frozen=True)
class Member:
    user: User
    role: str


@dataclass(frozen=True)
class Invitation:
    id: int
    org_id: int
    org_name: str
    role: str
    note: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class OrgApp:
    id: int
    name: str
    newest: dt.datetime | None  # the newest saved assessment's time, if any
    assessments: int


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as the audit trail records it."""

    user_id: int | None
    label: str


@dataclass(frozen=True)
class AuditEvent:
    at: dt.datetime
    actor: str
    action: str
    subject: str
    old: Any
    new: Any
