"""PostgreSQL client parts shared by the probes, drills and backups: finding pg_dump, pg_restore
and psql, and handling connection strings without ever showing their password."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

EXAMPLE = "e.g. postgresql://app@db.internal:5432/shop or 'host=db.internal dbname=shop user=app'"


class ToolMissing(LookupError):
    """A PostgreSQL client program is not installed where devoops looks."""


def tool(name: str, bin_dir: str | None = None) -> str:
    """The path of a client program: from `bin_dir`, $PG_BIN, the PATH, then the newest
    /usr/lib/postgresql/*/bin (Debian and Ubuntu keep them there, off the PATH)."""
    for folder in (bin_dir, os.environ.get("PG_BIN")):
        if folder:
            path = os.path.join(folder, name)
            if os.access(path, os.X_OK):
                return path
            if folder == bin_dir:
                raise ToolMissing(f"{name} is not in {folder}")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major, reverse=True)
    if versions:
        return versions[0]
    raise ToolMissing(f"{name} is not installed: install the PostgreSQL client programs or set PG_BIN")


def _major(path: str) -> int:
    found = re.search(r"/postgresql/(\d+)/", path)
    return int(found.group(1)) if found else 0


def version(path: str) -> str:
    """'15.8' from `pg_dump --version` and its kind."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    found = re.search(r"(\d+(?:\.\d+)*)", out)
    return found.group(1) if found else out.strip()


def checked(conninfo: str) -> str:
    """`conninfo` when libpq can parse it; ValueError otherwise, without quoting it (it may hold
    a password)."""
    if not conninfo.strip():
        raise ValueError(f"give a libpq connection string or a postgresql:// URL ({EXAMPLE})")
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:  # told when it is used
        return conninfo
    try:
        conninfo_to_dict(conninfo)
    except Exception:  # libpq's message may quote the string, password and all
        raise ValueError(f"not a libpq connection string or postgresql:// URL ({EXAMPLE})") from None
    return conninfo


def describe(conninfo: str, dbname: str | None = None) -> str:
    """host:port/database as user, without any password ("the server" when it does not parse)."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(conninfo)
    except Exception:  # never quote a string that may hold a password
        return "the server"
    host = str(parts.get("host") or parts.get("hostaddr") or "the default socket")
    port = f":{parts['port']}" if parts.get("port") else ""
    user = f" as {parts['user']}" if parts.get("user") else ""
    return f"{host}{port}/{dbname or parts.get('dbname') or '(default database)'}{user}"


def cause(exc: BaseException, *conninfos: str | None) -> str:
    """An error's message on one line, without the password of any of `conninfos`."""
    text = re.sub(r"\s+", " ", str(exc)).strip() or exc.__class__.__name__
    for conninfo in conninfos:
        if conninfo:
            text = scrub(text, conninfo)
    return text


# what a client program needs from the environment: where it runs, and libpq's own settings
KEPT = ("PATH", "HOME", "LANG", "TZ", "TMPDIR", "USER", "LOGNAME")


def for_command(conninfo: str, dbname: str | None = None, **extra: str) -> tuple[str, dict[str, str]]:
    """A connection string for a client program's command line, with the password moved into
    the environment (PGPASSWORD) so no process listing shows it, and the environment to use:
    only what libpq and the program need, so no other secret of devoops's reaches the child
    (a plain SQL dump run by psql could read it)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts: dict[str, object] = dict(conninfo_to_dict(conninfo))
    password = parts.pop("password", None)
    if dbname is not None:
        parts["dbname"] = dbname
    parts.update(extra)
    env = {k: v for k, v in os.environ.items() if k in KEPT or k.startswith(("LC_", "PG"))}
    if password is not None:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **{k: str(v) for k, v in parts.items()}), env


def scrub(text: str, conninfo: str, env: Mapping[str, str] | None = None) -> str:
    """`text` with the connection's password (or the environment's PGPASSWORD) hidden, for
    messages from client programs."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(conninfo).get("password") or (env or {}).get("PGPASSWORD")
    except Exception:
        return text
    return text.replace(str(password), "***") if password and len(str(password)) >= 3 else text


USER_TABLES = (
    "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
    "AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1, 2"
)


def user_tables(conn: Any) -> list[tuple[str, str]]:
    """(schema, table) of every table holding the application's rows: the catalogs, TOAST,
    temporary tables and tables an extension owns (pg_dump leaves their rows out) excluded."""
    return [(str(s), str(t)) for s, t in conn.execute(USER_TABLES).fetchall()]


def count_rows(conn: Any, schema: str, table: str) -> int:
    """Exact rows of one table, its inheritance children not included (they are counted apart),
    so a backup's manifest and a restore count the same thing."""
    from psycopg import sql

    query = sql.SQL("SELECT count(*) FROM ONLY {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    return int(conn.execute(query).fetchone()[0])
