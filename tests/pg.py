"""A throw-away PostgreSQL server from the machine's own binaries (``initdb`` + ``pg_ctl``), on a
Unix socket in a private folder: no TCP port, nothing shared with another test run.

As root, ``initdb``/``pg_ctl`` refuse to run, so the server runs as the ``postgres`` user through
``runuser`` and its folder belongs to that user. Used by tests/conftest.py and bench/.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

MISSING = ("PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin or on PATH; "
           "install them with `make postgres` (apt-get install postgresql)")


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PgServer:
    def __init__(self, bindir: Path, port: int = 5432):
        self.bindir = bindir
        self.port = port
        # short path: a Unix socket path may not exceed ~107 bytes
        self.dir = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self._as_root = os.geteuid() == 0
        self.running = False

    def _run(self, *args: str, timeout: int = 120) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")

    def init(self) -> "PgServer":
        if self._as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "study", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> "PgServer":
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses='' -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://study@/{database}?host={self.dir}&port={self.port}"

    def create_database(self, name: str | None = None) -> str:
        """A fresh, empty database on this server; returns its URL."""
        import psycopg

        name = name or f"h_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host=str(self.dir), port=self.port, user="study", dbname="postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
