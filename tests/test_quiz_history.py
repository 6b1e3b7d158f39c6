"""History on a real SQLite file: recording, statistics, FSRS review scheduling, and the promise
that a corrupt or locked database is reported and never modified."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from indexer.config import PROJECT_ROOT
from indexer.glossary import load_glossary
from quiz.generate import QuizGenerator
from quiz.history import History, HistoryCorruptError, HistoryError, HistoryLockedError
from quiz.scoring import score
from quiz.similarity import CharNgramSimilarity

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def gen():
    return QuizGenerator(load_glossary(PROJECT_ROOT / "knowledge"), CharNgramSimilarity(), knowledge_dir=PROJECT_ROOT / "knowledge")


def _answer(questions, right: set[str]):
    """Right answers for ids in ``right``, a wrong one for the rest."""
    out = {}
    for q in questions:
        if q.id in right:
            out[q.id] = set(q.correct_indices)
        else:
            wrong = [i for i in range(len(q.options)) if i not in q.correct_indices]
            out[q.id] = set(wrong[: q.n_correct])
    return out


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_record_stats_and_over_time(gen, tmp_path):
    h = History(tmp_path / "data" / "h.sqlite")
    qs = gen.build(10, seed=1)
    right = {q.id for q in qs[:7]}
    a1 = h.record_attempt(score(qs, _answer(qs, right)), seed=1, now=T0)
    a2 = h.record_attempt(score(qs, _answer(qs, {q.id for q in qs})), seed=1, now=T0 + timedelta(days=1))
    assert (a1, a2) == (1, 2)
    stats = h.topic_stats()
    assert sum(s.answered for s in stats.values()) == 20
    assert sum(s.right for s in stats.values()) == 17
    assert sum(s.open_mistakes for s in stats.values()) == 0  # all fixed in attempt 2
    points = h.accuracy_over_time()
    assert {p.attempt_id for p in points} == {1, 2}
    assert sum(p.right for p in points if p.attempt_id == 1) == 7
    assert all(p.accuracy == 1.0 for p in points if p.attempt_id == 2)
    topic = qs[0].topic
    assert all(p.topic == topic for p in h.accuracy_over_time(topic))
    attempts = h.attempts()
    assert [a["n_right"] for a in attempts] == [7, 10] and attempts[0]["seed"] == "1"
    # every answer is kept with a snapshot of the question as shown
    with sqlite3.connect(h.path) as c:
        rows = c.execute("SELECT question_id, chosen, question FROM answers WHERE attempt_id=1 ORDER BY position").fetchall()
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in rows] == [q.id for q in qs]
    assert json.loads(rows[0][2])["stem"] == qs[0].stem


def test_missed_and_review_queue_follow_fsrs(gen, tmp_path):
    h = History(tmp_path / "h.sqlite")
    qs = gen.build(8, seed=2)
    missed = {q.id for q in qs[5:]}
    h.record_attempt(score(qs, _answer(qs, {q.id for q in qs[:5]})), now=T0)

    assert {m.question_id for m in h.missed_questions()} == missed
    assert all(not m.last_correct and m.times_wrong == 1 for m in h.missed_questions())

    # Right after the quiz nothing is due yet, but the open mistakes are offered ("then missed ones").
    queue = h.review_queue(T0)
    assert {i.question_id for i in queue} == missed and not any(i.is_due for i in queue)
    # FSRS relearning step: due minutes later, and only the missed ones, never the right ones.
    later = h.review_queue(T0 + timedelta(hours=1))
    assert {i.question_id for i in later} == missed and all(i.is_due for i in later)

    # Reviewing one correctly: FSRS pushes it out, it leaves the queue until due again.
    fixed = next(q for q in qs if q.id in missed)
    h.record_attempt(score([fixed], _answer([fixed], {fixed.id})), mode="review", now=T0 + timedelta(hours=1))
    soon = h.review_queue(T0 + timedelta(hours=1, minutes=1))
    assert fixed.id not in {i.question_id for i in soon}
    assert {i.question_id for i in soon} == missed - {fixed.id}
    with sqlite3.connect(h.path) as c:
        card = json.loads(c.execute("SELECT card FROM cards WHERE question_id=?", (fixed.id,)).fetchone()[0])
    assert set(card) >= {"card_id", "state", "stability", "difficulty", "due", "last_review"}
    # ...and comes back once FSRS says it is due: due cards come first, most overdue first.
    far = T0 + timedelta(days=400)
    queue = h.review_queue(far)
    assert fixed.id in {i.question_id for i in queue} and all(i.is_due for i in queue)
    assert [i.due for i in queue] == sorted(i.due for i in queue)
    m = next(m for m in h.missed_questions() if m.question_id == fixed.id)
    assert m.last_correct and m.times_wrong == 1 and m.times_seen == 2


def test_corrupt_file_is_reported_and_left_alone(gen, tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not a database\n" * 100)
    before = _sha(path)
    h = History(path)
    for call in (h.topic_stats, h.missed_questions, h.check, lambda: h.review_queue(T0),
                 lambda: h.record_attempt(score(gen.build(2, seed=1), {}), now=T0)):
        with pytest.raises(HistoryCorruptError, match="left untouched"):
            call()
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite"]  # no -wal/-shm, no replacement


def test_damaged_pages_are_reported_and_left_alone(gen, tmp_path):
    path = tmp_path / "h.sqlite"
    h = History(path)
    qs = gen.build(10, seed=3)
    h.record_attempt(score(qs, _answer(qs, set())), now=T0)
    with sqlite3.connect(path) as c:  # fold the WAL in so the damage below hits real data
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA journal_mode=DELETE")
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * 4096
    for page in (1, 2, 3):  # scribble over the b-tree page headers of pages 2-4
        data[page * 4096 : page * 4096 + 12] = b"\x07" * 12
    path.write_bytes(bytes(data))
    before = _sha(path)
    with pytest.raises(HistoryError) as e:
        History(path).topic_stats()
    assert isinstance(e.value, HistoryCorruptError) and str(path) in str(e.value)
    assert _sha(path) == before


def test_locked_database_gives_a_clear_error_and_keeps_data(gen, tmp_path):
    path = tmp_path / "h.sqlite"
    h = History(path, busy_timeout=0.2)
    qs = gen.build(4, seed=4)
    h.record_attempt(score(qs, {}), now=T0)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(HistoryLockedError, match="locked by another process"):
            h.record_attempt(score(qs, {}), now=T0 + timedelta(minutes=5))
        assert len(h.attempts()) == 1  # WAL: reading still works while another writer holds the lock
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert h.record_attempt(score(qs, {}), now=T0 + timedelta(minutes=6)) == 2
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 8  # the failed attempt left nothing half-written


def test_other_database_and_naive_datetimes_are_refused(gen, tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE invoices (id INTEGER)")
    before = _sha(path)
    with pytest.raises(HistoryError, match="something else"):
        History(path).topic_stats()
    assert _sha(path) == before
    with pytest.raises(ValueError, match="timezone-aware"):
        History(tmp_path / "h.sqlite").review_queue(datetime(2025, 1, 1))
    with pytest.raises(HistoryError, match="directory"):
        History(tmp_path).topic_stats()
