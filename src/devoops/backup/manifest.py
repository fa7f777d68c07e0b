"""The manifest written beside each backup devoops makes: what the file must hash to, and what
the database held when it was dumped, so a restore can be checked row for row."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ..model.common import Strict

SUFFIX = ".manifest.json"
FORMAT = "devoops-backup/1"
LARGEST = 16 << 20  # bytes of a manifest read: a table takes under 100, so 150,000 tables fit


class Table(Strict):
    schema_: str = Field(alias="schema")
    name: str
    rows: int = Field(ge=0)


class Manifest(Strict):
    format: str = FORMAT
    backup: str = Field(description="the backup's name, relative to its location")
    created_at: dt.datetime = Field(description="when the dump's snapshot was taken (UTC)")
    finished_at: dt.datetime
    database: str
    system_identifier: str | None = Field(
        default=None,
        description="the source cluster's pg_control_system() identifier: retention prunes only "
        "backups of the same database of the same cluster",
    )
    server_version: str = Field(description="the source server's version, e.g. 15.8")
    pg_dump_version: str
    size: int = Field(ge=0, description="bytes of the backup file")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    dump_format: str = "custom"
    compression: str = "zstd"
    encryption: str = Field(description='"age (passphrase)" or "age (recipients)"')
    tables: list[Table] = Field(description="exact row counts in the dump's own snapshot")

    def rows(self) -> dict[tuple[str, str], int]:
        return {(t.schema_, t.name): t.rows for t in self.tables}


def manifest_name(backup: str) -> str:
    return backup + SUFFIX
