"""A real PostgreSQL 15 for the tests: initdb into a temporary folder, listening on a free
loopback port only. As root, the server runs as the `postgres` system user (it refuses root).

The tests share one server per session (tests/conftest.py's `postgres`), each making databases
of its own with `fresh`; a cluster of its own only where a test needs a replica, a failover or
server settings."""

from __future__ import annotations

import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = next(
    (
        p
        for p in (Path(os.environ.get("PG_BIN", "")), Path("/usr/lib/postgresql/15/bin"))
        if (p / "initdb").is_file()
    ),
    None,
)


def as_postgres(tool: str, *args: str) -> list[str]:
    """A PostgreSQL program's command line, run as the `postgres` user when we are root."""
    assert BIN is not None
    command = [str(BIN / tool), *args]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def run_as_postgres(tool: str, *args: str, cwd: Path) -> None:
    subprocess.run(as_postgres(tool, *args), check=True, capture_output=True, timeout=120, cwd=cwd)


def _owned_folder(prefix: str) -> Path:
    """A temporary folder the server may write: as root, it belongs to `postgres`."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    return root


_numbers = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, durable: bool = False) -> None:
        """`durable` keeps fsync on, as a real server has it (benchmarks); tests turn it off."""
        if BIN is None:
            raise RuntimeError("PostgreSQL 15 binaries not found (set PG_BIN)")
        self.root = _owned_folder("devoops-pg-")
        self.data = self.root / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync")
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "log"),
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=100"
            + ("" if durable else " -c fsync=off"),
            "start",
        )

    def _run(self, tool: str, *args: str) -> None:
        run_as_postgres(tool, *args, cwd=self.root)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """The libpq URL of a database, as the bootstrap superuser."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.encode())

    def create_database(self, name: str) -> str:
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def fresh(self, prefix: str = "t", template: str | None = None) -> str:
        """A new database, named `prefix` and a suffix no other in this server has: databases
        are the server's, so tests sharing it never meet on a name."""
        name = f"{prefix}_{next(_numbers)}_{secrets.token_hex(3)}"
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop(self, database: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def require_passwords(self) -> None:
        """As on a real server: the bootstrap superuser is trusted, every other role logs in
        over loopback with its password (scram-sha-256)."""
        (self.data / "pg_hba.conf").write_text(
            f"local all all trust\nhost all {self.user} 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
        )
        self.execute("SELECT pg_reload_conf()")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class Standby:
    """A streaming standby of `primary` (pg_basebackup -R): `settings` are extra server options,
    `conf` lines go into its postgresql.auto.conf before it starts."""

    def __init__(self, primary: PostgresServer, settings: str = "", conf: str = "") -> None:
        self.user = primary.user
        self.root = _owned_folder("devoops-standby-")
        self.data, self.port = self.root / "data", free_port()
        host = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", primary.user]
        run_as_postgres("pg_basebackup", "-D", str(self.data), "-R", "-X", "stream", *host, cwd=self.root)
        if conf:
            with open(self.data / "postgresql.auto.conf", "a") as auto:
                auto.write(conf)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off {settings}"
        start = ["-D", str(self.data), "-w", "-t", "60", "-l", str(self.root / "log"), "-o", options.strip()]
        run_as_postgres("pg_ctl", *start, "start", cwd=self.root)

    def stop(self) -> None:
        """Stop it at once (it may be down already: a drill promoted or stopped it)."""
        subprocess.run(
            as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)
