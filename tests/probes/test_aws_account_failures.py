"""The aws_account probe when things go wrong: a denied call is one unknown check and never a
broken probe; wrong credentials, a wrong account, a closed port, an endpoint that never answers
and one that quotes the request back are each an ERROR with its cause, within the timeout; and
the credentials of the environment never reach a result, a report, the store or a message."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from devoops.model.evidence import Status

from ..helpers import cli
from .httpservers import Loopback, Raw, heads
from .moto_accounts import MotoAccount, aws, enforced, shop, use
from .support import free_port
from .test_aws_account import console, rows, run

__all__ = ["aws"]  # the fixture, used by name

CANARY_KEY_ID = "AKIACANARYKEYID00001"
CANARY_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCANARY/SECRET0"
CANARY_TOKEN = "FwoGZXIvYXdzECANARY+TOKEN/that=must/never+leak"


def leaked(text: str) -> list[str]:
    """Which canary, in which form, appears in `text`."""
    found = []
    for secret in (CANARY_SECRET, CANARY_TOKEN, CANARY_KEY_ID):
        for form in {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}:
            if form in text:
                found.append(form)
    return found


def test_a_denied_service_is_unknown_for_its_checks_and_the_rest_is_judged(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = MotoAccount(aws)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:*", "ec2:Describe*", "s3:*", "backup:*", "organizations:*"],
                "Resource": "*",
            },
            {"Effect": "Deny", "Action": ["cloudtrail:*", "rds:*"], "Resource": "*"},
        ],
    }
    use(monkeypatch, a.credentials(policy=policy))
    console(a, "alice", with_mfa=False)
    with enforced():
        result = run(a)
    assert result.status == Status.FAIL, result.evidence.summary  # alice's missing MFA still counts
    checks = rows(result)
    assert checks["console users MFA"] == ("FAIL", "1 console user without MFA: alice")
    state, why = checks["CloudTrail in every region"]
    assert state == "unknown" and "cloudtrail:DescribeTrails was denied" in why
    for check in ("RDS deletion protection", "RDS automated backups"):
        state, why = checks[check]
        assert state == "unknown" and "rds:DescribeDBClusters was denied" in why, check
    assert "audit.logging" not in {v.practice for v in result.evidence.verdicts}
    assert "Could not tell:" in result.evidence.summary


def test_credentials_the_endpoint_refuses_are_an_error(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    a = MotoAccount(aws)
    a.credentials()  # the account exists; these keys are not its
    use(monkeypatch, {"AWS_ACCESS_KEY_ID": CANARY_KEY_ID, "AWS_SECRET_ACCESS_KEY": CANARY_SECRET})
    with enforced():
        result = run(a)
    assert result.status == Status.ERROR
    assert result.evidence.summary == (
        "the credentials were refused (InvalidClientTokenId) calling sts:GetCallerIdentity"
    )
    assert leaked(result.model_dump_json()) == []


def test_credentials_of_another_account_are_an_error(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    a = MotoAccount(aws)
    use(monkeypatch, a.credentials())
    result = run(a, target="123456789012")
    assert result.status == Status.ERROR
    assert result.evidence.summary.startswith(
        f"the credentials reach AWS account {a.id}, not the target 123456789012"
    )


def test_a_closed_port_is_an_error_with_its_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, {"AWS_ACCESS_KEY_ID": CANARY_KEY_ID, "AWS_SECRET_ACCESS_KEY": CANARY_SECRET})
    closed = MotoAccount(f"http://127.0.0.1:{free_port()}", "111122223333")
    result = run(closed, {"connect_timeout": 2}, timeout=60)
    assert result.status == Status.ERROR
    assert result.evidence.summary.startswith(
        "sts:GetCallerIdentity failed: Could not connect to the endpoint URL"
    )
    assert leaked(result.model_dump_json()) == []


def test_an_endpoint_that_never_answers_times_out_and_leaves_no_reader_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use(monkeypatch, {"AWS_ACCESS_KEY_ID": CANARY_KEY_ID, "AWS_SECRET_ACCESS_KEY": CANARY_SECRET})
    with Raw(lambda sock, stopping: bool(stopping.wait(60)) and False) as silent:
        result = run(MotoAccount(silent.url, "111122223333"), timeout=3)
        assert result.status == Status.ERROR and result.evidence.summary == "timed out after 3 s"
        # the call under way ends at its own read timeout (a third of the probe's), and no retry
        # or further call follows it
        for thread in threading.enumerate():
            if thread.name in ("probe account", "aws_account reader"):
                thread.join(timeout=60)
                assert not thread.is_alive(), thread.name


class Echo(Loopback):
    """Answers every request with an STS error quoting its headers back: the Authorization
    header (key id, signature) and the session token, as a leaky or hostile endpoint might."""

    def __init__(self) -> None:
        super().__init__(_EchoHandler)


class _EchoHandler(__import__("socketserver").BaseRequestHandler):
    server: Echo

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        for head in heads(sock, self.server.stopping):
            fields = head.decode("latin-1").split("\r\n")[1:]
            first = [f for f in fields if f.lower().startswith(("authorization:", "x-amz-security-token:"))]
            said = " ".join(first + [f for f in fields if f not in first]).replace("<", " ").replace("&", " ")
            body = (
                "<ErrorResponse><Error><Type>Sender</Type><Code>Boom</Code>"
                f"<Message>you sent {said}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
            ).encode()
            sock.sendall(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            return


def test_an_endpoint_quoting_the_request_back_never_gets_the_credentials_into_the_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use(
        monkeypatch,
        {
            "AWS_ACCESS_KEY_ID": CANARY_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": CANARY_SECRET,
            "AWS_SESSION_TOKEN": CANARY_TOKEN,
        },
    )
    with Echo() as echo:
        result = run(MotoAccount(echo.url, "111122223333"), timeout=20)
    assert result.status == Status.ERROR
    summary = result.evidence.summary
    assert summary.startswith("sts:GetCallerIdentity failed: Boom: you sent "), summary
    assert "***" in summary and "Signature=" not in summary.replace("Signature=***", "")
    assert leaked(result.model_dump_json()) == []


def test_environment_credentials_never_reach_a_report_the_store_or_a_message(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A full audit with the canary secret and token in the environment (moto checks no signature
    here, so any secret reaches the account its key id names): every report format, the saved
    store and what the command printed are free of them."""
    a = MotoAccount(aws)
    made = a.credentials()
    use(
        monkeypatch,
        {
            "AWS_ACCESS_KEY_ID": made["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": CANARY_SECRET,
            "AWS_SESSION_TOKEN": CANARY_TOKEN,
        },
    )
    console(a, "alice", with_mfa=False)
    path = shop(tmp_path / "devoops.yaml", a.id, {"endpoint_url": aws, "regions": ["eu-west-1"]})
    printed = []
    for n, fmt in enumerate(("terminal", "md", "json", "html")):
        out = tmp_path / f"report.{fmt}"
        done = cli("audit", path, "-f", fmt, "-o", out, "--years", "0", *(["--save"] if n == 0 else []))
        assert done.returncode in (0, 1, 4), done.stderr
        printed += [done.stdout, done.stderr, out.read_text()]
        assert "alice" in out.read_text(), fmt  # the probe's findings are in the report
    store = tmp_path / ".devoops" / "devoops.db"
    assert store.exists()
    stored = b"".join(p.read_bytes() for p in store.parent.iterdir() if p.is_file()).decode("latin-1")
    for text in (*printed, stored):
        assert leaked(text) == []
