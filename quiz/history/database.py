"""One history database named by a URL (``sqlite:///data/quiz_history.sqlite`` or
``postgresql://user@host/db``): its engine, its safety checks, its migrations, its learners.

SQLite keeps the promises the single-file history made:

* a file that is not a SQLite database, or fails ``PRAGMA quick_check``, raises HistoryCorruptError
  and is not opened for writing, recreated or "repaired";
* writes run in ``BEGIN IMMEDIATE`` transactions (all of an answer or nothing), WAL mode so a
  reader never blocks a writer, and a lock held too long raises HistoryLockedError;
* the first use (integrity check, WAL switch, migrations) runs under an exclusive ``flock`` on
  ``<file>.lock``: two processes opening a fresh file never see "database is locked" - switching
  to WAL is the one step SQLite's busy timeout does not cover.

PostgreSQL gets psycopg 3, a short connect timeout and pre-ping, so a server that is down is
reported in seconds as HistoryUnavailableError and a restarted one is picked up again.
"""
from __future__ import annotations

import fcntl
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, create_engine, event, exc, select
from sqlalchemy.engine import URL, Engine, make_url

from . import schema as s
from .errors import HistoryCorruptError, HistoryError, HistoryLockedError, HistoryUnavailableError, LearnerNameError
from .migrations import migrate

_SQLITE_HEADER = b"SQLite format 3\x00"
MAX_NAME = 80


def history_url(target: str | Path) -> URL:
    """A URL from a URL string or a plain file path (a path means SQLite)."""
    raw = str(target)
    url = make_url(raw) if "://" in raw else URL.create("sqlite", database=str(Path(raw)))
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, not SQLAlchemy's psycopg2 default
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise HistoryError(f"quiz history URL {url.render_as_string(hide_password=True)}: only sqlite:/// and "
                           "postgresql:// are supported")
    return url


def check_name(name: str) -> str:
    clean = " ".join(str(name).split())
    if not clean:
        raise LearnerNameError("a learner name cannot be empty")
    if len(clean) > MAX_NAME:
        raise LearnerNameError(f"a learner name has at most {MAX_NAME} characters (got {len(clean)})")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in clean):
        raise LearnerNameError("a learner name cannot contain control characters")
    return clean


class Database:
    def __init__(self, target: str | Path, *, busy_timeout: float = 5.0, connect_timeout: int = 3):
        self.url = history_url(target)
        self.busy_timeout = busy_timeout
        self.where = self.url.render_as_string(hide_password=True)
        self.path: Path | None = Path(self.url.database) if self.is_sqlite and self.url.database else None
        if self.is_sqlite and self.path is None:
            raise HistoryError("an in-memory SQLite history would forget everything; give a file")
        if self.path is not None:
            self.where = str(self.path)
        self._engine = self._make_engine(connect_timeout)
        self._ready = False
        self._ready_lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    # ------------------------------------------------------------------ engine

    def _make_engine(self, connect_timeout: int) -> Engine:
        if self.is_sqlite:
            engine = create_engine(self.url, connect_args={"timeout": self.busy_timeout, "check_same_thread": False})
            busy_ms = int(self.busy_timeout * 1000)

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn, _record):  # our own BEGIN, not pysqlite's implicit one
                dbapi_conn.isolation_level = None
                dbapi_conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
                dbapi_conn.execute("PRAGMA foreign_keys = ON")

            @event.listens_for(engine, "begin")
            def _on_begin(conn):
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

            return engine
        return create_engine(self.url, pool_pre_ping=True, pool_size=5, max_overflow=15,
                             connect_args={"connect_timeout": connect_timeout})

    def dispose(self) -> None:
        self._engine.dispose()

    # ------------------------------------------------------------------ errors

    def translate(self, e: Exception) -> HistoryError:
        msg = str(getattr(e, "orig", None) or e).strip().splitlines()[0] if str(e) else type(e).__name__
        low = msg.lower()
        if self.is_sqlite:
            if "locked" in low or "busy" in low:
                return HistoryLockedError(
                    f"quiz history {self.where} is locked by another process (waited {self.busy_timeout:g}s): {msg}. "
                    "Finish or close the other quiz session and try again; nothing was written.")
            if "not a database" in low or "malformed" in low or "corrupt" in low:
                return HistoryCorruptError(
                    f"quiz history {self.where} is damaged ({msg}). It was left untouched; move it aside "
                    "(or restore a backup) to start a new history.")
            return HistoryError(f"quiz history {self.where}: {msg}")
        if isinstance(e, (exc.OperationalError, exc.InterfaceError)) and not isinstance(e, exc.ProgrammingError):
            return HistoryUnavailableError(f"quiz history {self.where} cannot be reached right now ({msg})")
        return HistoryError(f"quiz history {self.where}: {msg}")

    # ------------------------------------------------------------------ connections

    def _check_file(self) -> None:
        assert self.path is not None
        try:
            if self.path.is_dir():
                raise HistoryError(f"quiz history {self.path} is a directory, not a database file")
            if self.path.exists() and self.path.stat().st_size > 0:
                with open(self.path, "rb") as f:
                    head = f.read(len(_SQLITE_HEADER))
                if head != _SQLITE_HEADER:
                    raise HistoryCorruptError(
                        f"quiz history {self.path} is not a SQLite database (corrupt or overwritten). "
                        "It was left untouched; move it aside (or restore a backup) to start a new history.")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HistoryError(f"quiz history {self.path}: {e}") from None

    @contextmanager
    def begin(self, *, write: bool = False) -> Iterator[Connection]:
        """A transaction (``BEGIN IMMEDIATE`` on SQLite when ``write``), committed on success,
        rolled back on any error; database errors come out as HistoryError."""
        if self.path is not None:
            self._check_file()
        if not self._ready:
            self._first_use()
        try:
            with self._engine.connect() as conn:
                conn = conn.execution_options(write=write) if write else conn
                with conn.begin():
                    yield conn
        except exc.SQLAlchemyError as e:
            raise self.translate(e) from None

    def _first_use(self) -> None:
        with self._ready_lock:
            if self._ready:
                return
            with self._file_lock():
                try:
                    if self.is_sqlite:
                        self._sqlite_checks()
                    with self._engine.connect() as conn:
                        with conn.execution_options(write=True).begin():
                            migrate(conn, self.where)
                except exc.SQLAlchemyError as e:
                    raise self.translate(e) from None
                except sqlite3.Error as e:
                    raise self.translate(e) from None
            self._ready = True

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self.path is None:
            yield  # PostgreSQL: migrate() takes an advisory lock
            return
        try:
            handle = open(self.path.with_name(self.path.name + ".lock"), "a+b")
        except OSError as e:
            raise HistoryError(f"quiz history {self.path}: cannot create its lock file: {e}") from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _sqlite_checks(self) -> None:
        """Integrity first (read-only), and only then anything that writes: a damaged file must
        not be touched. On the raw connection: PRAGMAs that switch the journal run outside any
        transaction."""
        raw = self._engine.raw_connection()
        try:
            db = raw.driver_connection
            rows = db.execute("PRAGMA quick_check").fetchall()
            if [tuple(r) for r in rows] != [("ok",)]:
                detail = "; ".join(str(r[0]) for r in rows[:3])
                raise HistoryCorruptError(
                    f"quiz history {self.where} failed its integrity check ({detail}). It was left untouched; "
                    "move it aside (or restore a backup) to start a new history.")
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            if tables and not set(tables) & {"meta", "schema_version"}:
                known = {t.name for t in s.metadata.sorted_tables} | {"sqlite_sequence"}
                other = next((t for t in tables if t not in known), tables[0])
                raise HistoryError(f"{self.where} is a SQLite database of something else (table '{other}'); "
                                   "point quiz.history_url at another file.")
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
        finally:
            raw.close()

    # ------------------------------------------------------------------ learners

    def learners(self) -> list[str]:
        with self.begin() as conn:
            return list(conn.execute(select(s.learners.c.name).order_by(s.learners.c.name)).scalars())
