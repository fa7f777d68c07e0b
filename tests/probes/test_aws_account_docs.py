"""docs/probes/aws_account.md says what the probe does: its sample output is what an audit of an
account set up in moto prints (every line shown, in order), and its permission list is exactly the
IAM actions the probe calls, each of them in AWS's SecurityAudit managed policy."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pytest

from devoops.api import audit_file
from devoops.importers.aws_session import IMPORT, PROBE, actions
from devoops.report.markdown import render

from ..conftest import ROOT
from .moto_accounts import REGION, MotoAccount, aws, shop, use
from .test_aws_account import ADMIN, console, database, locked_bucket, replicate, trail

__all__ = ["aws"]  # the fixture, used by name

PAGE = ROOT / "docs" / "probes" / "aws_account.md"
INVENTORY = ROOT / "docs" / "inventory.md"
SAMPLE = re.compile(r"<!-- sample: audited in moto -->\n```\n(?P<body>.*?)\n```", re.S)
ACCOUNT, VAULT = "111122223333", "444455556666"


def test_the_sample_output_is_what_an_audit_of_the_account_prints(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a, vault = MotoAccount(aws, ACCOUNT), MotoAccount(aws, VAULT)
    use(monkeypatch, a.credentials())
    console(a, "alice", with_mfa=True)
    console(a, "bob", with_mfa=False)
    iam = a.client("iam")
    iam.create_user(UserName="gitlab-deploy")
    iam.attach_user_policy(UserName="gitlab-deploy", PolicyArn=ADMIN)
    iam.create_access_key(UserName="gitlab-deploy")
    a.bucket("shop-trail")
    trail(a, "shop-trail")
    vault.bucket("shop-vault-copies")
    locked_bucket(a, "shop-backups")
    replicate(a, "shop-backups", "shop-vault-copies", VAULT)
    a.client("s3").put_public_access_block(
        Bucket="shop-backups",
        PublicAccessBlockConfiguration={
            k: True
            for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        },
    )
    database(a, "orders", protected=False, retention=7)
    path = shop(
        tmp_path / "devoops.yaml",
        ACCOUNT,
        {"endpoint_url": aws, "regions": [REGION], "backup_buckets": ["shop-backups"]},
    )
    printed = render(audit_file(path, years=0).assessment)
    (shown,) = [m["body"] for m in SAMPLE.finditer(PAGE.read_text())]
    lines = iter(printed.splitlines())
    for line in shown.splitlines():
        if line.strip() in ("", "..."):
            continue
        assert any(line == out for out in lines), f"not printed, or out of order: {line!r}\n\n{printed}"


def listed(page: Path, heading: str) -> list[str]:
    """The IAM actions listed as `service:Action` bullets under a heading."""
    text = page.read_text().split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^- `([a-z0-9-]+:[A-Za-z]+)`", text, re.M)


def test_the_permission_lists_are_the_actions_called() -> None:
    assert listed(PAGE, "## Permissions") == actions(PROBE)
    assert listed(INVENTORY, "### Permissions") == actions(IMPORT)


def test_every_action_called_is_in_the_security_audit_policy() -> None:
    """AWS's SecurityAudit managed policy, as moto ships its document, allows every one of them
    (sts:GetCallerIdentity needs no permission at all)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    statements = json.loads(aws_managed_policies_data)["SecurityAudit"]["Document"]["Statement"]
    allowed = [
        a.lower()
        for s in statements
        if s["Effect"] == "Allow"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    for action in sorted((set(actions(PROBE)) | set(actions(IMPORT))) - {"sts:GetCallerIdentity"}):
        assert any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in allowed), action
