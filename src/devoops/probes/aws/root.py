"""Root and MFA: the two doors of an account takeover, judged from the credential report.

`iam.root-locked`: active root access keys are `daily` (the choice says so word for word); root
without MFA is `shared` (signing in needs only its password); MFA and no keys is `rarely-mfa`.
`break-glass` asks for what no API shows (two holders, a sealed vault, an alert), so it is never
claimed; a root with neither password nor keys (removed by AWS Organizations' centralized root
access) cannot sign in at all, and the answer stands.

`iam.mfa`: the humans are root (when it can sign in) and every IAM user with a console
password. All with MFA is `all-humans`; some without it is `some`, or `none` when nobody has it.
`all-phishing-resistant` needs the factors of every system touching production, so it is
never claimed; the reason says the other systems (source control, registrar, DNS, e-mail) are
not seen from here.
"""

from __future__ import annotations

import datetime as dt

from ..found import Found
from .checks import Checks, count, days, names
from .iam import Iam, Person

ROOT_MFA, ROOT_KEYS, ROOT_USE, USERS_MFA = (
    "root MFA",
    "root access keys",
    "root last used",
    "console users MFA",
)


def judge(iam: Iam, checks: Checks, found: Found, now: dt.datetime, quiet_days: int, account: str) -> None:
    root = iam.root
    cannot_sign_in = iam.password_present is False and root is not None and not root.keys
    _root(iam, root, checks, found, now, quiet_days, cannot_sign_in)
    _mfa(iam, root, checks, found, cannot_sign_in, account)


def _root(
    iam: Iam,
    root: Person | None,
    checks: Checks,
    found: Found,
    now: dt.datetime,
    quiet_days: int,
    cannot_sign_in: bool,
) -> None:
    if root is None:
        why = iam.report_trouble or "the credential report has no <root_account> row"
        for check in (ROOT_MFA, ROOT_KEYS):
            checks.unknown(check, why)
        found.measure("root access keys", None, "count", target=0, bound="max", detail=why)
        return
    found.measure("root access keys", len(root.keys), "count", target=0, bound="max")
    if root.keys:
        reason = f"root has {count(len(root.keys), 'active access key')}, which no policy can limit"
        checks.failed(ROOT_KEYS, reason)
        found.verdict("iam.root-locked", "daily", reason)
    else:
        checks.passed(ROOT_KEYS, "root has no active access key")
    if cannot_sign_in:
        checks.passed(ROOT_MFA, "root has no password and no access key, so nobody can sign in as root")
    elif root.mfa:
        checks.passed(ROOT_MFA, "root signs in with MFA")
        if not root.keys:
            found.verdict(
                "iam.root-locked",
                "rarely-mfa",
                "root has MFA and no access key; whether two people hold a hardware key, the password is "
                "sealed away and every root sign-in alerts is not visible from here",
            )
    else:
        reason = "root has no MFA: its password alone signs in"
        checks.failed(ROOT_MFA, reason)
        if not root.keys:
            found.verdict("iam.root-locked", "shared", reason)
    if root.last_used is None:
        checks.seen(ROOT_USE, "root has never been used, or not since AWS began recording it")
        found.measure("root last used", None, "days", detail="never, as far as AWS records")
        return
    ago = days(root.last_used, now)
    found.measure(
        "root last used",
        round(ago, 1),
        "days",
        target=quiet_days,
        bound="min",
        detail=f"{root.last_used:%Y-%m-%d}",
    )
    saw = f"root was last used {ago:.0f} days ago ({root.last_used:%Y-%m-%d})"
    if ago < quiet_days:
        checks.failed(ROOT_USE, f"{saw}, within {quiet_days} days: root is for break-glass only")
    else:
        checks.passed(ROOT_USE, saw)


def _mfa(
    iam: Iam, root: Person | None, checks: Checks, found: Found, cannot_sign_in: bool, account: str
) -> None:
    if iam.report is None:
        checks.unknown(USERS_MFA, iam.report_trouble or "no credential report")
        found.measure("console users without MFA", None, "count", target=0, bound="max")
        return
    console = [p for p in iam.users if p.console]
    without = sorted(p.name for p in console if not p.mfa)
    found.measure(
        "console users without MFA",
        len(without),
        "count",
        target=0,
        bound="max",
        detail=f"of {count(len(console), 'IAM user')} with a console password",
    )
    if without:
        checks.failed(USERS_MFA, f"{count(len(without), 'console user')} without MFA: {names(without)}")
    elif console:
        checks.passed(USERS_MFA, f"all {count(len(console), 'console user')} sign in with MFA")
    else:
        checks.passed(USERS_MFA, "no IAM user has a console password")
    elsewhere = "; other systems (source control, registrar, DNS, e-mail) are not seen from here"
    root_mfa = None if root is None else (True if cannot_sign_in else root.mfa)
    if without:
        some = root_mfa or any(p.mfa for p in console)
        choice = "some" if some or root_mfa is None else "none"
        root_said = {None: "root's MFA could not be read", True: "root has MFA", False: "root has none"}[
            root_mfa
        ]
        signs = "signs" if len(without) == 1 else "sign"
        reason = f"in AWS account {account}, {names(without)} {signs} in without MFA; {root_said}"
        found.verdict("iam.mfa", choice, reason + elsewhere)
    elif root_mfa is False:
        choice = "some" if any(p.mfa for p in console) else "none"
        found.verdict("iam.mfa", choice, f"in AWS account {account}, root signs in without MFA" + elsewhere)
    elif root_mfa is True:
        found.verdict(
            "iam.mfa",
            "all-humans",
            f"in AWS account {account}, root and all {count(len(console), 'console user')} sign in with MFA"
            + elsewhere,
        )
