"""seal and unpack round trips, and every way a backup can be unreadable, with real gpg."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest
import pyzstd

from devoops.backup import age
from devoops.backup.stream import Keys, seal
from devoops.backup.unpack import Unreadable, unpack

from .. import tiers

CUSTOM = b"PGDMP\x01\x0f\x00\x04\x08\x01\x01" + os.urandom(300_000)  # a custom archive's magic, then bulk
SQL = (
    b"--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"
    + b"INSERT INTO t VALUES (1);\n" * 5000
)
IDENTITY = pyrage.x25519.Identity.generate()
PASSPHRASE = "stream-test-passphrase-42"


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """seal writes age's usual scrypt work (2^18); 2^10 keeps the tests quick and the files valid."""
    original = age.PassphraseWriter.__init__

    def light(self: age.PassphraseWriter, out: age.Writer, passphrase: str, work: int = 10) -> None:
        original(self, out, passphrase, work)

    monkeypatch.setattr(age.PassphraseWriter, "__init__", light)


def sealed(plain: bytes, keys: Keys, threads: int = 0) -> bytes:
    out = io.BytesIO()
    seal(io.BytesIO(plain), out, keys, level=3, threads=threads)
    return out.getvalue()


def opened(data: bytes, keys: Keys) -> tuple[list[str], dict[str, bytes]]:
    got: dict[str, io.BytesIO] = {}

    def start(kind: str) -> io.BytesIO:
        got[kind] = io.BytesIO()
        return got[kind]

    layers = unpack(io.BytesIO(data), keys, start)
    return layers, {k: v.getvalue() for k, v in got.items()}


def test_a_passphrase_backup_round_trips() -> None:
    data = sealed(CUSTOM, Keys(passphrase=PASSPHRASE))
    assert data.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert opened(data, Keys(passphrase=PASSPHRASE)) == (
        ["age (passphrase)", "zstd", "pg_dump custom"],
        {"custom": CUSTOM},
    )


@pytest.mark.parametrize("threads", [0, 2])
def test_a_recipients_backup_opens_only_with_an_identity(threads: int) -> None:
    keys = Keys(recipients=(str(IDENTITY.to_public()),))
    data = sealed(SQL, keys, threads)
    assert opened(data, Keys(identities=("# key", str(IDENTITY)))) == (
        ["age (recipients)", "zstd", "plain SQL"],
        {"sql": SQL},
    )
    with pytest.raises(Unreadable, match="no identity was given"):
        opened(data, Keys(passphrase=PASSPHRASE))
    with pytest.raises(Unreadable, match="no identity given opens it"):
        opened(data, Keys(identities=(str(pyrage.x25519.Identity.generate()),)))


def test_gzip_and_plain_dumps_are_read() -> None:
    assert opened(gzip.compress(SQL), Keys()) == (["gzip", "plain SQL"], {"sql": SQL})
    assert opened(CUSTOM, Keys()) == (["pg_dump custom"], {"custom": CUSTOM})


def test_nothing_is_sealed_without_a_key() -> None:
    with pytest.raises(ValueError, match="does not write unencrypted backups"):
        sealed(CUSTOM, Keys())


@pytest.fixture
def gnupg(tmp_path: Path) -> Iterator[Path]:
    """A GnuPG home of the test's own (the machine may lack gpg: see tests/tiers.py)."""
    tiers.require("gpg")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    try:
        yield home
    finally:
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False
        )


def test_an_openpgp_passphrase_file_from_real_gpg_is_read(gnupg: Path, tmp_path: Path) -> None:
    (tmp_path / "dump").write_bytes(gzip.compress(SQL))
    subprocess.run(
        ["gpg", "--homedir", str(gnupg), "--batch", "--yes", "--pinentry-mode", "loopback"]
        + [
            "--passphrase",
            PASSPHRASE,
            "--symmetric",
            "-o",
            str(tmp_path / "dump.gpg"),
            str(tmp_path / "dump"),
        ],
        check=True,
        capture_output=True,
    )
    data = (tmp_path / "dump.gpg").read_bytes()
    assert opened(data, Keys(passphrase=PASSPHRASE)) == (
        ["OpenPGP (passphrase)", "gzip", "plain SQL"],
        {"sql": SQL},
    )
    with pytest.raises(Unreadable, match="OpenPGP: wrong passphrase"):
        opened(data, Keys(passphrase="not it"))
    with pytest.raises(Unreadable, match="none was given"):
        opened(data, Keys())


def test_each_unreadable_backup_says_why() -> None:
    keys = Keys(passphrase=PASSPHRASE)
    good = sealed(CUSTOM, keys)
    packed = pyzstd.compress(CUSTOM)
    cases = [
        (good, Keys(passphrase="wrong"), "age: wrong passphrase"),
        (good, Keys(), "none was given"),
        (good[: len(good) // 2], keys, "age: truncated"),
        (packed[: len(packed) // 2], keys, "zstd: truncated"),
        (
            pyzstd.compress(b"just some text, not a dump" * 10),
            keys,
            "not a PostgreSQL dump",
        ),
        (b"", keys, "empty"),
        (sealed(b"", keys), keys, "empty"),
        (b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n", keys, "armored"),
        (b"Salted__" + os.urandom(64), keys, "OpenSSL"),
    ]
    for data, given, cause in cases:
        with pytest.raises(Unreadable, match=cause) as told:
            opened(data, given)
        assert PASSPHRASE not in str(told.value)
