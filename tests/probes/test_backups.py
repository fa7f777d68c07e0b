"""The backups probe against real files in temporary folders and a real S3-compatible HTTP server
(moto's standalone server on loopback: no real S3 can run here)."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import os
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from devoops.backup.formats import detect
from devoops.backup.location import matcher
from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.evidence import Measurement, ProbeResult, Status
from devoops.model.workload import ProbeConfig, Workload
from devoops.probes.backups import BackupsProbe
from devoops.probes.base import Context
from devoops.probes.run import collect

from ..conftest import NOW, workload
from .support import free_port, probe

SQL = (
    b"--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"
    + b"INSERT INTO t VALUES (1);\n" * 200
)
PGDMP = b"PGDMP\x01\x0f\x00\x04\x08\x01\x01" + b"\x00" * 500  # the custom format's 5-byte magic and filler
AGE = b"age-encryption.org/v1\n-> X25519 abc\nxyz\n--- hmac\n" + os.urandom(400)


def lifeblood(rpo: float = 60, inventory: dict[str, Any] | None = None) -> Workload:
    """A workload with one dataset whose policy asks for encrypted backups (lifeblood: 35 days)."""
    changes: dict[str, Any] = {
        "answers.data.datasets": [{"name": "orders", "criticality": "lifeblood", "rpo_minutes": rpo}]
    }
    if inventory is not None:
        changes["inventory"] = inventory
    return workload(**changes)


INVENTORY = {
    "defaults": {"provider": "aws", "account": "111111111111"},
    "components": {
        "db": {"kind": "database", "datasets": ["orders"]},
        "app": {"kind": "app", "depends_on": ["db"]},
    },
}


def put(folder: Path, name: str, data: bytes, hours_old: float, now: dt.datetime = NOW) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stamp = (now - dt.timedelta(hours=hours_old)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def measurement(result: ProbeResult, name: str) -> Measurement:
    return next(m for m in result.evidence.measurements if m.name == name)


def verdicts(result: ProbeResult) -> dict[str, str]:
    return {v.practice: v.choice for v in result.evidence.verdicts}


# formats, from real bytes


def test_formats_are_told_from_the_first_bytes(tmp_path: Path) -> None:
    assert detect(gzip.compress(SQL)).name == "gzip of PostgreSQL plain SQL dump"
    assert detect(gzip.compress(PGDMP)).name == "gzip of pg_dump custom"
    assert detect(gzip.compress(PGDMP)).encrypted is False
    assert detect(gzip.compress(b"\x00\x01 anything")).encrypted is False  # gunzip reads it
    assert detect(gzip.compress(AGE)).encrypted is True
    assert detect(SQL).encrypted is False and detect(PGDMP).encrypted is False
    assert detect(AGE).name == "age" and detect(AGE).encrypted is True
    armored_age = b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+\n"
    assert detect(armored_age).encrypted is True
    assert detect(b"-----BEGIN PGP MESSAGE-----\n\nhQEMA...").name == "OpenPGP (armored)"
    assert detect(b"\x8c\x0d\x04\x07\x03\x02").name == "OpenPGP"  # old-format SKESK
    assert detect(b"\xc1\x0c\x03").name == "OpenPGP"  # new-format PKESK
    assert detect(b"Salted__" + os.urandom(8)).encrypted is True
    assert detect(b"PK\x03\x04 a zip").encrypted is None
    assert detect(b"\x1f\x8b\x08 broken").encrypted is None


def test_zstd_is_looked_into_like_gzip() -> None:
    import pyzstd

    assert detect(pyzstd.compress(SQL)).name == "zstd of PostgreSQL plain SQL dump"
    assert detect(pyzstd.compress(PGDMP)).encrypted is False
    assert detect(pyzstd.compress(AGE)).name == "zstd of age"
    assert detect(pyzstd.compress(AGE)).encrypted is True
    assert detect(pyzstd.compress(b"\x00\x01 anything")).name == "zstd"  # unzstd reads it
    assert detect(b"\x28\xb5\x2f\xfd broken").encrypted is None


@pytest.mark.needs("openssl")
def test_a_real_openssl_enc_file_is_encrypted(tmp_path: Path) -> None:
    (tmp_path / "dump.sql").write_bytes(SQL)
    out = tmp_path / "dump.sql.enc"
    subprocess.run(
        ["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-salt", "-pass", "pass:s3cret"]
        + ["-in", str(tmp_path / "dump.sql"), "-out", str(out)],
        check=True,
    )
    assert detect(out.read_bytes()).name == "OpenSSL enc (salted)"


@pytest.mark.needs("gpg")
def test_a_real_gpg_symmetric_file_is_encrypted(tmp_path: Path) -> None:
    (tmp_path / "dump.sql").write_bytes(SQL)
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--yes", "--pinentry-mode", "loopback"]
    symmetric = ["--passphrase", "s3cret", "--symmetric", "-o", str(tmp_path / "dump.gpg")]
    subprocess.run([*gpg, *symmetric, str(tmp_path / "dump.sql")], check=True, capture_output=True)
    assert detect((tmp_path / "dump.gpg").read_bytes()).name == "OpenPGP"


def test_patterns_stay_within_a_folder_unless_double_star() -> None:
    assert matcher("*.dump")("a.dump") and not matcher("*.dump")("daily/a.dump")
    assert matcher("**/*.dump")("daily/a.dump") and matcher("**/*.dump")("a.dump")
    assert matcher("db-????.gz")("db-0001.gz") and not matcher("db-????.gz")("db-01.gz")


def test_targets_are_checked_when_loaded() -> None:
    for bad in ("", "s3://", "https://example.com/x"):
        with pytest.raises(ValueError):
            BackupsProbe.validate(bad, {})
    assert BackupsProbe.validate("s3://bucket/daily", {}).target == "s3://bucket/daily"


# local folders


def test_a_fresh_readable_backup_without_a_policy_passes(tmp_path: Path) -> None:
    put(tmp_path, "db-1.sql.gz", gzip.compress(SQL), 30)
    put(tmp_path, "db-2.sql.gz", gzip.compress(SQL), 6)
    put(tmp_path, "notes.txt", b"x", 1)
    result = probe("backups", str(tmp_path), {"pattern": "*.sql.gz"})
    assert result.status == Status.PASS, result.evidence.summary
    assert measurement(result, "backups kept").value == 2
    age = measurement(result, "newest backup age")
    assert age.value == 6 and age.target == 26 and age.ok is True and "db-2.sql.gz" in (age.detail or "")
    assert measurement(result, "size against previous").value == 1
    assert measurement(result, "oldest backup age").value == 1.25
    assert measurement(result, "encrypted").value == 0
    assert verdicts(result) == {"backups.encrypted": "plaintext"}
    assert "gzip of PostgreSQL plain SQL dump" in result.evidence.summary
    assert result.evidence.tables[0].rows[0][0] == "db-2.sql.gz"


def test_a_backup_older_than_the_rpo_fails(tmp_path: Path) -> None:
    put(tmp_path, "orders.age", AGE, 2)
    result = probe("backups", str(tmp_path), workload=lifeblood(rpo=60))
    assert result.status == Status.FAIL
    age = measurement(result, "newest backup age")
    assert age.target == 1 and age.ok is False and "RPO of dataset orders" in (age.detail or "")
    assert "older than the RPO of dataset orders (1.0 h)" in result.evidence.summary
    fresh = probe("backups", str(tmp_path), workload=lifeblood(rpo=180))
    assert fresh.status == Status.PASS, fresh.evidence.summary
    assert measurement(fresh, "oldest backup age").detail == "the policy keeps 35 days"
    loose = probe("backups", str(tmp_path), {"max_age_hours": 3}, workload=lifeblood(rpo=60))
    assert loose.status == Status.PASS


def test_no_backup_fails_and_shows_none(tmp_path: Path) -> None:
    put(tmp_path, "readme.txt", b"hello", 1)
    result = probe("backups", str(tmp_path), {"pattern": "*.dump"})
    assert result.status == Status.FAIL
    assert verdicts(result) == {"backups.automated": "none"}
    assert "no backup matching '*.dump'" in result.evidence.summary


def test_an_empty_newest_backup_fails(tmp_path: Path) -> None:
    put(tmp_path, "a.dump", PGDMP, 25)
    put(tmp_path, "b.dump", b"", 1)
    result = probe("backups", str(tmp_path))
    assert result.status == Status.FAIL
    assert "b.dump is empty (0 bytes)" in result.evidence.summary


def test_a_much_smaller_newest_backup_fails(tmp_path: Path) -> None:
    put(tmp_path, "a.dump", PGDMP * 10, 25)
    put(tmp_path, "b.dump", PGDMP * 4, 1)
    result = probe("backups", str(tmp_path))
    assert result.status == Status.FAIL
    ratio = measurement(result, "size against previous")
    assert ratio.value == 0.4 and ratio.target == 0.5 and ratio.ok is False
    assert "40% of the previous (a.dump" in result.evidence.summary
    assert probe("backups", str(tmp_path), {"min_size_ratio": 0.3}).status == Status.PASS


def test_a_readable_backup_fails_when_the_policy_asks_for_encryption(tmp_path: Path) -> None:
    put(tmp_path, "orders.dump", PGDMP, 0.5)
    result = probe("backups", str(tmp_path), workload=lifeblood())
    assert result.status == Status.FAIL
    assert "readable pg_dump custom; the backup policy of dataset orders asks for encryption" in (
        result.evidence.summary
    )
    assert verdicts(result)["backups.encrypted"] == "plaintext"
    assert probe("backups", str(tmp_path), {"require_encryption": False}, workload=lifeblood()).status == (
        Status.PASS
    )


@pytest.mark.needs("openssl")
def test_an_encrypted_backup_passes_the_policy(tmp_path: Path) -> None:
    put(tmp_path, "plain.sql", SQL, 1)
    subprocess.run(
        ["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-pass", "pass:x", "-in", str(tmp_path / "plain.sql")]
        + ["-out", str(tmp_path / "orders.sql.enc")],
        check=True,
    )
    stamp = (NOW - dt.timedelta(minutes=20)).timestamp()
    os.utime(tmp_path / "orders.sql.enc", (stamp, stamp))
    result = probe("backups", str(tmp_path), {"pattern": "*.enc"}, workload=lifeblood())
    assert result.status == Status.PASS, result.evidence.summary
    assert measurement(result, "encrypted").value == 1
    assert "backups.encrypted" not in verdicts(result)  # where the key is kept is not in the file


def test_an_unrecognised_format_is_unknown_when_encryption_is_required(tmp_path: Path) -> None:
    put(tmp_path, "orders.zip", b"PK\x03\x04" + os.urandom(100), 0.5)
    result = probe("backups", str(tmp_path), workload=lifeblood())
    assert result.status == Status.UNKNOWN
    assert "whether it is encrypted cannot be told" in result.evidence.summary
    assert probe("backups", str(tmp_path)).status == Status.PASS


def test_a_backup_in_the_primarys_account_fails(tmp_path: Path) -> None:
    put(tmp_path, "orders.age", AGE, 0.5)
    w = lifeblood(inventory=INVENTORY)
    same = probe("backups", str(tmp_path), {"account": "aws/111111111111"}, workload=w)
    assert same.status == Status.FAIL
    assert verdicts(same)["backups.offsite"] == "same-account"
    assert "same provider account as the primary database (inventory component db)" in same.evidence.summary
    apart = probe("backups", str(tmp_path), {"account": "aws/222222222222"}, workload=w)
    assert apart.status == Status.PASS, apart.evidence.summary
    assert verdicts(apart)["backups.offsite"] == "separate-account"
    other = probe("backups", str(tmp_path), {"account": "hetzner/x", "primary": "hetzner/x"})
    assert verdicts(other)["backups.offsite"] == "same-account"
    unjudged = probe("backups", str(tmp_path), workload=w)
    assert "backups.offsite" not in verdicts(unjudged)
    assert "offsite not judged: the backups' account (account) unknown" in unjudged.evidence.summary


def test_patterns_reach_into_folders(tmp_path: Path) -> None:
    put(tmp_path, "daily/a.dump", PGDMP, 2)
    put(tmp_path, "weekly/b.dump", PGDMP, 100)
    result = probe("backups", str(tmp_path), {"pattern": "**/*.dump"})
    assert measurement(result, "backups kept").value == 2
    assert result.evidence.tables[0].rows[0][0] == "daily/a.dump"
    assert measurement(probe("backups", str(tmp_path), {"pattern": "*.dump"}), "backups kept").value == 0


def test_a_missing_folder_or_dataset_is_an_error(tmp_path: Path) -> None:
    result = probe("backups", str(tmp_path / "nowhere"))
    assert result.status == Status.ERROR and "does not exist" in result.evidence.summary
    bad = probe("backups", str(tmp_path), {"dataset": "users"}, workload=lifeblood())
    assert bad.status == Status.ERROR
    assert "dataset 'users' is not among the workload's datasets (orders)" in bad.evidence.summary


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_is_an_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        result = probe("backups", str(locked))
    finally:
        locked.chmod(0o700)
    assert result.status == Status.ERROR and "Permission denied" in result.evidence.summary


# S3, through moto's standalone server on loopback


ENV = {"KEY_ID": "AKIAEXAMPLEKEY00", "SECRET": "wJalrXUtnFEMIexampleSECRETkey0000"}


def s3_probe(
    endpoint: str,
    target: str,
    options: Mapping[str, Any] | None = None,
    *,
    now: dt.datetime | None = None,
    w: Workload | None = None,
    timeout: float = 20,
) -> ProbeResult:
    """Run the probe at the real clock (the objects' times are the server's)."""
    import aiohttp

    settings = {"endpoint_url": endpoint, "region": "us-east-1", "access_key_id": "${KEY_ID}"}
    settings |= {"secret_access_key": "${SECRET}", **(options or {})}
    lens = load_lens()
    w = w or workload()
    targets = {v.horizon: v.targets for v in assess(w, lens, NOW, "test").horizons}
    config = ProbeConfig(type="backups", target=target, timeout=timeout, options=settings)

    async def go() -> ProbeResult:
        async with aiohttp.ClientSession() as http:
            clock = now or dt.datetime.now(dt.UTC)
            return await collect(Context("s3", clock, timeout, w, targets, http), config, lens, ENV)

    return asyncio.run(go())


def bucket(endpoint: str, name: str, objects: Mapping[str, bytes], pause: float = 1.05, **put: Any) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ENV["KEY_ID"],
        aws_secret_access_key=ENV["SECRET"],
    )
    client.create_bucket(Bucket=name)
    for key, data in objects.items():
        client.put_object(Bucket=name, Key=key, Body=data, **put)
        time.sleep(pause)  # S3 times have second resolution: keep the order


def test_s3_backups_are_listed_and_judged(s3: str) -> None:
    bucket(
        s3,
        "fresh",
        {
            "daily/a.sql.gz.enc": b"Salted__" + os.urandom(600),
            "daily/b.sql.gz.enc": b"Salted__" + os.urandom(600),
            "other/x": b"x",
        },
    )
    result = s3_probe(
        s3, "s3://fresh/daily", {"account": "aws/222222222222"}, w=lifeblood(inventory=INVENTORY)
    )
    assert result.status == Status.PASS, result.evidence.summary
    assert measurement(result, "backups kept").value == 2
    assert result.evidence.tables[0].rows[0][0] == "b.sql.gz.enc"
    assert measurement(result, "encrypted").value == 1
    assert verdicts(result) == {"backups.offsite": "separate-account"}
    text = result.model_dump_json()
    assert ENV["SECRET"] not in text and ENV["KEY_ID"] not in text
    late = s3_probe(
        s3, "s3://fresh/daily", now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2), w=lifeblood()
    )
    assert late.status == Status.FAIL and "older than the RPO of dataset orders" in late.evidence.summary


def test_s3_readable_backup_in_the_primarys_account_fails(s3: str) -> None:
    bucket(s3, "plain", {"orders.sql.gz": gzip.compress(SQL)})
    result = s3_probe(s3, "s3://plain", {"account": "aws/111111111111"}, w=lifeblood(inventory=INVENTORY))
    assert result.status == Status.FAIL
    assert verdicts(result) == {"backups.encrypted": "plaintext", "backups.offsite": "same-account"}
    assert "readable gzip of PostgreSQL plain SQL dump" in result.evidence.summary


def test_s3_storage_encryption_alone_is_provider_at_rest(s3: str) -> None:
    bucket(s3, "sse", {"orders.dump": PGDMP}, ServerSideEncryption="AES256")
    result = s3_probe(s3, "s3://sse", w=lifeblood())
    assert result.status == Status.FAIL
    assert verdicts(result) == {"backups.encrypted": "provider-at-rest"}


def test_s3_missing_bucket_and_unreachable_endpoint_are_errors(s3: str) -> None:
    missing = s3_probe(s3, "s3://no-such-bucket/x")
    assert missing.status == Status.ERROR and "NoSuchBucket" in missing.evidence.summary
    began = time.monotonic()
    down = s3_probe(f"http://127.0.0.1:{free_port()}", "s3://any/x", {"connect_timeout": 2}, timeout=10)
    assert time.monotonic() - began < 10
    assert down.status == Status.ERROR and "cannot list s3://any/x/" in down.evidence.summary
    assert ENV["SECRET"] not in down.model_dump_json()


def test_s3_listing_past_its_bound_is_an_error_naming_it(s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The newest is known only once every key is listed: past the bound (100,000 keys; 3 here) the
    probe says so rather than judge part of the listing."""
    from devoops.backup import s3 as storage

    bucket(s3, "crowded", {f"daily/db-{n}.dump": PGDMP for n in range(4)}, pause=0)
    monkeypatch.setattr(storage, "KEYS", 3)
    result = s3_probe(s3, "s3://crowded/daily")
    assert result.status == Status.ERROR
    assert "cannot list s3://crowded/daily/: the listing runs over 3 keys" in result.evidence.summary
    monkeypatch.setattr(storage, "KEYS", 4)
    assert s3_probe(s3, "s3://crowded/daily").status == Status.PASS
