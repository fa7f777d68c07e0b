"""Who the visitor is: random tokens kept in the store only as their SHA-256, argon2 password
hashes (argon2-cffi, RFC 9106 parameters), the session cookie, and login with throttling whose
counters live in the store so every worker counts the same failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request
from starlette.responses import Response

from ..store.accounts import Accounts
from ..store.people import SETUP_TTL, User, digest, new_token

__all__ = ["digest", "new_token"]  # the store's, used here for sessions and links

SESSION = "devoops_session"
ANONYMOUS_CSRF = "devoops_csrf"


@dataclass(frozen=True)
class Settings:
    """The lengths of time and limits that matter; docs/web.md explains each."""

    session_lifetime: dt.timedelta = dt.timedelta(days=7)
    session_idle: dt.timedelta = dt.timedelta(hours=12)
    invitation_ttl: dt.timedelta = dt.timedelta(days=7)
    setup_ttl: dt.timedelta = SETUP_TTL
    login_window: dt.timedelta = dt.timedelta(minutes=15)
    failures_per_account: int = 5
    failures_per_address: int = 50


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy() -> str:
    return hasher().hash(new_token())


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when the password matches; an unknown account costs the same time as a known one."""
    try:
        return hasher().verify(password_hash or _decoy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def secure(request: Request) -> bool:
    """Served over TLS, as the request arrived or as a trusted proxy says (docs/web.md)."""
    return request.url.scheme == "https"


def cookie_name(request: Request, base: str) -> str:
    """`__Host-` over TLS: the browser then refuses the cookie from a sibling domain or over HTTP."""
    return f"__Host-{base}" if secure(request) else base


def presented(request: Request, base: str) -> str | None:
    return request.cookies.get(cookie_name(request, base))


def set_cookie(request: Request, response: Response, base: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        max_age=max_age,
        path="/",
        secure=secure(request),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(request: Request, response: Response, base: str) -> None:
    response.delete_cookie(
        cookie_name(request, base), path="/", secure=secure(request), httponly=True, samesite="lax"
    )


class Throttled(Exception):
    """Too many failed logins for this account or from this address, for now."""


def check_password(
    accounts: Accounts, settings: Settings, email: str, password: str, address: str, now: dt.datetime
) -> User | None:
    """The user, if the password is theirs. Refused without looking once the account or the
    address has failed too often in the window; a success clears the account's count."""
    account, origin = f"account:{email}", f"address:{address}"
    counts = accounts.failures((account, origin), now - settings.login_window)
    if (
        counts.get(account, 0) >= settings.failures_per_account
        or counts.get(origin, 0) >= settings.failures_per_address
    ):
        raise Throttled()
    found = accounts.credentials(email)
    if not verify(found[1] if found else None, password) or found is None:
        accounts.count_failure((account, origin), now, settings.login_window)
        return None
    accounts.forget_failures(account)
    return found[0]


def start_session(
    accounts: Accounts,
    settings: Settings,
    request: Request,
    response: Response,
    user: User,
    now: dt.datetime,
    previous: str | None,
) -> None:
    """A fresh session for `user` (never the one presented: no fixation), the cookie set, and
    the session the visitor came with, if any, ended."""
    if previous is not None:
        accounts.end_session(previous)
    token = new_token()
    accounts.open_session(user.id, digest(token), new_token(), now, settings.session_lifetime)
    set_cookie(request, response, SESSION, token, int(settings.session_lifetime.total_seconds()))
