"""Backups devoops makes itself: the newest dump, encrypted, offsite, with a manifest."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import BackupFormat, is_terminal, width

if TYPE_CHECKING:
    from ..backup.stream import Keys

app = typer.Typer(
    help="Backups devoops makes itself: the newest dump, encrypted, offsite, with a manifest.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
PASSPHRASE_ENV = "DEVOOPS_BACKUP_PASSPHRASE"


@app.command(
    "make",
    epilog="Example: devoops backup make postgresql://backup@db.internal/shop --to s3://acme-backups/shop",
)
def make(
    database: Annotated[
        str,
        typer.Argument(
            metavar="DATABASE",
            help="a database name, a libpq connection string or a postgresql:// URL",
            show_default=False,
        ),
    ],
    to: Annotated[str, typer.Option("--to", metavar="LOCATION", help="a folder or s3://bucket/prefix")],
    passphrase_env: Annotated[
        str | None,
        typer.Option(
            "--passphrase-env",
            metavar="VAR",
            help=f"the environment variable holding the passphrase [default: {PASSPHRASE_ENV}, when set]",
        ),
    ] = None,
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient", metavar="AGE1…", help="encrypt to this age or SSH public key (repeatable)"
        ),
    ] = None,
    recipients_file: Annotated[
        Path | None,
        typer.Option(
            "--recipients-file", metavar="FILE", help="an age recipients file: one key a line, # comments"
        ),
    ] = None,
    keep: Annotated[
        int,
        typer.Option("--keep", min=1, help="keep the newest N backups of this database of this cluster"),
    ] = 7,
    keep_days: Annotated[
        float | None, typer.Option("--keep-days", min=0.0, help="and delete those older than D days")
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option("--endpoint-url", metavar="URL", help="an S3-compatible endpoint")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="the S3 region")] = None,
    pg_bin: Annotated[
        str | None, typer.Option("--pg-bin", metavar="DIR", help="the folder holding pg_dump")
    ] = None,
    level: Annotated[int, typer.Option("--level", min=1, max=22, help="zstd compression level")] = 3,
    threads: Annotated[
        int,
        typer.Option(
            "--threads", min=0, help="zstd worker threads; 0 compresses in the thread reading pg_dump"
        ),
    ] = 1,
    format: Annotated[
        BackupFormat,
        typer.Option(
            "--format",
            "-f",
            help="json prints the manifest, the location, the pruned backups and those kept "
            "unverified on stdout",
        ),
    ] = "terminal",
) -> None:
    """Dump DATABASE from one snapshot with pg_dump, compress it with zstd, encrypt it with age
    and write it, with a manifest of its hash and exact row counts, to a folder or S3; then
    delete this database's older backups (their manifests name the same database of the same
    cluster) beyond --keep and --keep-days. Exit 2 on bad input, 3 when the backup could not be
    made (nothing is left behind) or a backup of the same name already exists."""
    import datetime as dt

    from ..backup import retention
    from ..backup.location import S3Settings
    from ..backup.make import make as make_backup
    from ..base.errors import UsageError
    from ..report.registry import Page, formats

    keys = _keys(passphrase_env, recipient or [], recipients_file)
    try:
        policy = retention.Policy(keep, keep_days)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    made = make_backup(
        _conninfo(database),
        to,
        keys,
        dt.datetime.now(dt.UTC),
        root=os.getcwd(),
        s3=S3Settings(endpoint_url=endpoint_url, region=region),
        policy=policy,
        pg_bin=pg_bin,
        level=level,
        threads=threads,
    )
    typer.echo(made.summary(), err=True)
    text = formats("backup").get(format).render(made, Page(is_terminal(), width()))
    if text:  # on a terminal the summary above says it all
        typer.echo(text, nl=False)


def _conninfo(database: str) -> str:
    """A bare name is a database on the server libpq's environment (PGHOST, PGUSER …) names."""
    if "=" in database or "://" in database or not database.strip():
        return database
    from psycopg.conninfo import make_conninfo

    return make_conninfo("", dbname=database)


def _keys(passphrase_env: str | None, recipients: list[str], recipients_file: Path | None) -> Keys:
    from ..backup.stream import Keys, age_recipients
    from ..base.errors import UsageError

    given = list(recipients)
    if recipients_file is not None:
        try:
            lines = recipients_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"cannot read {recipients_file}: {getattr(exc, 'strerror', None) or exc}"
            ) from None
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                age_recipients([text])
            except ValueError:
                raise UsageError(f"{recipients_file}:{number}: not an age or SSH public key") from None
            given.append(text)
        if not given:
            raise UsageError(f"{recipients_file} holds no recipient")
    variable = passphrase_env or PASSPHRASE_ENV
    passphrase = os.environ.get(variable)
    if passphrase_env is not None and passphrase is None:
        raise UsageError(f"{variable} is not set: it should hold the backup passphrase")
    if passphrase is not None and not passphrase:
        raise UsageError(f"{variable} is empty: it should hold the backup passphrase")
    if passphrase and given:
        raise UsageError(
            f"{variable} holds a passphrase and recipients are given: choose one (unset {variable} to use recipients)"
        )
    if not passphrase and not given:
        raise UsageError(
            f"devoops does not write unencrypted backups: set {variable} to a passphrase, or give --recipient"
        )
    return Keys(passphrase=passphrase or None, recipients=tuple(given))
