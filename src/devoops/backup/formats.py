"""What a backup is, told from its first bytes: encrypted (age, OpenPGP, OpenSSL), compressed
(gzip, zstd) or a readable PostgreSQL dump (pg_dump custom archive, plain SQL)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

PEEK = 4_096  # bytes of a compressed stream's content looked at
AGE = (b"age-encryption.org/v1", b"-----BEGIN AGE ENCRYPTED FILE-----")
ZSTD = b"\x28\xb5\x2f\xfd"
GZIP = b"\x1f\x8b"
PGDMP = b"PGDMP"


@dataclass(frozen=True)
class Format:
    name: str
    encrypted: bool | None  # None: not recognised


def openpgp(head: bytes) -> bool:
    """A public-key (tag 1) or symmetric-key (tag 3) encrypted session key packet, old or new
    packet format, or an armored message."""
    if head.startswith(b"-----BEGIN PGP MESSAGE-----"):
        return True
    return bool(head[:1]) and (0x84 <= head[0] <= 0x87 or 0x8C <= head[0] <= 0x8F or head[0] in (0xC1, 0xC3))


def sql(head: bytes) -> bool:
    return head.startswith(b"--\n-- PostgreSQL database") or head.startswith(b"--\r\n-- PostgreSQL database")


def detect(head: bytes) -> Format:
    """The format of a backup from its first bytes."""
    if head.startswith(AGE):
        return Format("age", True)
    if head.startswith(b"-----BEGIN PGP MESSAGE-----"):
        return Format("OpenPGP (armored)", True)
    if openpgp(head):
        return Format("OpenPGP", True)
    if head.startswith(b"Salted__"):
        return Format("OpenSSL enc (salted)", True)
    if head.startswith(PGDMP):
        return Format("pg_dump custom", False)
    if sql(head):
        return Format("PostgreSQL plain SQL dump", False)
    for magic, name in ((GZIP, "gzip"), (ZSTD, "zstd")):
        if head.startswith(magic):
            inner = _inflate(head, magic)
            if inner is None:
                return Format(f"{name} (unreadable start)", None)
            found = detect(inner) if inner and not inner.startswith((GZIP, ZSTD)) else Format("", None)
            if found.encrypted is None:
                return Format(name, False)  # compressed, not encrypted: anyone can unpack it
            return Format(f"{name} of {found.name}", found.encrypted)
    return Format("not recognised", None)


def _inflate(head: bytes, magic: bytes) -> bytes | None:
    """The first PEEK bytes inside a compressed stream's start, or None when it is not valid."""
    if magic == GZIP:
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, PEEK)
        except zlib.error:
            return None
    try:
        import pyzstd
    except ImportError:
        return None
    try:
        return pyzstd.EndlessZstdDecompressor().decompress(head, PEEK)
    except pyzstd.ZstdError:
        return None
