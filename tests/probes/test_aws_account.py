"""The aws_account probe against moto's standalone server on loopback (no real AWS can run here):
every check with an account that passes it and one that fails it, each set up through the real
boto3 API in an account of its own. Root cannot be set up through any API (AWS makes its MFA and
keys only by signing in as root), so its checks are judged on a credential report in AWS's
documented format, and against moto they are unknown, saying why."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest

from devoops.lens import load_lens
from devoops.model.evidence import ProbeResult, Status
from devoops.model.workload import ProbeConfig, Workload
from devoops.probes.aws.checks import Checks
from devoops.probes.aws.iam import Iam, parse
from devoops.probes.base import Context
from devoops.probes.found import Found
from devoops.probes.run import collect

from ..conftest import workload
from .moto_accounts import REGION, MotoAccount, aws, use

__all__ = ["aws"]  # the fixture, used by name

NOW = dt.datetime.now(dt.UTC)
DAY = dt.timedelta(days=1)
PASSWORD = "Console-Passw0rd!"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def run(
    account: MotoAccount,
    options: Mapping[str, Any] | None = None,
    *,
    later: dt.timedelta = dt.timedelta(0),
    w: Workload | None = None,
    timeout: float = 60,
    target: str | None = None,
) -> ProbeResult:
    """The probe through the runner, `later` after now (moto stamps everything with the real clock)."""
    import aiohttp

    settings = {"endpoint_url": account.endpoint, "regions": [REGION], **(options or {})}
    config = ProbeConfig(type="aws_account", target=target or account.id, timeout=timeout, options=settings)

    async def go() -> ProbeResult:
        async with aiohttp.ClientSession() as http:
            ctx = Context("account", dt.datetime.now(dt.UTC) + later, timeout, w or workload(), {}, http)
            return await collect(ctx, config, load_lens(), {})

    return asyncio.run(go())


def rows(result: ProbeResult) -> dict[str, tuple[str, str]]:
    """The checks table: check -> (result, what was seen); a repeated check keeps its last row."""
    (table,) = [t for t in result.evidence.tables if t.title == "checks"]
    return {str(r[0]): (str(r[1]), str(r[2])) for r in table.rows}


def verdicts(result: ProbeResult) -> dict[str, str]:
    return {v.practice: v.choice for v in result.evidence.verdicts}


def measured(result: ProbeResult, name: str) -> float | None:
    return next(m.value for m in result.evidence.measurements if m.name == name)


@pytest.fixture
def account(aws: str, monkeypatch: pytest.MonkeyPatch) -> MotoAccount:
    """A fresh account, and the probe's read-only auditor credentials in the environment."""
    a = MotoAccount(aws)
    use(monkeypatch, a.credentials())
    return a


# --- IAM: console users, keys, administrators, CI


def mfa(a: MotoAccount, user: str) -> None:
    iam = a.client("iam")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )


def console(a: MotoAccount, user: str, with_mfa: bool) -> None:
    iam = a.client("iam")
    iam.create_user(UserName=user)
    iam.create_login_profile(UserName=user, Password=PASSWORD)
    if with_mfa:
        mfa(a, user)


def test_console_users_with_mfa_pass_and_one_without_fails(account: MotoAccount) -> None:
    console(account, "alice", with_mfa=True)
    good = run(account)
    assert rows(good)["console users MFA"] == ("pass", "all 1 console user sign in with MFA")
    assert measured(good, "console users without MFA") == 0
    assert "iam.mfa" not in verdicts(good), "root's MFA is unknown against moto: nothing is claimed"
    console(account, "bob", with_mfa=False)
    bad = run(account)
    assert rows(bad)["console users MFA"] == ("FAIL", "1 console user without MFA: bob")
    assert bad.status == Status.FAIL and "1 console user without MFA: bob" in bad.evidence.summary
    assert verdicts(bad)["iam.mfa"] == "some"
    reason = next(v.reason for v in bad.evidence.verdicts if v.practice == "iam.mfa")
    assert f"in AWS account {account.id}, bob signs in without MFA; root's MFA could not be read" in reason


def test_access_keys_older_than_the_limit_fail(account: MotoAccount) -> None:
    account.client("iam").create_user(UserName="reports")
    account.client("iam").create_access_key(UserName="reports")
    fresh = run(account)
    assert rows(fresh)["access key age"][0] == "pass"
    assert measured(fresh, "access keys older than 90 days") == 0
    old = run(account, later=100 * DAY)  # the same keys, judged 100 days on
    assert old.status == Status.FAIL
    state, saw = rows(old)["access key age"]
    assert state == "FAIL" and saw.startswith("2 access keys older than 90 days: ")
    assert "reports (100 days)" in saw and "devoops-audit (100 days)" in saw
    assert measured(old, "access keys older than 90 days") == 2
    assert rows(run(account, {"key_age_days": 120}, later=100 * DAY))["access key age"][0] == "pass"


def test_administrators_by_managed_group_and_inline_policy_are_named(account: MotoAccount) -> None:
    iam = account.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName="web",
        PolicyName="scoped",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
    )
    clean = run(account)
    assert rows(clean)["administrators"] == (
        "pass",
        "no IAM user, CI role or service role is an administrator",
    )
    assert "iam.least-privilege" not in verdicts(clean)
    # one service role with an inline */* policy, among four counted: a few broad roles
    iam.put_role_policy(RoleName="web", PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    for user in ("carol", "dave"):
        iam.create_user(UserName=user)
    broad = run(account)
    state, saw = rows(broad)["administrators"]
    assert state == "FAIL" and saw == "1 standing administrator: web (service role, inline policy everything)"
    assert verdicts(broad)["iam.least-privilege"] == "broad-roles"
    # a customer managed */* policy through a group, and AdministratorAccess attached: most are admins
    arn = iam.create_policy(PolicyName="all", PolicyDocument=json.dumps(EVERYTHING))["Policy"]["Arn"]
    iam.create_group(GroupName="ops")
    iam.attach_group_policy(GroupName="ops", PolicyArn=arn)
    iam.add_user_to_group(GroupName="ops", UserName="carol")
    iam.attach_user_policy(UserName="dave", PolicyArn=ADMIN)
    everyone = run(account)
    assert verdicts(everyone)["iam.least-privilege"] == "admin-everyone"
    table = next(t for t in everyone.evidence.tables if t.title == "principals with administrator rights")
    assert sorted(map(tuple, table.rows)) == [
        ("carol", "user", "group ops: all"),
        ("dave", "user", "AdministratorAccess"),
        ("web", "service role", "inline policy everything"),
    ]
    assert measured(everyone, "standing administrators") == 3


def test_a_role_for_people_with_administrator_rights_is_reported_not_counted(account: MotoAccount) -> None:
    iam = account.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account.id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="break-glass", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="break-glass", PolicyArn=ADMIN)
    result = run(account)
    state, saw = rows(result)["administrators"]
    assert state == "pass" and saw.endswith("roles for people with administrator rights: break-glass")
    assert "iam.least-privilege" not in verdicts(result)


def oidc_role(a: MotoAccount, name: str, admin: bool) -> None:
    iam = a.client("iam")
    provider = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
        ClientIDList=["sts.amazonaws.com"],
    )["OpenIDConnectProviderArn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:sub": "repo:acme/shop:ref:refs/heads/main"
                    }
                },
            }
        ],
    }
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    if admin:
        iam.attach_role_policy(RoleName=name, PolicyArn=ADMIN)


def test_ci_users_with_keys_fail_and_an_oidc_provider_is_named_as_the_way_out(account: MotoAccount) -> None:
    iam = account.client("iam")
    iam.create_user(UserName="deploy-bot", Tags=[{"Key": "purpose", "Value": "pipeline"}])
    clean = run(account)
    assert rows(clean)["CI access keys"] == ("pass", "no CI user (by name or tag) holds an active access key")
    iam.create_user(UserName="builder", Tags=[{"Key": "owner", "Value": "ci"}])
    iam.create_access_key(UserName="builder")
    scoped = run(account)
    state, saw = rows(scoped)["CI access keys"]
    assert state == "FAIL" and saw.startswith(
        "1 CI user with long-lived access keys: builder; no OIDC provider"
    )
    assert verdicts(scoped)["ci.credentials-scoped"] == "scoped-long-lived"
    iam.create_access_key(UserName="deploy-bot")
    iam.attach_user_policy(UserName="deploy-bot", PolicyArn=ADMIN)
    oidc_role(account, "github-deploy", admin=True)
    admin = run(account)
    state, saw = rows(admin)["CI access keys"]
    assert "2 CI users with long-lived access keys: builder and deploy-bot" in saw
    assert "the account already trusts OIDC provider token.actions.githubusercontent.com" in saw
    assert verdicts(admin)["ci.credentials-scoped"] == "admin-long-lived"
    # the OIDC role is a CI role, and an administrator too
    assert "github-deploy (CI role, AdministratorAccess)" in rows(admin)["administrators"][1]


# --- root: AWS makes no root MFA or root key through any API, so neither can moto

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)


def root_row(mfa: bool, key: bool, used: str = "2026-01-10T08:00:00+00:00") -> str:
    """The root row as the credential report documents it (password columns not_supported)."""
    keys = (
        "true,2025-06-01T00:00:00+00:00,2025-12-01T00:00:00+00:00,us-east-1,s3"
        if key
        else "false,N/A,N/A,N/A,N/A"
    )
    return (
        f"<root_account>,arn:aws:iam::111122223333:root,2024-01-01T00:00:00+00:00,not_supported,{used},"
        f"not_supported,not_supported,{'true' if mfa else 'false'},{keys},false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
    )


USER_WITH_MFA = (
    "erin,arn:aws:iam::111122223333:user/erin,2024-02-01T00:00:00+00:00,true,2026-03-01T00:00:00+00:00,"
    "2024-02-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def judged_root(*lines: str, password: bool | None = None) -> tuple[Found, Checks]:
    from devoops.probes.aws import root as aws_root

    report = parse("\n".join([HEADER, *lines]) + "\n")
    iam = Iam(report, None, password, [], None, [], None)
    found = Found()
    checks = Checks(found)
    aws_root.judge(iam, checks, found, AT, 30, "111122223333")
    return found, checks


@pytest.mark.parametrize(
    ("mfa", "key", "root_locked", "keys_state", "mfa_state"),
    [
        (True, False, "rarely-mfa", "pass", "pass"),
        (False, False, "shared", "pass", "FAIL"),
        (True, True, "daily", "FAIL", "pass"),
        (False, True, "daily", "FAIL", "FAIL"),
    ],
)
def test_root_from_the_credential_report(
    mfa: bool, key: bool, root_locked: str, keys_state: str, mfa_state: str
) -> None:
    found, checks = judged_root(root_row(mfa, key), USER_WITH_MFA)
    by_check = {r[0]: r[1] for r in checks.rows}
    assert (by_check["root access keys"], by_check["root MFA"]) == (keys_state, mfa_state)
    chosen = {v.practice: v.choice for v in found.verdicts}
    assert chosen["iam.root-locked"] == root_locked
    assert chosen["iam.mfa"] == ("all-humans" if mfa else "some")
    # last used 2025-12-01 by its key, or 2026-01-10 by its password: 50 or 90 days before AT
    assert by_check["root last used"] == "pass"


def test_root_used_recently_fails_and_a_root_without_credentials_cannot_sign_in() -> None:
    _, checks = judged_root(root_row(True, False, used="2026-02-25T00:00:00+00:00"))
    (row,) = [r for r in checks.rows if r[0] == "root last used"]
    assert row[1:] == [
        "FAIL",
        "root was last used 4 days ago (2026-02-25), within 30 days: root is for break-glass only",
    ]
    found, checks = judged_root(root_row(False, False, used="N/A"), USER_WITH_MFA, password=False)
    assert {r[0]: r[1] for r in checks.rows}["root MFA"] == "pass"
    chosen = {v.practice: v.choice for v in found.verdicts}
    assert "iam.root-locked" not in chosen and chosen["iam.mfa"] == "all-humans"


def test_against_moto_root_is_unknown_and_says_why(account: MotoAccount) -> None:
    result = run(account)
    why = "the credential report has no <root_account> row"
    assert rows(result)["root MFA"] == ("unknown", why) and rows(result)["root access keys"] == (
        "unknown",
        why,
    )
    assert "iam.root-locked" not in verdicts(result)


# --- CloudTrail


def trail(
    a: MotoAccount, bucket: str, *, everywhere: bool = True, logging: bool = True, name: str = "main"
) -> None:
    ct = a.client("cloudtrail")
    ct.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=everywhere)
    if logging:
        ct.start_logging(Name=name)


def test_a_logging_multi_region_trail_into_another_account_is_central_and_tamper_resistant(
    account: MotoAccount, aws: str
) -> None:
    logs = MotoAccount(aws)
    logs.bucket(f"org-trail-{logs.id}")
    trail(account, f"org-trail-{logs.id}")
    result = run(account, {"regions": [REGION, "us-east-1"]})
    assert rows(result)["CloudTrail in every region"] == (
        "pass",
        f"{REGION} and us-east-1 are recorded by a logging trail (main)",
    )
    assert rows(result)["CloudTrail tamper-resistant"][0] == "pass"
    assert verdicts(result)["audit.logging"] == "central"
    assert measured(result, "regions without a logging trail") == 0


def test_regions_without_a_logging_trail_are_provider_default(account: MotoAccount) -> None:
    account.bucket(f"trail-{account.id}")
    trail(account, f"trail-{account.id}", everywhere=False)
    one = run(account, {"regions": [REGION, "us-east-1"]})
    assert rows(one)["CloudTrail in every region"] == (
        "FAIL",
        "1 region without a logging CloudTrail trail: us-east-1",
    )
    assert verdicts(one)["audit.logging"] == "provider-default"
    account.client("cloudtrail").stop_logging(Name="main")
    stopped = run(account)
    assert rows(stopped)["CloudTrail in every region"][1] == (
        f"1 region without a logging CloudTrail trail: {REGION} (trail main is not logging)"
    )


def test_a_trail_bucket_in_the_account_needs_a_compliance_lock(account: MotoAccount) -> None:
    account.bucket(f"trail-{account.id}")
    trail(account, f"trail-{account.id}")
    loose = run(account)
    state, saw = rows(loose)["CloudTrail tamper-resistant"]
    assert (
        state == "FAIL" and f"main delivers to trail-{account.id} in this account, without Object Lock" in saw
    )
    assert verdicts(loose)["audit.logging"] == "central"  # recorded everywhere, deletable: the choice says so
    locked = MotoAccount(account.endpoint, account.id)
    locked.bucket(f"locked-trail-{account.id}", ObjectLockEnabledForBucket=True)
    locked.client("s3").put_object_lock_configuration(
        Bucket=f"locked-trail-{account.id}",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}},
        },
    )
    account.client("cloudtrail").update_trail(Name="main", S3BucketName=f"locked-trail-{account.id}")
    assert rows(run(account))["CloudTrail tamper-resistant"][0] == "pass"


# --- backups: S3 buckets


def locked_bucket(a: MotoAccount, name: str, mode: str = "COMPLIANCE", days: int = 30) -> None:
    a.bucket(name, ObjectLockEnabledForBucket=True)
    a.client("s3").put_object_lock_configuration(
        Bucket=name,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": mode, "Days": days}},
        },
    )


def replicate(a: MotoAccount, source: str, destination: str, account: str | None) -> None:
    rule: dict[str, Any] = {
        "ID": "copy",
        "Status": "Enabled",
        "Priority": 1,
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{destination}", **({"Account": account} if account else {})},
    }
    a.client("s3").put_bucket_replication(
        Bucket=source,
        ReplicationConfiguration={"Role": f"arn:aws:iam::{a.id}:role/replication", "Rules": [rule]},
    )


def private(a: MotoAccount, bucket: str) -> None:
    a.client("s3").put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            k: True
            for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        },
    )


def test_a_locked_private_backup_bucket_copying_to_another_account_passes(
    account: MotoAccount, aws: str
) -> None:
    vault = MotoAccount(aws)
    vault.bucket(f"copies-{vault.id}")
    name = f"backups-{account.id}"
    locked_bucket(account, name)
    replicate(account, name, f"copies-{vault.id}", vault.id)
    private(account, name)
    result = run(account, {"backup_buckets": [name]})
    checks = rows(result)
    assert checks["backup buckets versioned"] == ("pass", "1 backup bucket versioned")
    assert checks["backup buckets public access"] == ("pass", "1 backup bucket blocked from public access")
    assert checks["backups in another account"] == (
        "pass",
        f"every backup location copies to another account ({vault.id})",
    )
    assert checks["backups write-once"][0] == "pass"
    assert verdicts(result)["backups.offsite"] == "separate-account"
    assert verdicts(result)["backups.immutable"] == "all"
    table = next(t for t in result.evidence.tables if t.title == "backup locations")
    assert table.rows == [[f"s3://{name}", vault.id, "Object Lock in compliance mode for 30 days"]]


def test_a_plain_backup_bucket_fails_every_check(account: MotoAccount) -> None:
    name = f"dumps-{account.id}"
    account.bucket(name)
    result = run(account, {"backup_buckets": [name]})
    checks = rows(result)
    assert checks["backup buckets versioned"] == (
        "FAIL",
        f"backup bucket {name} not versioned: one overwrite or delete loses a copy",
    )
    assert checks["backup buckets public access"][0] == "FAIL"
    assert checks["backups in another account"] == (
        "FAIL",
        f"s3://{name} keeps its copies only in AWS account {account.id}, where production runs",
    )
    assert checks["backups write-once"] == (
        "FAIL",
        f"the production account's credentials can delete the copies in s3://{name} (no Object Lock)",
    )
    assert verdicts(result)["backups.offsite"] == "same-account"
    assert verdicts(result)["backups.immutable"] == "none"


def test_governance_mode_and_a_short_retention_are_not_write_once(account: MotoAccount) -> None:
    locked_bucket(account, f"gov-{account.id}", mode="GOVERNANCE", days=60)
    locked_bucket(account, f"short-{account.id}", days=7)
    result = run(account, {"backup_buckets": [f"gov-{account.id}", f"short-{account.id}"]})
    saw = rows(result)["backups write-once"][1]
    assert (
        "governance mode for 60 days: a credential allowed s3:BypassGovernanceRetention deletes copies early"
        in saw
    )
    assert "compliance mode for 7 days, under 30 days" in saw
    assert verdicts(result)["backups.immutable"] == "none"
    assert (
        verdicts(run(account, {"backup_buckets": [f"short-{account.id}"], "min_lock_days": 7}))[
            "backups.immutable"
        ]
        == "all"
    )


def test_a_replica_in_a_bucket_the_account_does_not_own_is_in_another_account(
    account: MotoAccount, aws: str
) -> None:
    elsewhere = MotoAccount(aws)
    elsewhere.bucket(f"theirs-{elsewhere.id}")
    name = f"backups-{account.id}"
    account.bucket(name)
    account.client("s3").put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    replicate(account, name, f"theirs-{elsewhere.id}", None)
    result = run(account, {"backup_buckets": [name]})
    assert verdicts(result)["backups.offsite"] == "separate-account"
    assert f"the owner of bucket theirs-{elsewhere.id}" in rows(result)["backups in another account"][1]
    # unlocked here, copied where its lock cannot be seen: write-once is not judged
    assert "backups.immutable" not in verdicts(result)
    state, why = rows(result)["backups write-once"]
    assert state == "unknown" and "its copies' lock in the owner of bucket" in why


def test_backup_buckets_come_from_the_workload_and_the_tag(account: MotoAccount) -> None:
    for name in ("probed", "component", "tagged", "other"):
        account.bucket(f"{name}-{account.id}")
    account.client("s3").put_bucket_tagging(
        Bucket=f"tagged-{account.id}", Tagging={"TagSet": [{"Key": "devoops", "Value": "backup"}]}
    )
    w = workload(
        probes={"dumps": {"type": "backups", "target": f"s3://probed-{account.id}/daily"}},
        inventory={
            "defaults": {"provider": "aws", "account": account.id},
            "components": {
                "db": {"kind": "database", "backups": [{"to": f"component-{account.id}"}]},
                f"component-{account.id}": {"kind": "object_storage"},
                "vault": {"kind": "backup_target", "description": "s3://not-in-this-account-at-all/x"},
            },
        },
    )
    result = run(account, {"backup_tag": "devoops=backup"}, w=w)
    table = next(t for t in result.evidence.tables if t.title == "backup locations")
    assert sorted(r[0] for r in table.rows) == [
        f"s3://component-{account.id}",
        f"s3://probed-{account.id}",
        f"s3://tagged-{account.id}",
    ]
    assert rows(result)["backup buckets"] == (
        "seen",
        "not-in-this-account-at-all not in this account: judged where they live, not here",
    )


# --- backups: AWS Backup vaults


def vault(
    a: MotoAccount, name: str, *, copy_to: str | None = None, lock: int | None = None, grace: int | None = 3
) -> None:
    """A vault a backup plan writes into, optionally copying to `copy_to` (a vault ARN) and
    locked: in compliance mode after `grace` days, in governance mode without."""
    backup = a.client("backup")
    backup.create_backup_vault(BackupVaultName=name)
    rule: dict[str, Any] = {"RuleName": "daily", "TargetBackupVaultName": name}
    if copy_to:
        rule["CopyActions"] = [{"DestinationBackupVaultArn": copy_to, "Lifecycle": {"DeleteAfterDays": 35}}]
    backup.create_backup_plan(BackupPlan={"BackupPlanName": f"plan-{name}", "Rules": [rule]})
    if lock is not None:
        settings: dict[str, Any] = {"MinRetentionDays": lock}
        if grace is not None:
            settings["ChangeableForDays"] = grace
        backup.put_backup_vault_lock_configuration(BackupVaultName=name, **settings)


def test_a_compliance_locked_vault_copying_to_another_account_once_its_lock_holds(
    account: MotoAccount, aws: str
) -> None:
    far = MotoAccount(aws)
    vault(account, "prod", copy_to=f"arn:aws:backup:{REGION}:{far.id}:backup-vault:far", lock=35)
    early = run(account)  # the lock becomes immutable 3 days from now: until then it can be removed
    assert "Vault Lock in compliance mode only from" in rows(early)["backups write-once"][1]
    assert verdicts(early)["backups.offsite"] == "separate-account"
    held = run(account, later=4 * DAY)
    assert rows(held)["backups write-once"] == (
        "pass",
        f"every backup location is write-once (vault prod ({REGION}))",
    )
    assert (
        verdicts(held).items() >= {"backups.offsite": "separate-account", "backups.immutable": "all"}.items()
    )


def test_a_governance_locked_or_unlocked_vault_is_deletable_here(account: MotoAccount) -> None:
    vault(account, "gov", lock=35, grace=None)
    vault(account, "bare")
    result = run(account)
    saw = rows(result)["backups write-once"][1]
    assert (
        f"vault gov ({REGION}) (Vault Lock in governance mode" in saw
        and f"vault bare ({REGION}) (no Vault Lock)" in saw
    )
    assert (
        verdicts(result).items() >= {"backups.offsite": "same-account", "backups.immutable": "none"}.items()
    )
    # a vault nothing writes into and nothing is kept in is not a backup location
    account.client("backup").create_backup_vault(BackupVaultName="Default")
    table = next(t for t in run(account).evidence.tables if t.title == "backup locations")
    assert sorted(r[0] for r in table.rows) == [f"vault bare ({REGION})", f"vault gov ({REGION})"]


def test_locked_and_unlocked_locations_together_are_some(account: MotoAccount) -> None:
    vault(account, "gov", lock=35, grace=None)
    locked_bucket(account, f"locked-{account.id}")
    result = run(account, {"backup_buckets": [f"locked-{account.id}"]})
    assert verdicts(result)["backups.immutable"] == "some"


# --- RDS


def database(a: MotoAccount, name: str, *, protected: bool, retention: int) -> None:
    a.client("rds").create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="owner",
        MasterUserPassword="not-a-real-secret-1",
        AllocatedStorage=20,
        DeletionProtection=protected,
        BackupRetentionPeriod=retention,
    )


def test_rds_deletion_protection_and_backups_pass_and_fail_without_deciding_drop_table(
    account: MotoAccount,
) -> None:
    database(account, "orders", protected=True, retention=7)
    good = run(account)
    assert rows(good)["RDS deletion protection"] == ("pass", "1 RDS database with deletion protection")
    assert rows(good)["RDS automated backups"] == (
        "pass",
        "every RDS database keeps automated backups (7 days or more)",
    )
    database(account, "scratch", protected=False, retention=0)
    bad = run(account)
    assert rows(bad)["RDS deletion protection"] == (
        "FAIL",
        "scratch can be deleted with one call: deletion protection is off",
    )
    assert rows(bad)["RDS automated backups"] == (
        "FAIL",
        "scratch keeps no automated backups (retention 0 days)",
    )
    assert measured(bad, "RDS databases without deletion protection") == 1
    assert "db.drop-table-protection" not in verdicts(bad)


def test_a_public_snapshot_fails_and_one_shared_with_an_account_is_reported(account: MotoAccount) -> None:
    """Unshared passes; shared with an account is reported (the `seen` row follows the pass)."""
    database(account, "orders", protected=True, retention=7)
    rds = account.client("rds")
    rds.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="handover")
    assert rows(run(account))["RDS snapshots shared"] == (
        "pass",
        "no manual snapshot is public (1 manual snapshot read)",
    )
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="handover", AttributeName="restore", ValuesToAdd=["222233334444"]
    )
    shared = run(account)
    assert rows(shared)["RDS snapshots shared"][0] == "seen"
    assert (
        "handover with 222233334444 shared: it stays this account's"
        in rows(shared)["RDS snapshots shared"][1]
    )
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="handover", AttributeName="restore", ValuesToAdd=["all"]
    )
    public = run(account)
    assert rows(public)["RDS snapshots shared"] == (
        "FAIL",
        f"manual snapshot handover ({REGION}) can be restored by anyone: it is public",
    )


# --- the organisation


def test_the_management_account_reaching_its_backup_member_fails(account: MotoAccount) -> None:
    orgs = account.client("organizations", "us-east-1")
    org = orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    member = orgs.create_account(Email="backup@example.com", AccountName="backup")["CreateAccountStatus"][
        "AccountId"
    ]
    MotoAccount(account.endpoint, member).bucket(f"copies-{member}")
    name = f"backups-{account.id}"
    locked_bucket(account, name)
    replicate(account, name, f"copies-{member}", member)
    result = run(account, {"backup_buckets": [name]})
    state, saw = rows(result)["organisation"]
    assert state == "FAIL" and saw.startswith(f"this is the management account of organisation {org}")
    assert saw.endswith(f"the backup account {member} among them")
    assert measured(result, "management account of its organisation") == 1


def test_a_member_account_names_its_organisation(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    management = MotoAccount(aws)
    orgs = management.client("organizations", "us-east-1")
    org = orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    member = MotoAccount(
        aws,
        orgs.create_account(Email="prod@example.com", AccountName="prod")["CreateAccountStatus"]["AccountId"],
    )
    use(monkeypatch, member.credentials())
    result = run(member)
    assert rows(result)["organisation"] == (
        "seen",
        f"a member account of organisation {org}, managed from {management.id}",
    )
    assert measured(result, "management account of its organisation") == 0


def test_the_backup_account_audited_on_its_own_is_apart_from_production(account: MotoAccount) -> None:
    """The inventory keeps the datasets in another account: the backups here are apart from it,
    copied further or not (as the backups probe holds a location against the primary's account)."""
    account.bucket(f"vault-{account.id}")
    inventory = {
        "defaults": {"provider": "aws", "account": "999988887777"},
        "components": {
            "db": {"kind": "database", "datasets": ["orders"], "backups": [{"to": "vault"}]},
            "vault": {
                "kind": "backup_target",
                "account": account.id,
                "description": f"s3://vault-{account.id}",
            },
        },
    }
    w = workload(
        inventory=inventory, **{"answers.data.datasets": [{"name": "orders", "criticality": "important"}]}
    )
    result = run(account, w=w)
    assert rows(result)["backups in another account"] == (
        "pass",
        "the backups here live apart from production, in AWS account 999988887777 (the inventory)",
    )
    assert verdicts(result)["backups.offsite"] == "separate-account"
    assert verdicts(result)["backups.immutable"] == "none"  # and anyone here can still delete them
