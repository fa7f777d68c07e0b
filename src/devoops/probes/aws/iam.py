"""Who can take the account: root and the IAM users (the credential report), and who holds
administrator rights (every user, group and role with its policies, in one listing per kind).

The credential report is the one document AWS keeps of root: its MFA, its access keys and when
it was last used. Administrator rights are AdministratorAccess, or any policy statement allowing
every action on every resource. A role's trust policy says who uses it: an OIDC provider (a CI
system), a service, or people (SAML, IAM Identity Center, other principals); service-linked
roles are AWS's own and are left out. A role trusted through an OIDC provider is a CI role, unless
the provider is an EKS cluster's (its pods' service role).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ...importers.aws_session import Failed, Session

ROOT = "<root_account>"
PENDING = ("ReportInProgress", "ReportNotPresent", "ReportExpired")
POLLS, WAIT = 30, 2.0  # the credential report is asked for this often, this many seconds apart
ADMIN_POLICY = "AdministratorAccess"
SERVICE_LINKED = "/aws-service-role/"
SSO = "/aws-reserved/sso.amazonaws.com/"
NEVER = ("N/A", "no_information", "not_supported", "")
EKS = "oidc.eks."  # the issuer of EKS clusters' service accounts


@dataclass(frozen=True)
class Person:
    """A row of the credential report: a user, or root."""

    name: str
    console: bool  # a password to sign in with
    mfa: bool
    keys: list[dt.datetime | None]  # when each active access key was made or last rotated, if told
    last_used: dt.datetime | None  # the latest sign-in or key use


@dataclass(frozen=True)
class Principal:
    """A user or role, who uses it, and the policy that makes it an administrator (or None)."""

    name: str
    kind: str  # "user", "CI role", "service role", "role for people"
    admin_through: str | None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Iam:
    report: list[Person] | None
    report_trouble: str | None
    password_present: bool | None  # root's, from the account summary
    principals: list[Principal] | None
    principals_trouble: str | None
    oidc: list[str] | None  # the OIDC providers' host names
    oidc_trouble: str | None

    @property
    def root(self) -> Person | None:
        return next((p for p in self.report or [] if p.name == ROOT), None)

    @property
    def users(self) -> list[Person]:
        return [p for p in self.report or [] if p.name != ROOT]


def read(session: Session) -> Iam:
    """Everything the IAM checks need; a part the credentials may not read says why."""
    from .checks import get

    report = get(lambda: _report(session))
    summary = get(lambda: session.call("iam", "get_account_summary"))
    principals = get(lambda: _principals(session))
    oidc = get(
        lambda: [
            re.sub(r"^.*:oidc-provider/", "", p["Arn"])
            for p in session.call("iam", "list_open_id_connect_providers").get(
                "OpenIDConnectProviderList", []
            )
        ]
    )
    present = (summary.value or {}).get("SummaryMap", {}).get("AccountPasswordPresent")
    return Iam(
        report.value,
        report.trouble,
        None if present is None else bool(present),
        principals.value,
        principals.trouble,
        oidc.value,
        oidc.trouble,
    )


def _report(session: Session) -> list[Person]:
    """The credential report, generated if need be: AWS makes it in seconds, at most every 4 h."""
    session.call("iam", "generate_credential_report")
    for _ in range(POLLS):
        got = session.call("iam", "get_credential_report", absent=PENDING)
        if got is not None:
            content = got["Content"]
            return parse(content.decode() if isinstance(content, bytes) else str(content))
        if session.stopped.wait(WAIT):
            raise Failed("stopped")
        session.call("iam", "generate_credential_report")
    raise Failed(f"the credential report was not ready after {POLLS * WAIT:g} s")


def parse(text: str) -> list[Person]:
    """The report's CSV (the documented columns), one Person a row."""
    people = []
    for row in csv.DictReader(io.StringIO(text)):
        keys = [
            _moment(row.get(f"access_key_{n}_last_rotated"))
            for n in (1, 2)
            if row.get(f"access_key_{n}_active") == "true"
        ]
        used = [
            m
            for column in ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date")
            if (m := _moment(row.get(column))) is not None
        ]
        people.append(
            Person(
                name=row.get("user", ""),
                console=row.get("password_enabled") == "true",
                mfa=row.get("mfa_active") == "true",
                keys=keys,
                last_used=max(used) if used else None,
            )
        )
    return people


def _moment(text: str | None) -> dt.datetime | None:
    if text is None or text in NEVER:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _principals(session: Session) -> list[Principal]:
    """Users (with their groups' policies) and roles, each with what makes it an administrator."""
    local = {
        p["Arn"]: _default_document(p)
        for p in session.pages(
            "iam", "get_account_authorization_details", "Policies", Filter=["LocalManagedPolicy"]
        )
        or []
    }
    groups = {
        g["GroupName"]: _admin(g.get("GroupPolicyList", []), g.get("AttachedManagedPolicies", []), local)
        for g in session.pages(
            "iam", "get_account_authorization_details", "GroupDetailList", Filter=["Group"]
        )
        or []
    }
    found = []
    for u in (
        session.pages("iam", "get_account_authorization_details", "UserDetailList", Filter=["User"]) or []
    ):
        through = _admin(u.get("UserPolicyList", []), u.get("AttachedManagedPolicies", []), local)
        through = through or next(
            (f"group {g}: {groups[g]}" for g in u.get("GroupList", []) if groups.get(g)), None
        )
        tags = {t["Key"]: t.get("Value", "") for t in u.get("Tags", []) if "Key" in t}
        found.append(Principal(u["UserName"], "user", through, tags))
    for r in (
        session.pages("iam", "get_account_authorization_details", "RoleDetailList", Filter=["Role"]) or []
    ):
        if str(r.get("Path", "")).startswith(SERVICE_LINKED):
            continue
        through = _admin(r.get("RolePolicyList", []), r.get("AttachedManagedPolicies", []), local)
        found.append(Principal(r["RoleName"], _used_by(r), through))
    return found


def _admin(inline: list[dict[str, Any]], attached: list[dict[str, Any]], local: dict[str, Any]) -> str | None:
    """The policy that grants every action on every resource, named; None when none does."""
    for p in attached:
        arn = str(p.get("PolicyArn", ""))
        if arn.endswith(f":iam::aws:policy/{ADMIN_POLICY}") or _grants_all(local.get(arn)):
            return str(p.get("PolicyName") or arn.rsplit("/", 1)[-1])
    for p in inline:
        if _grants_all(p.get("PolicyDocument")):
            return f"inline policy {p.get('PolicyName', '')}"
    return None


def _document(doc: Any) -> Any:
    """A policy document as boto3 gives it (parsed), or as the API sends it (URL-encoded JSON)."""
    if isinstance(doc, str):
        try:
            return json.loads(unquote(doc))
        except ValueError:
            return None
    return doc


def _default_document(policy: dict[str, Any]) -> Any:
    return next(
        (
            _document(v.get("Document"))
            for v in policy.get("PolicyVersionList", [])
            if v.get("IsDefaultVersion")
        ),
        None,
    )


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants_all(doc: Any) -> bool:
    """An Allow of `*` (or `*:*`) on Resource `*`, whatever its conditions."""
    doc = _document(doc)
    if not isinstance(doc, dict):
        return False
    return any(
        isinstance(s, dict)
        and s.get("Effect") == "Allow"
        and any(a in ("*", "*:*") for a in _listed(s.get("Action", [])))
        and "*" in _listed(s.get("Resource", []))
        for s in _listed(doc.get("Statement", []))
    )


def _used_by(role: dict[str, Any]) -> str:
    """Who assumes a role, from its trust policy: a CI system through OIDC, a service, or people."""
    if str(role.get("Path", "")).startswith(SSO):
        return "role for people"
    trust = _document(role.get("AssumeRolePolicyDocument")) or {}
    principals = [s.get("Principal", {}) for s in _listed(trust.get("Statement", [])) if isinstance(s, dict)]
    federated = [str(f) for p in principals if isinstance(p, dict) for f in _listed(p.get("Federated", []))]
    if any(f":oidc-provider/{EKS}" in f for f in federated):  # a Kubernetes service account's role
        return "service role"
    if any(":oidc-provider/" in f for f in federated):
        return "CI role"
    if (
        any(isinstance(p, dict) and "Service" in p for p in principals)
        and not federated
        and not any(isinstance(p, dict) and "AWS" in p for p in principals)
    ):
        return "service role"
    return "role for people"
