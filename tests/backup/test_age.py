"""age passphrase files written and read from the specification, checked against pyrage (the
rage implementation) both ways, at the chunk boundaries and against damage."""

from __future__ import annotations

import io
import os

import pyrage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.backup.age import CHUNK, TAG, AgeError, PassphraseWriter, decrypt_passphrase

PASSPHRASE = "correct horse battery staple"
WORK = 10  # scrypt 2^10: fast, and still a valid file any age reads
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7]


def ours(plain: bytes, splits: list[int] | None = None, passphrase: str = PASSPHRASE) -> bytes:
    out = io.BytesIO()
    writer = PassphraseWriter(out, passphrase, work=WORK)
    view, at = memoryview(plain), 0
    for size in splits or []:
        writer.write(view[at : at + size])
        at += size
    writer.write(view[at:])
    writer.close()
    return out.getvalue()


def opened(sealed: bytes, passphrase: str = PASSPHRASE) -> bytes:
    return b"".join(decrypt_passphrase(io.BytesIO(sealed), passphrase))


def header_end(sealed: bytes) -> int:
    """Where the payload starts: after the MAC line and the 16-byte nonce."""
    return sealed.index(b"\n", sealed.index(b"\n---") + 1) + 1 + 16


@pytest.mark.parametrize("size", SIZES)
def test_pyrage_reads_ours(size: int) -> None:
    plain = os.urandom(size)
    assert pyrage.passphrase.decrypt(ours(plain), PASSPHRASE) == plain


def test_we_read_pyrages() -> None:
    """One file over several chunks (rage's scrypt work makes each file cost about a second)."""
    plain = os.urandom(2 * CHUNK + 1)
    assert opened(pyrage.passphrase.encrypt(plain, PASSPHRASE)) == plain


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=0, max_value=3 * CHUNK + 3),
    st.lists(st.integers(min_value=0, max_value=CHUNK + 9), max_size=6),
)
def test_any_size_written_in_any_pieces_comes_back(size: int, splits: list[int]) -> None:
    plain = bytes(i % 251 for i in range(size))
    sealed = ours(plain, splits)
    chunks = max(1, -(-size // CHUNK))
    assert len(sealed) == header_end(sealed) + size + chunks * TAG  # one tag per 64 KiB chunk
    assert opened(sealed) == plain


def test_a_wrong_passphrase_is_told() -> None:
    with pytest.raises(AgeError, match="wrong passphrase"):
        opened(ours(b"secret rows"), "not the passphrase")


@pytest.mark.parametrize("size", [CHUNK + 1, 2 * CHUNK + 100])
def test_truncation_at_and_inside_chunk_boundaries_is_refused(size: int) -> None:
    sealed = ours(os.urandom(size))
    start = header_end(sealed)
    cuts = [start, start + CHUNK + TAG, start + 10, start + CHUNK + TAG + 5, len(sealed) - 1]
    for cut in (c for c in cuts if c < len(sealed)):
        with pytest.raises(AgeError, match="truncated|damaged"):
            opened(sealed[:cut])
    with pytest.raises(AgeError, match="truncated"):
        opened(sealed[: sealed.index(b"\n---")])


def test_a_flipped_byte_anywhere_is_refused() -> None:
    sealed = ours(os.urandom(CHUNK + 500))
    start = header_end(sealed)
    for at in [
        len(b"age-encryption.org/v1\n-> scrypt ") + 2,
        sealed.index(b"\n---") + 6,
        start - 3,
        start + 1,
        start + CHUNK + TAG + 3,
        len(sealed) - 1,
    ]:
        damaged = bytearray(sealed)
        damaged[at] ^= 0x01
        with pytest.raises(AgeError):
            opened(bytes(damaged))


def test_what_is_not_a_passphrase_file_is_told() -> None:
    recipient = pyrage.x25519.Identity.generate().to_public()
    with pytest.raises(AgeError, match="X25519 recipients"):
        opened(pyrage.encrypt(b"rows", [recipient]))
    with pytest.raises(AgeError, match="not an age file"):
        opened(b"PGDMP and then some\n---\n")
    with pytest.raises(AgeError, match="empty"):
        PassphraseWriter(io.BytesIO(), "")
    heavy = ours(b"x").replace(b" 10\n", b" 30\n", 1)
    with pytest.raises(AgeError, match="2\\^30"):
        opened(heavy)
