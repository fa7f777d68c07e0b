"""Backups as streams, in bounded memory whatever the database's size: the keys that seal and
open them, and `seal`, which compresses (zstd) and encrypts (age) a dump on its way to
storage. Taking a backup apart again is `unpack`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import age
from .location import Reader, ReadStream, Writer

BLOCK = 1 << 20  # bytes moved at a time


@dataclass(frozen=True)
class Keys:
    """How backups are encrypted or opened. A passphrase seals with age's scrypt and opens age
    and OpenPGP passphrase files; recipients (age1…, ssh-ed25519 …) seal, identities
    (AGE-SECRET-KEY-1… lines) open what was sealed to them."""

    passphrase: str | None = None
    recipients: tuple[str, ...] = ()
    identities: tuple[str, ...] = ()


def age_recipients(texts: Sequence[str]) -> list[Any]:
    """pyrage recipients; ValueError naming which one (by position) is not a recipient."""
    import pyrage

    out = []
    for i, text in enumerate(texts, 1):
        kind = pyrage.ssh if text.startswith("ssh-") else pyrage.x25519
        try:
            out.append(kind.Recipient.from_str(text.strip()))
        except Exception:  # pyrage raises its own RecipientError or ValueError
            raise ValueError(f"recipient {i} is not an age or SSH public key") from None
    return out


def age_identities(texts: Sequence[str]) -> list[Any]:
    """pyrage identities from identity-file lines (comments and blank lines skipped)."""
    import pyrage

    out = []
    for i, line in enumerate((t.strip() for t in texts), 1):
        if not line or line.startswith("#"):
            continue
        try:
            out.append(pyrage.x25519.Identity.from_str(line))
        except Exception:
            raise ValueError(f"identity line {i} is not an age secret key") from None
    return out


def seal(source: Reader, out: Writer, keys: Keys, level: int = 3, threads: int = 1) -> None:
    """Compress `source` with zstd and encrypt it to `out` as one age file: with the passphrase
    when there is one, else to the recipients. `threads` zstd workers compress while this
    thread reads (0: compress in this thread)."""
    if not keys.passphrase and not keys.recipients:
        raise ValueError("give a passphrase or age recipients: devoops does not write unencrypted backups")
    packed = _Compressing(source, level, threads)
    if keys.passphrase:
        sealed = age.PassphraseWriter(out, keys.passphrase)
        while chunk := packed.read(BLOCK):
            sealed.write(chunk)
        sealed.close()
    else:
        import pyrage

        pyrage.encrypt_io(packed, out, age_recipients(keys.recipients))


class _Compressing(ReadStream):
    """A reader of `source` compressed as one zstd frame, for pyrage to pull from."""

    def __init__(self, source: Reader, level: int, threads: int) -> None:
        import pyzstd

        p = pyzstd.CParameter
        self._source = source
        self._zstd = pyzstd.ZstdCompressor({p.compressionLevel: level, p.nbWorkers: threads})
        self._ready = bytearray()
        self._done = False

    def read(self, size: int = -1) -> bytes:
        want = BLOCK if size < 0 else size
        while len(self._ready) < want and not self._done:
            chunk = self._source.read(BLOCK)
            if chunk:
                self._ready += self._zstd.compress(chunk)
            else:
                self._ready += self._zstd.flush()
                self._done = True
        part = bytes(self._ready[:want])
        del self._ready[:want]
        return part
