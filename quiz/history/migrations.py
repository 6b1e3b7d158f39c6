"""Versioned migrations: ``schema_version`` lists every version applied; on start the missing ones
run, in one transaction, under a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL) so two processes starting on a fresh database never race.

Version 1 is the single-learner SQLite file written before learners existed (tables ``meta``,
``attempts``, ``answers``, ``cards``). Version 2 moves every row of it, ids included, into the
first profile (``default``), so a learner who upgrades keeps their numbers, review cards and
attempt ids.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Connection, inspect, insert, select, text

from . import schema as s
from .errors import HistoryError

DEFAULT_LEARNER = "default"
_LEGACY = ("attempts", "answers", "cards")
_ADVISORY_KEY = 72_4201_12  # any constant: serialises migrations of one PostgreSQL database


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def current_version(conn: Connection, where: str) -> int:
    """0 for an empty database, 1 for the legacy SQLite file, else the highest applied version.
    A database holding other tables is somebody else's: refused, untouched."""
    tables = set(inspect(conn).get_table_names())
    if "schema_version" in tables:
        return int(conn.execute(select(s.schema_version.c.version).order_by(s.schema_version.c.version.desc())).scalar() or 0)
    if "meta" in tables:
        row = conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).fetchone()
        return int(row[0]) if row else 0
    ours = {t.name for t in s.metadata.sorted_tables}
    foreign = sorted(tables - ours)
    if foreign and conn.dialect.name == "sqlite":
        raise HistoryError(f"{where} is a SQLite database of something else (table '{foreign[0]}'); "
                           "point quiz.history_url at another file.")
    return 0


def _to_v2(conn: Connection) -> None:
    legacy = set(inspect(conn).get_table_names()) >= {"meta", *_LEGACY}
    if legacy:
        conn.execute(text("DROP INDEX IF EXISTS answers_question"))
        for name in _LEGACY:
            conn.execute(text(f"ALTER TABLE {name} RENAME TO legacy_{name}"))
    s.metadata.create_all(conn)
    if not legacy:
        return
    conn.execute(insert(s.learners).values(id=1, name=DEFAULT_LEARNER, created_at=_now()))
    conn.execute(text(
        "INSERT INTO attempts (id, learner_id, client_key, started_at, finished_at, mode, seed, n_questions, n_right) "
        "SELECT id, 1, NULL, started_at, finished_at, mode, seed, n_questions, n_right FROM legacy_attempts"))
    conn.execute(text(
        "INSERT INTO answers (attempt_id, position, learner_id, question_id, type, topic, chosen, correct, is_correct, "
        "answered, answered_at, question) SELECT attempt_id, position, 1, question_id, type, topic, chosen, correct, "
        "is_correct, answered, answered_at, question FROM legacy_answers"))
    conn.execute(text(
        "INSERT INTO cards (learner_id, question_id, topic, type, card, due, reviews, lapses, last_correct, updated_at) "
        "SELECT 1, question_id, topic, type, card, due, reviews, lapses, last_correct, updated_at FROM legacy_cards"))
    for name in ("answers", "cards", "attempts"):
        conn.execute(text(f"DROP TABLE legacy_{name}"))
    conn.execute(text("DROP TABLE meta"))


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [(2, _to_v2)]
assert MIGRATIONS[-1][0] == s.SCHEMA_VERSION


def migrate(conn: Connection, where: str) -> int:
    """Bring the schema up to date inside the caller's write transaction. Returns the version
    found before migrating."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    found = current_version(conn, where)
    if found > s.SCHEMA_VERSION:
        raise HistoryError(f"quiz history {where} was written by a newer version (schema {found} > "
                           f"{s.SCHEMA_VERSION}); update the study assistant.")
    for version, step in MIGRATIONS:
        if version > found:
            step(conn)
            conn.execute(insert(s.schema_version).values(version=version, applied_at=_now()))
    return found
