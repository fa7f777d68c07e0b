"""Standing power in the account: old access keys, administrators, and CI systems holding
long-lived keys where a role assumed through OIDC would serve.

`iam.least-privilege`: counted over the IAM users, CI roles and service roles (roles for people,
reached through SAML or IAM Identity Center, are left out: how many people use one is not
visible). More than half of them administrators is `admin-everyone`; any of them is
`broad-roles`. `scoped-roles` and `least-privilege` ask what no listing shows (scoping per team,
just-in-time elevation, pruned permissions), so they are never claimed.

`ci.credentials-scoped`: a CI user (its name or a tag matches `ci_pattern`) with an active access
key holds long-lived credentials: `admin-long-lived` when it is an administrator, else
`scoped-long-lived`. An account whose CI holds no key may still keep one elsewhere, so nothing is
claimed then.
"""

from __future__ import annotations

import datetime as dt
import re

from ..found import Found
from .checks import ROWS, Checks, count, days, names
from .iam import Iam

KEY_AGE, ADMINS, CI_KEYS = "access key age", "administrators", "CI access keys"
STANDING = ("user", "CI role", "service role")


def judge(
    iam: Iam, checks: Checks, found: Found, now: dt.datetime, key_age_days: int, ci_pattern: str, account: str
) -> None:
    _keys(iam, checks, found, now, key_age_days)
    _admins(iam, checks, found, account)
    _ci(iam, checks, found, ci_pattern, account)


def _keys(iam: Iam, checks: Checks, found: Found, now: dt.datetime, limit: int) -> None:
    if iam.report is None:
        checks.unknown(KEY_AGE, iam.report_trouble or "no credential report")
        found.measure(f"access keys older than {limit} days", None, "count", target=0, bound="max")
        return
    old = sorted(
        ((p.name, age) for p in iam.users for made in p.keys if made and (age := days(made, now)) > limit),
        key=lambda pair: -pair[1],
    )
    active = sum(len(p.keys) for p in iam.users)
    found.measure(
        f"access keys older than {limit} days",
        len(old),
        "count",
        target=0,
        bound="max",
        detail=f"of {count(active, 'active user access key')}",
    )
    if old:
        shown = [f"{name} ({age:.0f} days)" for name, age in old]
        checks.failed(KEY_AGE, f"{count(len(old), 'access key')} older than {limit} days: {names(shown)}")
    else:
        checks.passed(
            KEY_AGE, f"no active access key is older than {limit} days ({count(active, 'active key')})"
        )


def _admins(iam: Iam, checks: Checks, found: Found, account: str) -> None:
    if iam.principals is None:
        checks.unknown(ADMINS, iam.principals_trouble or "users and roles not read")
        found.measure("standing administrators", None, "count", target=0, bound="max")
        return
    admins = [p for p in iam.principals if p.admin_through]
    if admins:
        found.table(
            "principals with administrator rights",
            ["principal", "kind", "through"],
            [[p.name, p.kind, p.admin_through] for p in admins[:ROWS]],
        )
    counted = [p for p in iam.principals if p.kind in STANDING]
    standing = [p for p in counted if p.admin_through]
    found.measure(
        "standing administrators",
        len(standing),
        "count",
        target=0,
        bound="max",
        detail=f"of {count(len(counted), 'IAM user, CI role and service role', 'IAM users, CI roles and service roles')}",
    )
    people = [p.name for p in admins if p.kind not in STANDING]
    also = f"; roles for people with administrator rights: {names(people)}" if people else ""
    if not standing:
        checks.passed(ADMINS, f"no IAM user, CI role or service role is an administrator{also}")
        return
    shown = [f"{p.name} ({p.kind}, {p.admin_through})" for p in standing]
    saw = f"{count(len(standing), 'standing administrator')}: {names(shown)}"
    checks.failed(ADMINS, saw + also)
    if len(standing) * 2 > len(counted):
        choice, share = "admin-everyone", f"{len(standing)} of the {len(counted)}"
        reason = f"in AWS account {account}, {share} IAM users, CI roles and service roles are administrators"
    else:
        choice = "broad-roles"
        reason = f"in AWS account {account}, {saw}"
    found.verdict("iam.least-privilege", choice, reason)


def _ci(iam: Iam, checks: Checks, found: Found, pattern: str, account: str) -> None:
    if iam.report is None:
        checks.unknown(CI_KEYS, iam.report_trouble or "no credential report")
        return
    marks = re.compile(pattern)
    tags = {p.name: p.tags for p in iam.principals or []}
    ci = [
        p
        for p in sorted(iam.users, key=lambda p: p.name)
        if p.keys
        and (marks.search(p.name) or any(marks.search(f"{k}={v}") for k, v in tags.get(p.name, {}).items()))
    ]
    providers = iam.oidc or []
    if iam.oidc is None:
        instead = f"whether an OIDC provider is set up could not be read ({iam.oidc_trouble})"
    elif providers:
        instead = f"the account already trusts OIDC provider {names(providers)}: a role assumed through it would serve"
    else:
        instead = "no OIDC provider is set up: federate the CI through one (GitHub Actions, GitLab) and drop the keys"
    if not ci:
        checks.passed(CI_KEYS, "no CI user (by name or tag) holds an active access key")
        return
    checks.failed(
        CI_KEYS,
        f"{count(len(ci), 'CI user')} with long-lived access keys: {names([p.name for p in ci])}; {instead}",
    )
    if iam.principals is None:
        checks.unknown(ADMINS + " of CI users", iam.principals_trouble or "users and roles not read")
        return
    admins = {p.name: p.admin_through for p in iam.principals}
    powerful = [p.name for p in ci if admins.get(p.name)]
    held = f"in AWS account {account}, CI user {names([p.name for p in ci])} holds long-lived access keys"
    if powerful:
        found.verdict(
            "ci.credentials-scoped",
            "admin-long-lived",
            f"{held}; {names(powerful)} {'has' if len(powerful) == 1 else 'have'} administrator rights",
        )
    else:
        found.verdict("ci.credentials-scoped", "scoped-long-lived", f"{held}, without administrator rights")
