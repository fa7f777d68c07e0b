"""Reading what a form sent: one field at a time, each refusal naming the field, so the page
can show the message beside it. Pure: strings in, strings or a FieldError out."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from ..store.people import ROLES

PASSWORD_MIN = 10
PASSWORD_MAX = 256  # argon2 takes any length; a bound keeps a huge body from costing CPU


class FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _one_line(value: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value)


def text(form: Mapping[str, str], field: str, limit: int = 200, required: bool = True) -> str:
    """One line of text, trimmed, with no control characters."""
    value = form.get(field, "").strip()
    if required and not value:
        raise FieldError(field, "fill this in")
    if len(value) > limit:
        raise FieldError(field, f"at most {limit} characters")
    if not _one_line(value):
        raise FieldError(field, "one line of text, without control characters")
    return value


def email(form: Mapping[str, str], field: str = "email") -> str:
    """An email address, lower-cased: it names the account, so case must not make two."""
    value = text(form, field, limit=254).lower()
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in value):
        raise FieldError(field, "an email address, like name@example.com")
    return value


def password(form: Mapping[str, str], field: str = "password", new: bool = False) -> str:
    """A password as typed (never trimmed). A new one is checked for length."""
    value = form.get(field, "")
    if not value:
        raise FieldError(field, "fill this in")
    if len(value) > PASSWORD_MAX:
        raise FieldError(field, f"at most {PASSWORD_MAX} characters")
    if new and len(value) < PASSWORD_MIN:
        raise FieldError(field, f"at least {PASSWORD_MIN} characters")
    return value


def role(form: Mapping[str, str], field: str = "role") -> str:
    value = form.get(field, "")
    if value not in ROLES:
        raise FieldError(field, f"one of {', '.join(ROLES)}")
    return value


def local_path(value: str | None, default: str = "/orgs") -> str:
    """Where to go after signing in: a path of this site only, never another site's address."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or not _one_line(value)
    ):
        return default
    return value
