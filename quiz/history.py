"""Attempts, answers and review schedules in one SQLite file.

What matters here is that a learner's record is never lost:

* a file that is not a SQLite database, or fails ``PRAGMA quick_check``, raises HistoryCorruptError
  and is not opened for writing, recreated or "repaired" - the learner decides what to do with it;
* a database another process holds locked raises HistoryLockedError after the busy timeout instead
  of hanging or failing half-way;
* an attempt is written in one ``BEGIN IMMEDIATE`` transaction: all of it or nothing;
* WAL mode, so the app reading statistics never blocks a CLI quiz being recorded.

Which missed questions come back, and when, is decided by FSRS (the ``fsrs`` package) rather than
hand-written intervals: each question has a card (stored as ``Card.to_dict()`` JSON) reviewed with
Rating.Good when answered right and Rating.Again when wrong.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from fsrs import Card, Rating, Scheduler

from indexer.errors import ErrorKind, KnowledgeError

from .model import Question
from .scoring import QuizResult

SCHEMA_VERSION = 1
_SQLITE_HEADER = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    mode TEXT NOT NULL,
    seed TEXT,
    n_questions INTEGER NOT NULL,
    n_right INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    attempt_id INTEGER NOT NULL REFERENCES attempts(id),
    position INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    type TEXT NOT NULL,
    topic TEXT NOT NULL,
    chosen TEXT NOT NULL,
    correct TEXT NOT NULL,
    is_correct INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    question TEXT NOT NULL,
    PRIMARY KEY (attempt_id, position)
);
CREATE INDEX IF NOT EXISTS answers_question ON answers(question_id);
CREATE TABLE IF NOT EXISTS cards (
    question_id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    type TEXT NOT NULL,
    card TEXT NOT NULL,
    due TEXT NOT NULL,
    reviews INTEGER NOT NULL,
    lapses INTEGER NOT NULL,
    last_correct INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
"""


class HistoryError(KnowledgeError, RuntimeError):
    """The history database cannot be used; the message says why and what to do. The file is left
    as it was."""

    kind = ErrorKind.HISTORY


class HistoryCorruptError(HistoryError):
    pass


class HistoryLockedError(HistoryError):
    pass


@dataclass(frozen=True)
class TopicStat:
    topic: str
    answered: int
    right: int
    open_mistakes: int  # questions of this topic whose latest answer was wrong
    last_answered_at: str | None

    @property
    def accuracy(self) -> float:
        return self.right / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class AccuracyPoint:
    attempt_id: int
    at: str
    topic: str
    right: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass(frozen=True)
class AttemptAccuracy:
    """One attempt's score (over all topics, or one): a point on the learner's curve."""

    number: int  # 1 for the learner's first attempt (that includes the topic), 2 for the next …
    attempt_id: int
    at: str
    right: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass(frozen=True)
class MissedQuestion:
    question_id: str
    topic: str
    type: str
    times_wrong: int
    times_seen: int
    last_wrong_at: str
    last_correct: bool
    question: Question  # the snapshot the learner last saw


@dataclass(frozen=True)
class ReviewItem:
    question_id: str
    topic: str
    type: str
    due: datetime
    is_due: bool
    lapses: int
    last_correct: bool


def _utc(now: datetime | None) -> datetime:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("datetimes given to History must be timezone-aware")
    return now.astimezone(timezone.utc)


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _card_id(question_id: str) -> int:
    """Deterministic, so the card id is meaningful and Card() need not sleep to avoid collisions."""
    return int(hashlib.sha1(question_id.encode()).hexdigest()[:12], 16)


class History:
    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0, scheduler: Scheduler | None = None):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.scheduler = scheduler or Scheduler()
        self._checked = False

    # ------------------------------------------------------------------ connection and errors

    def _translate(self, e: sqlite3.Error) -> HistoryError:
        msg = str(e)
        low = msg.lower()
        if isinstance(e, sqlite3.OperationalError) and ("locked" in low or "busy" in low):
            return HistoryLockedError(
                f"quiz history {self.path} is locked by another process (waited {self.busy_timeout:g}s): {msg}. "
                "Finish or close the other quiz session and try again; nothing was written.")
        if "not a database" in low or "malformed" in low or "corrupt" in low:
            return HistoryCorruptError(
                f"quiz history {self.path} is damaged ({msg}). It was left untouched; move it aside "
                "(or restore a backup) to start a new history.")
        return HistoryError(f"quiz history {self.path}: {msg}")

    def _check_header(self) -> None:
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
        except OSError as e:
            raise HistoryError(f"quiz history {self.path}: {e}") from None

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        self._check_header()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HistoryError(f"cannot create the folder for quiz history {self.path}: {e}") from None
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise self._translate(e) from None
        try:
            with closing(conn):
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                if not self._checked:
                    self._first_use(conn)
                yield conn
        except sqlite3.Error as e:
            raise self._translate(e) from None

    def _first_use(self, conn: sqlite3.Connection) -> None:
        """Integrity first (read-only), and only then anything that writes: a damaged file must
        not be touched."""
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            detail = "; ".join(r[0] for r in rows[:3])
            raise HistoryCorruptError(
                f"quiz history {self.path} failed its integrity check ({detail}). It was left untouched; "
                "move it aside (or restore a backup) to start a new history.")
        has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if has_meta:
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"quiz history {self.path} was written by a newer version (schema {version} > {SCHEMA_VERSION}); "
                    "update the study assistant.")
        else:
            other = conn.execute("SELECT name FROM sqlite_master WHERE type='table' LIMIT 1").fetchone()
            if other:
                raise HistoryError(f"{self.path} is a SQLite database of something else (table '{other[0]}'); "
                                   "point quiz.history_db at another file.")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        if not has_meta:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        self._checked = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def check(self) -> None:
        """Open (creating an empty history if there is none) and verify, so a CLI quiz can refuse to
        start rather than lose the learner's answers at the end."""
        with self._conn():
            pass

    # ------------------------------------------------------------------ writing

    def record_attempt(self, result: QuizResult, *, mode: str = "quiz", seed: object = None,
                       started_at: datetime | None = None, now: datetime | None = None) -> int:
        """Store every answer of a scored quiz and review each question's FSRS card. Returns the attempt id."""
        now = _utc(now)
        started = _utc(started_at) if started_at else now
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO attempts (started_at, finished_at, mode, seed, n_questions, n_right) VALUES (?,?,?,?,?,?)",
                (_iso(started), _iso(now), mode, None if seed is None else str(seed), result.total, result.n_right))
            attempt_id = int(cur.lastrowid)
            for pos, r in enumerate(result.results):
                q = r.question
                conn.execute(
                    "INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (attempt_id, pos, q.id, q.type, q.topic, json.dumps(sorted(r.chosen)), json.dumps(sorted(r.correct)),
                     int(r.is_correct), int(r.answered), _iso(now), json.dumps(q.to_dict(), ensure_ascii=False)))
                row = conn.execute("SELECT card, reviews, lapses FROM cards WHERE question_id=?", (q.id,)).fetchone()
                if row:
                    card, reviews, lapses = Card.from_dict(json.loads(row[0])), row[1], row[2]
                else:
                    card, reviews, lapses = Card(card_id=_card_id(q.id), due=now), 0, 0
                card, _ = self.scheduler.review_card(card, Rating.Good if r.is_correct else Rating.Again, review_datetime=now)
                conn.execute(
                    "INSERT OR REPLACE INTO cards VALUES (?,?,?,?,?,?,?,?,?)",
                    (q.id, q.topic, q.type, json.dumps(card.to_dict()), _iso(card.due), reviews + 1,
                     lapses + (not r.is_correct), int(r.is_correct), _iso(now)))
        return attempt_id

    # ------------------------------------------------------------------ reading

    def attempts(self) -> list[dict]:
        with self._conn() as conn:
            rows = conn.execute("SELECT id, started_at, finished_at, mode, seed, n_questions, n_right FROM attempts ORDER BY id").fetchall()
        keys = ("id", "started_at", "finished_at", "mode", "seed", "n_questions", "n_right")
        return [dict(zip(keys, r)) for r in rows]

    def topic_stats(self) -> dict[str, TopicStat]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT topic, COUNT(*), SUM(is_correct), MAX(answered_at) FROM answers GROUP BY topic ORDER BY topic").fetchall()
            open_ = dict(conn.execute(
                "SELECT topic, COUNT(*) FROM cards WHERE last_correct = 0 GROUP BY topic").fetchall())
        return {t: TopicStat(topic=t, answered=n, right=int(right or 0), open_mistakes=int(open_.get(t, 0)),
                             last_answered_at=last) for t, n, right, last in rows}

    def accuracy_over_time(self, topic: str | None = None) -> list[AccuracyPoint]:
        """One point per attempt and topic, oldest first: the learner's curve per topic."""
        sql = ("SELECT a.id, a.finished_at, s.topic, SUM(s.is_correct), COUNT(*) FROM answers s "
               "JOIN attempts a ON a.id = s.attempt_id {where} GROUP BY a.id, s.topic ORDER BY a.id, s.topic")
        with self._conn() as conn:
            if topic is None:
                rows = conn.execute(sql.format(where="")).fetchall()
            else:
                rows = conn.execute(sql.format(where="WHERE s.topic = ?"), (topic,)).fetchall()
        return [AccuracyPoint(attempt_id=i, at=at, topic=t, right=int(r), total=int(n)) for i, at, t, r, n in rows]

    def attempt_accuracy(self, topic: str | None = None) -> list[AttemptAccuracy]:
        """Right / total per attempt, oldest first: over every topic, or only ``topic`` (attempts
        without it are left out and the rest numbered 1, 2, …)."""
        per_attempt: dict[int, list] = {}
        for p in self.accuracy_over_time(topic):
            row = per_attempt.setdefault(p.attempt_id, [p.at, 0, 0])
            row[1] += p.right
            row[2] += p.total
        return [AttemptAccuracy(number=n, attempt_id=aid, at=at, right=right, total=total)
                for n, (aid, (at, right, total)) in enumerate(per_attempt.items(), start=1)]

    def missed_questions(self) -> list[MissedQuestion]:
        """Every question answered wrong at least once, most recently missed first."""
        with self._conn() as conn:
            rows = conn.execute(
                """SELECT question_id, topic, type, SUM(1 - is_correct), COUNT(*),
                          MAX(CASE WHEN is_correct = 0 THEN answered_at END)
                   FROM answers GROUP BY question_id HAVING SUM(1 - is_correct) > 0
                   ORDER BY 6 DESC, question_id""").fetchall()
            out = []
            for qid, topic, qtype, wrong, seen, last_wrong in rows:
                latest = conn.execute(
                    "SELECT is_correct, question FROM answers WHERE question_id=? ORDER BY answered_at DESC, attempt_id DESC LIMIT 1",
                    (qid,)).fetchone()
                out.append(MissedQuestion(question_id=qid, topic=topic, type=qtype, times_wrong=int(wrong),
                                          times_seen=int(seen), last_wrong_at=last_wrong, last_correct=bool(latest[0]),
                                          question=Question.from_dict(json.loads(latest[1]))))
        return out

    def review_queue(self, now: datetime | None = None, limit: int | None = None) -> list[ReviewItem]:
        """Questions to practise again: among those ever missed, the ones FSRS says are due (most
        overdue first), then the ones whose latest answer is still wrong but are not due yet
        (soonest first). A missed question answered right since then waits for its due date."""
        now = _utc(now)
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT question_id, topic, type, card, lapses, last_correct FROM cards WHERE lapses > 0").fetchall()
        due, pending = [], []
        for qid, topic, qtype, card_json, lapses, last_correct in rows:
            card = Card.from_dict(json.loads(card_json))
            item = ReviewItem(question_id=qid, topic=topic, type=qtype, due=card.due, is_due=card.due <= now,
                              lapses=int(lapses), last_correct=bool(last_correct))
            if item.is_due:
                due.append(item)
            elif not item.last_correct:
                pending.append(item)
        due.sort(key=lambda i: (i.due, i.question_id))
        pending.sort(key=lambda i: (i.due, i.question_id))
        queue = due + pending
        return queue[:limit] if limit is not None else queue
