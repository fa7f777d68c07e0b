"""The live AWS account through boto3, for the live-account importer and the aws_account probe.

One session (boto3's standard credential chain, or a named profile; never credentials held in
devoops's own settings) makes a client per service and region. Every call is bounded: a connect
and a read timeout, a few tries in boto3's standard retry mode (IAM throttles an account read
all at once), and `stop`, which ends every call still to come once a probe is cancelled. A
failure is sorted into what it means to the one asking: `Denied` (these credentials may not read
this, so that one check is unknown), `Failed` (the endpoint or the credentials do not work), or,
for the error codes the caller names as "not configured", no answer at all.

No message from here carries the credentials, an authorization header or a signature sent, plain
or URL-encoded, whatever the endpoint quotes back. ACTIONS is every call made, with the IAM
action it needs: the permission list the docs give is checked against it.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..backup.s3 import cut, without

PAGES = 1000  # pages of one listing read at most
PROBE, IMPORT = "probe", "import"

ACTIONS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (service, method): (action, frozenset(users))
    for service, method, action, users in (
        ("sts", "get_caller_identity", "sts:GetCallerIdentity", (PROBE, IMPORT)),
        ("ec2", "describe_regions", "ec2:DescribeRegions", (PROBE, IMPORT)),
        ("iam", "generate_credential_report", "iam:GenerateCredentialReport", (PROBE,)),
        ("iam", "get_credential_report", "iam:GetCredentialReport", (PROBE,)),
        ("iam", "get_account_summary", "iam:GetAccountSummary", (PROBE,)),
        ("iam", "get_account_authorization_details", "iam:GetAccountAuthorizationDetails", (PROBE,)),
        ("iam", "list_open_id_connect_providers", "iam:ListOpenIDConnectProviders", (PROBE,)),
        ("s3", "list_buckets", "s3:ListAllMyBuckets", (PROBE, IMPORT)),
        ("s3", "get_bucket_location", "s3:GetBucketLocation", (IMPORT,)),
        ("s3", "get_bucket_tagging", "s3:GetBucketTagging", (PROBE,)),
        ("s3", "get_bucket_versioning", "s3:GetBucketVersioning", (PROBE,)),
        ("s3", "get_object_lock_configuration", "s3:GetBucketObjectLockConfiguration", (PROBE,)),
        ("s3", "get_bucket_replication", "s3:GetReplicationConfiguration", (PROBE,)),
        ("s3", "get_public_access_block", "s3:GetBucketPublicAccessBlock", (PROBE,)),
        ("s3control", "get_public_access_block", "s3:GetAccountPublicAccessBlock", (PROBE,)),
        ("cloudtrail", "describe_trails", "cloudtrail:DescribeTrails", (PROBE,)),
        ("cloudtrail", "get_trail_status", "cloudtrail:GetTrailStatus", (PROBE,)),
        ("rds", "describe_db_instances", "rds:DescribeDBInstances", (PROBE, IMPORT)),
        ("rds", "describe_db_clusters", "rds:DescribeDBClusters", (PROBE, IMPORT)),
        ("rds", "describe_db_snapshots", "rds:DescribeDBSnapshots", (PROBE,)),
        ("rds", "describe_db_snapshot_attributes", "rds:DescribeDBSnapshotAttributes", (PROBE,)),
        ("backup", "list_backup_vaults", "backup:ListBackupVaults", (PROBE,)),
        ("backup", "list_backup_plans", "backup:ListBackupPlans", (PROBE,)),
        ("backup", "get_backup_plan", "backup:GetBackupPlan", (PROBE,)),
        ("organizations", "describe_organization", "organizations:DescribeOrganization", (PROBE,)),
        ("organizations", "list_accounts", "organizations:ListAccounts", (PROBE,)),
        ("ec2", "describe_instances", "ec2:DescribeInstances", (IMPORT,)),
        ("autoscaling", "describe_auto_scaling_groups", "autoscaling:DescribeAutoScalingGroups", (IMPORT,)),
        ("elbv2", "describe_load_balancers", "elasticloadbalancing:DescribeLoadBalancers", (IMPORT,)),
        ("elb", "describe_load_balancers", "elasticloadbalancing:DescribeLoadBalancers", (IMPORT,)),
        ("sqs", "list_queues", "sqs:ListQueues", (IMPORT,)),
        ("route53", "list_hosted_zones", "route53:ListHostedZones", (IMPORT,)),
    )
}
"""(service, method) -> the IAM action it needs, and who calls it."""

DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"}
)
REFUSED = frozenset(
    {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "InvalidSignatureException",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "InvalidToken",
        "AuthFailure",
        "MissingAuthenticationToken",
    }
)
"""Codes that say the credentials themselves do not work: nothing else can be read either."""


def actions(user: str) -> list[str]:
    """The IAM actions `user` (PROBE or IMPORT) needs, sorted."""
    return sorted({action for action, users in ACTIONS.values() if user in users})


@dataclass(frozen=True)
class Settings:
    profile: str | None = None  # a named profile of the shared config; None: the standard chain
    region: str | None = None  # the region for global services and the default; None: the profile's
    endpoint_url: str | None = None  # an emulator or a private endpoint, for every service
    timeout: float = 10.0  # seconds to connect, and to wait for each answer
    attempts: int = 3  # tries of each call, throttling included


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1] if self.arn.count(":") >= 5 else "aws"


class Failed(Exception):
    """The account could not be read: unreachable, credentials refused, an error, or stopped.
    The message is the cause, never a credential."""


class Denied(Exception):
    """These credentials may not make this call: `action` is the IAM action missing."""

    def __init__(self, action: str) -> None:
        super().__init__(f"{action} was denied")
        self.action = action


class Session:
    """Clients of one account, made once per service and region, shared by threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stopped = threading.Event()
        self._lock = threading.RLock()  # the session, its clients and what was sent
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._sent: deque[str] = deque(maxlen=64)  # authorization headers and tokens sent

    @property
    def home(self) -> str:
        """The region of global services (IAM, Organizations, Route 53) and the default one."""
        return self.settings.region or getattr(self._boto(), "region_name", None) or "us-east-1"

    def client(self, service: str, region: str | None = None) -> Any:
        where = region or self.home
        with self._lock:
            if (service, where) not in self._clients:
                self._clients[service, where] = self._make(service, where)
            return self._clients[service, where]

    def call(
        self,
        service: str,
        method: str,
        *,
        region: str | None = None,
        absent: Collection[str] = (),
        **params: Any,
    ) -> Any:
        """The answer of one call; None when the error code is one of `absent` (not configured)."""
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        try:
            return getattr(self.client(service, region), method)(**params)
        except ClientError as exc:
            self._sorted(exc, ACTIONS[service, method][0], absent)
            return None
        except (BotoCoreError, Stopped) as exc:
            raise Failed(f"{ACTIONS[service, method][0]} failed: {self.hide(str(exc))}") from None

    def pages(
        self,
        service: str,
        method: str,
        key: str,
        *,
        region: str | None = None,
        absent: Collection[str] = (),
        **params: Any,
    ) -> list[Any] | None:
        """Every item under `key` of a listing, page by page up to PAGES pages; None as `call`."""
        from botocore.exceptions import BotoCoreError, ClientError

        action = ACTIONS[service, method][0]
        client = self.client(service, region)
        if not client.can_paginate(method):
            answer = self.call(service, method, region=region, absent=absent, **params)
            return None if answer is None else list(answer.get(key, []))
        items: list[Any] = []
        try:
            for number, page in enumerate(client.get_paginator(method).paginate(**params), 1):
                if number > PAGES:
                    raise Failed(f"{action}: the listing runs over {PAGES} pages, the most devoops reads")
                items += page.get(key, [])
        except ClientError as exc:
            self._sorted(exc, action, absent)
            return None
        except (BotoCoreError, Stopped) as exc:
            raise Failed(f"{action} failed: {self.hide(str(exc))}") from None
        return items

    def _sorted(self, exc: Any, action: str, absent: Collection[str]) -> None:
        """An error answer as what it means: Denied or Failed, unless its code is `absent` (not
        configured), when the caller's answer is None."""
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in absent:
            return
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in REFUSED:
            raise Failed(f"the credentials were refused ({code}) calling {action}") from None
        if code in DENIED or status == 403:
            raise Denied(action) from None
        message = str(error.get("Message", ""))
        cause = f"{code}: {message}" if message and message != code else code or str(status)
        raise Failed(f"{action} failed: {self.hide(cause)}") from None

    def identity(self) -> Identity:
        """Whose credentials these are: a credential problem is Failed here, before anything else."""
        try:
            got = self.call("sts", "get_caller_identity")
        except Denied:  # the call needs no permission: a refusal means the credentials
            raise Failed("sts:GetCallerIdentity was refused: the credentials do not work") from None
        return Identity(str(got["Account"]), str(got["Arn"]))

    def regions(self) -> list[str]:
        """The regions enabled for the account (Denied when it may not ask)."""
        got = self.call("ec2", "describe_regions", AllRegions=False)
        enabled = ("opt-in-not-required", "opted-in", None)
        return sorted(r["RegionName"] for r in got.get("Regions", []) if r.get("OptInStatus") in enabled)

    def stop(self) -> None:
        """Every call from now on fails at once: the probe was cancelled."""
        self.stopped.set()

    def hide(self, text: str) -> str:
        """`text` without the credentials, a header or a signature sent, cut to SAID characters."""
        with self._lock:
            hidden = set(self._sent)
        with contextlib.suppress(Exception):
            frozen = self._boto().get_credentials().get_frozen_credentials()
            hidden |= {frozen.access_key, frozen.secret_key, frozen.token}
        return cut(re.sub(r"\s+", " ", without(text, hidden)).strip())

    def _boto(self) -> Any:
        with self._lock:
            return self._made()

    def _made(self) -> Any:
        if self._session is None:
            try:
                import boto3  # type: ignore[import-untyped]
                from botocore.exceptions import BotoCoreError
            except ImportError:
                raise Failed("reading an AWS account needs boto3: pip install 'devoops[probes]'") from None
            try:
                self._session = boto3.session.Session(
                    profile_name=self.settings.profile, region_name=self.settings.region
                )
            except BotoCoreError as exc:  # an unknown profile
                raise Failed(str(exc)) from None
        return self._session

    def _make(self, service: str, region: str) -> Any:
        from botocore.config import Config  # type: ignore[import-untyped]
        from botocore.exceptions import BotoCoreError

        s = self.settings
        custom = s.endpoint_url is not None
        config = Config(
            connect_timeout=s.timeout,
            read_timeout=s.timeout,
            retries={"total_max_attempts": max(1, s.attempts), "mode": "standard"},
            # an emulator or a private endpoint is addressed as given: no bucket or account in
            # front of its host name (`_as_given` for what this leaves)
            s3={"addressing_style": "path"} if custom else None,
            inject_host_prefix=not custom,
        )
        try:
            client = self._boto().client(
                service, region_name=region, endpoint_url=s.endpoint_url, config=config
            )
        except BotoCoreError as exc:
            raise Failed(f"cannot reach {service} in {region}: {self.hide(str(exc))}") from None
        if custom:
            client.meta.events.register("before-sign", self._as_given)
        client.meta.events.register("before-call", self._before_call)
        client.meta.events.register("before-send", self._before_send)
        return client

    def _as_given(self, request: Any, **_: Any) -> None:
        """A custom endpoint is reached at its own host: botocore puts the account id in front of
        S3 Control's host whatever the endpoint, a name no emulator or private endpoint answers."""
        given = urlsplit(self.settings.endpoint_url or "")
        url = urlsplit(request.url)
        if url.netloc != given.netloc and url.netloc.endswith("." + given.netloc):
            request.url = urlunsplit(url._replace(netloc=given.netloc))

    def _before_call(self, **_: Any) -> None:
        if self.stopped.is_set():
            raise Stopped("stopped")

    def _before_send(self, request: Any, **_: Any) -> None:
        self._before_call()  # each try, retries included
        for name in ("Authorization", "X-Amz-Security-Token"):
            if sent := request.headers.get(name):
                with self._lock:
                    self._sent.append(sent.decode() if isinstance(sent, bytes) else str(sent))


class Stopped(Exception):
    """The probe was cancelled: no further call is made."""
