"""AWS accounts of their own in moto's standalone server (the `s3` fixture of tests/conftest.py:
one server answers every service on loopback), each set up through the real boto3 API.

moto keeps one state per process, so every test takes a fresh account id: nothing one test makes
is seen by another. Setup calls name the account with moto's `x-moto-account-id` header; the
probe and the importer get an IAM user's access key made in that account, which moto maps back
to it, so they reach the account exactly as they would reach AWS, through the standard chain.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from devoops.importers.aws_session import PROBE, actions

from ..conftest import document

REGION = "eu-west-1"
AUDITOR = "devoops-audit"


def new_account() -> str:
    return "4" + "".join(secrets.choice("0123456789") for _ in range(11))


class MotoAccount:
    """One account in moto: boto3 clients that set it up, and credentials that read it."""

    def __init__(self, endpoint: str, account: str | None = None) -> None:
        self.endpoint = endpoint
        self.id = account or new_account()

    def client(self, service: str, region: str = REGION) -> Any:
        import boto3

        client = boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="AKIASETUPSETUPSETUP0",
            aws_secret_access_key="setup-only",
        )

        def account(request: Any, **_: Any) -> None:
            request.headers["x-moto-account-id"] = self.id

        client.meta.events.register("before-sign.*.*", account)
        return client

    def credentials(self, user: str = AUDITOR, policy: dict[str, Any] | None = None) -> dict[str, str]:
        """An IAM user of this account with an access key: by default the probe's documented
        read-only actions, nothing more."""
        iam = self.client("iam")
        iam.create_user(UserName=user)
        document = policy or {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions(PROBE), "Resource": "*"}],
        }
        iam.put_user_policy(UserName=user, PolicyName="audit", PolicyDocument=json.dumps(document))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    def bucket(self, name: str, region: str = REGION, **create: Any) -> None:
        if region != "us-east-1":  # S3 refuses us-east-1 as a location constraint: it is the default
            create["CreateBucketConfiguration"] = {"LocationConstraint": region}
        self.client("s3", region).create_bucket(Bucket=name, **create)


def use(monkeypatch: pytest.MonkeyPatch, credentials: dict[str, str]) -> None:
    """These credentials, and nothing else, in boto3's standard chain: no config files, no
    instance metadata (which would reach past loopback), no profile or token from the machine."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/devoops-test-aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/devoops-test-aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws(s3: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto's server, with AWS's managed policies (AdministratorAccess) in the accounts made now."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return s3


@contextmanager
def enforced() -> Iterator[None]:
    """moto checks every call against the caller's IAM policies while this lasts."""
    from moto.core import enable_iam_authentication

    with enable_iam_authentication():
        yield


def shop(path: Path, account: str, options: dict[str, Any]) -> Path:
    """A small shop's devoops.yaml at `path`, with one aws_account probe of `account`."""
    doc = document(probes={"account": {"type": "aws_account", "target": account, "options": options}})
    path.write_text(json.dumps(doc))
    return path
