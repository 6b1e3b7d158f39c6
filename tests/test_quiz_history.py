"""History behind one API on a real SQLite file and a real PostgreSQL server: recording, statistics,
FSRS review scheduling, per-learner separation, export and delete, mock exams, saving the same
answers twice, and (SQLite) the promise that a corrupt or locked file is reported and never modified."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from indexer.config import PROJECT_ROOT
from indexer.glossary import load_glossary
from quiz.generate import QuizGenerator
from quiz.history import (AnswerRecord, AttemptInfo, ExamError, History, HistoryCorruptError, HistoryError,
                          HistoryLockedError, LearnerNameError, write_export)
from quiz.history import schema
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


def _count(h: History, table) -> int:
    with h.db.begin() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


@pytest.fixture
def make(history_url, tmp_path):
    made = []

    def _make(learner: str = "default") -> History:
        h = History(history_url, learner=learner, unsaved_dir=tmp_path / "unsaved")
        made.append(h)
        return h
    yield _make
    for h in made:
        h.db.dispose()


# ------------------------------------------------------------------------------ both databases

def test_record_stats_and_over_time(gen, make):
    h = make()
    qs = gen.build(10, seed=1)
    right = {q.id for q in qs[:7]}
    a1 = h.record_attempt(score(qs, _answer(qs, right)), seed=1, now=T0)
    a2 = h.record_attempt(score(qs, _answer(qs, {q.id for q in qs})), seed=1, now=T0 + timedelta(days=1))
    assert a2 > a1
    stats = h.topic_stats()
    assert sum(s.answered for s in stats.values()) == 20
    assert sum(s.right for s in stats.values()) == 17
    assert sum(s.open_mistakes for s in stats.values()) == 0  # all fixed in attempt 2
    points = h.accuracy_over_time()
    assert {p.attempt_id for p in points} == {a1, a2}
    assert sum(p.right for p in points if p.attempt_id == a1) == 7
    assert all(p.accuracy == 1.0 for p in points if p.attempt_id == a2)
    topic = qs[0].topic
    assert all(p.topic == topic for p in h.accuracy_over_time(topic))
    attempts = h.attempts()
    assert [a["n_right"] for a in attempts] == [7, 10] and attempts[0]["seed"] == "1"
    # every answer is kept with a snapshot of the question as shown
    with h.db.begin() as conn:
        rows = conn.execute(select(schema.answers.c.question_id, schema.answers.c.question)
                            .where(schema.answers.c.attempt_id == a1).order_by(schema.answers.c.position)).all()
    assert [r[0] for r in rows] == [q.id for q in qs]
    assert json.loads(rows[0][1])["stem"] == qs[0].stem
    summary = h.summary()
    assert summary["user"] == "default" and (summary["answered"], summary["correct"]) == (20, 17)
    assert sum(t["answered"] for t in summary["topics"].values()) == 20


def test_missed_and_review_queue_follow_fsrs(gen, make):
    h = make()
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
    with h.db.begin() as conn:
        card = json.loads(conn.execute(select(schema.cards.c.card).where(schema.cards.c.question_id == fixed.id)).scalar())
    assert set(card) >= {"card_id", "state", "stability", "difficulty", "due", "last_review"}
    # ...and comes back once FSRS says it is due: due cards come first, most overdue first.
    far = T0 + timedelta(days=400)
    queue = h.review_queue(far)
    assert fixed.id in {i.question_id for i in queue} and all(i.is_due for i in queue)
    assert [i.due for i in queue] == sorted(i.due for i in queue)
    m = next(m for m in h.missed_questions() if m.question_id == fixed.id)
    assert m.last_correct and m.times_wrong == 1 and m.times_seen == 2


def test_each_learner_sees_only_their_own(gen, make):
    hana, ken = make("hana"), make("ken")
    qs = gen.build(6, seed=5)
    hana.record_attempt(score(qs, _answer(qs, set())), now=T0)  # all wrong
    ken.record_attempt(score(qs[:2], _answer(qs[:2], {q.id for q in qs[:2]})), now=T0)  # all right
    assert hana.summary()["answered"] == 6 and hana.summary()["correct"] == 0
    assert ken.summary() == {"user": "ken", "answered": 2, "correct": 2,
                             "topics": {t: v for t, v in ken.summary()["topics"].items()}}
    assert ken.summary()["correct"] == 2 and ken.missed_questions() == [] and ken.review_queue(T0) == []
    assert len(hana.missed_questions()) == 6 and len(hana.review_queue(T0)) == 6
    assert len(hana.attempts()) == 1 and len(ken.attempts()) == 1
    assert hana.attempts()[0]["id"] != ken.attempts()[0]["id"]
    # The same question has a card per learner: ken's right answer did not touch hana's card.
    assert {i.question_id for i in hana.review_queue(T0)} >= {q.id for q in qs[:2]}
    assert hana.db.learners() == ["hana", "ken"]
    nobody = make("nobody")
    assert nobody.summary() == {"user": "nobody", "answered": 0, "correct": 0, "topics": {}} and nobody.attempts() == []
    assert "nobody" not in nobody.db.learners()  # reading never creates a profile


def test_saving_the_same_answers_twice_stores_them_once(gen, make):
    h = make("hana")
    qs = gen.build(4, seed=6)
    result = score(qs, _answer(qs, {qs[0].id}))
    attempt = AttemptInfo.new(mode="quiz", seed=6, started_at=T0)
    records = [AnswerRecord.of(i, r, T0 + timedelta(seconds=i)) for i, r in enumerate(result.results)]
    first = h.save_answers(attempt, records[:2])  # answer by answer, as the terminal quiz does
    again = h.save_answers(attempt, records[:3])  # a retry that overlaps
    last = h.save_answers(attempt, records[3:])
    assert first.saved and again.saved and last.saved and first.attempt_id == again.attempt_id == last.attempt_id
    assert h.attempts() == [{"id": first.attempt_id, "started_at": "2025-03-01T09:00:00.000000Z",
                             "finished_at": "2025-03-01T09:00:03.000000Z", "mode": "quiz", "seed": "6",
                             "n_questions": 4, "n_right": 1}]
    assert _count(h, schema.answers) == 4
    with h.db.begin() as conn:  # one review per answer, not per save call
        assert conn.execute(select(func.sum(schema.cards.c.reviews))).scalar() == 4


def test_export_and_delete_one_learner(gen, make, tmp_path):
    hana, ken = make("hana"), make("ken")
    qs = gen.build(5, seed=7)
    hana.record_attempt(score(qs, _answer(qs, {qs[0].id})), seed=7, now=T0)
    ken.record_attempt(score(qs, _answer(qs, set())), now=T0)
    hana.start_exam([q.id for q in qs], minutes=30, now=T0)

    n = write_export(hana, tmp_path / "hana.json")
    data = json.loads((tmp_path / "hana.json").read_text(encoding="utf-8"))
    assert n == 5 and data["user"] == "hana" and len(data["attempts"]) == 1
    assert [a["question_id"] for a in data["attempts"][0]["answers"]] == [q.id for q in qs]
    assert data["attempts"][0]["answers"][0]["question"]["stem"] == qs[0].stem and len(data["mock_exams"]) == 1
    assert len(data["review_cards"]) == 5
    write_export(hana, tmp_path / "hana.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "hana.csv").read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == 5 and [r["question_id"] for r in rows] == [q.id for q in qs]
    assert [r["is_correct"] for r in rows] == ["1", "0", "0", "0", "0"] and rows[0]["stem"] == qs[0].stem
    with pytest.raises(HistoryError, match=r"\.csv or \.json"):
        write_export(hana, tmp_path / "hana.xlsx")

    counts = hana.delete()
    assert counts == {"answers": 5, "cards": 5, "mock_exams": 1, "attempts": 1}
    assert hana.summary()["answered"] == 0 and hana.attempts() == [] and hana.open_exam(T0) is None
    assert ken.summary()["answered"] == 5 and len(ken.missed_questions()) == 5  # the other learner is untouched
    assert hana.db.learners() == ["ken"]
    assert _count(ken, schema.answers) == 5


def test_mock_exam_lifecycle(gen, make):
    h, other = make("hana"), make("ken")
    ids = [q.id for q in gen.build(4, seed=8)]
    exam = h.start_exam(ids, minutes=20, title="模試 1", now=T0)
    assert exam.is_open(T0) and exam.deadline == T0 + timedelta(minutes=20) and exam.answers == {}
    with pytest.raises(ExamError, match="still open"):
        h.start_exam(ids, now=T0)
    h.save_exam_answer(exam.id, ids[0], [2], now=T0 + timedelta(minutes=1))
    h.save_exam_answer(exam.id, ids[1], {1, 0}, now=T0 + timedelta(minutes=2))
    h.save_exam_answer(exam.id, ids[0], [1], now=T0 + timedelta(minutes=3))  # changed my mind
    resumed = h.open_exam(T0 + timedelta(minutes=5))  # another sitting, another process
    assert resumed.id == exam.id and resumed.answers == {ids[0]: (1,), ids[1]: (0, 1)}
    assert resumed.seconds_left(T0 + timedelta(minutes=5)) == 15 * 60 and resumed.title == "模試 1"
    assert other.open_exam(T0) is None  # not ken's
    with pytest.raises(ExamError, match="no mock exam"):
        other.save_exam_answer(exam.id, ids[0], [0], now=T0)
    with pytest.raises(ExamError, match="not part of"):
        h.save_exam_answer(exam.id, "nope", [0], now=T0)
    with pytest.raises(ExamError, match="time is up"):
        h.save_exam_answer(exam.id, ids[2], [0], now=T0 + timedelta(minutes=21))
    assert h.open_exam(T0 + timedelta(minutes=21)) is None
    done = h.finish_exam(exam.id, {"right": 1, "total": 4}, now=T0 + timedelta(minutes=22))
    assert done.is_finished and done.score == {"right": 1, "total": 4}
    with pytest.raises(ExamError, match="already finished"):
        h.finish_exam(exam.id, {}, now=T0)
    untimed = h.start_exam(ids[:2], now=T0 + timedelta(days=1))
    assert untimed.deadline is None and h.open_exam(T0 + timedelta(days=30)).id == untimed.id
    assert [e.id for e in h.exams()] == [exam.id, untimed.id] and other.exams() == []


def test_bad_learner_names_are_refused(history_url, tmp_path):
    for bad in ("", "   ", "a\x00b", "x" * 81):
        with pytest.raises(LearnerNameError):
            History(history_url, learner=bad, unsaved_dir=tmp_path)
    assert History(history_url, learner="  山田   花子 ", unsaved_dir=tmp_path).learner == "山田 花子"


# ------------------------------------------------------------------------------ SQLite file

LEGACY_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    mode TEXT NOT NULL, seed TEXT, n_questions INTEGER NOT NULL, n_right INTEGER NOT NULL);
CREATE TABLE answers (attempt_id INTEGER NOT NULL REFERENCES attempts(id), position INTEGER NOT NULL,
    question_id TEXT NOT NULL, type TEXT NOT NULL, topic TEXT NOT NULL, chosen TEXT NOT NULL, correct TEXT NOT NULL,
    is_correct INTEGER NOT NULL, answered INTEGER NOT NULL, answered_at TEXT NOT NULL, question TEXT NOT NULL,
    PRIMARY KEY (attempt_id, position));
CREATE INDEX answers_question ON answers(question_id);
CREATE TABLE cards (question_id TEXT PRIMARY KEY, topic TEXT NOT NULL, type TEXT NOT NULL, card TEXT NOT NULL,
    due TEXT NOT NULL, reviews INTEGER NOT NULL, lapses INTEGER NOT NULL, last_correct INTEGER NOT NULL,
    updated_at TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
"""


def _legacy_file(path, gen):
    """A history as the single-learner version wrote it: two attempts, with cards."""
    reference = History(path.with_name("reference.sqlite"))
    qs = gen.build(6, seed=9)
    reference.record_attempt(score(qs, _answer(qs, {qs[0].id})), seed=9, now=T0)
    reference.record_attempt(score(qs[:3], _answer(qs[:3], {q.id for q in qs[:3]})), mode="review", now=T0 + timedelta(days=2))
    reference.db.dispose()
    src = sqlite3.connect(path.with_name("reference.sqlite"))
    with sqlite3.connect(path) as c:
        c.executescript(LEGACY_SCHEMA)
        c.executemany("INSERT INTO attempts VALUES (?,?,?,?,?,?,?)", src.execute(
            "SELECT id + 40, started_at, finished_at, mode, seed, n_questions, n_right FROM attempts"))
        c.executemany("INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?)", src.execute(
            "SELECT attempt_id + 40, position, question_id, type, topic, chosen, correct, is_correct, answered, "
            "answered_at, question FROM answers"))
        c.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?)", src.execute(
            "SELECT question_id, topic, type, card, due, reviews, lapses, last_correct, updated_at FROM cards"))
    src.close()
    return History(path.with_name("reference.sqlite"))


def test_legacy_single_learner_file_is_migrated_into_the_first_profile(gen, tmp_path):
    path = tmp_path / "quiz_history.sqlite"
    reference = _legacy_file(path, gen)
    h = History(path)  # learner "default": the first profile
    assert [a["id"] for a in h.attempts()] == [41, 42]  # ids kept: "#41" still means the same attempt
    strip = lambda rows: [{k: v for k, v in r.items() if k != "id"} for r in rows]  # noqa: E731
    assert strip(h.attempts()) == strip(reference.attempts())
    assert h.summary() == reference.summary() and h.topic_stats() == reference.topic_stats()
    assert h.review_queue(T0 + timedelta(days=3)) == reference.review_queue(T0 + timedelta(days=3))
    assert [m.question_id for m in h.missed_questions()] == [m.question_id for m in reference.missed_questions()]
    assert h.db.learners() == ["default"]
    with sqlite3.connect(path) as c:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables >= {"schema_version", "learners", "attempts", "answers", "cards", "mock_exams"}
        assert not tables & {"meta", "legacy_attempts", "legacy_answers", "legacy_cards"}
        assert c.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    # New attempts continue after the old ids, and another learner starts empty.
    assert h.record_attempt(score(gen.build(2, seed=1), {}), now=T0 + timedelta(days=5)) == 43
    assert History(path, learner="ken").summary()["answered"] == 0


def test_answers_the_old_terminal_quiz_could_not_record_are_saved_once(gen, tmp_path):
    """Before learners, the CLI wrote <db>.unsaved-<time>.json when the file was unusable."""
    path = tmp_path / "quiz_history.sqlite"
    qs = gen.build(3, seed=12)
    spill = tmp_path / "quiz_history.unsaved-20251101T101010.json"
    spill.write_text(json.dumps({"mode": "quiz", "seed": 12, "answers": {qs[0].id: sorted(qs[0].correct_indices)},
                                 "questions": [q.to_dict() for q in qs[:2]]}, ensure_ascii=False), encoding="utf-8")
    h = History(path)
    assert h.flush_pending() == 2 and h.flush_pending() == 0
    assert h.summary()["answered"] == 2 and h.summary()["correct"] == 1
    assert not spill.exists() and spill.with_name(spill.name + ".saved").exists()
    assert History(path, learner="ken").flush_pending() == 0  # the old file was the first profile's


def test_two_processes_on_a_fresh_file_never_see_locked(tmp_path):
    """Two writers creating the same new history at once: the first use is serialised (flock),
    so neither fails at the WAL switch or the schema creation."""
    import subprocess
    import sys

    import time

    script = (  # import first, then wait for the go file, so the first uses really overlap
        "import sys, os, time\nfrom quiz.history import History\n"
        "while not os.path.exists(sys.argv[3]): time.sleep(0.005)\n"
        "h = History(sys.argv[1], learner=sys.argv[2], busy_timeout=10)\n"
        "h.start_exam(['q1','q2'])\nprint('ok')\n")
    failures = []
    for round_ in range(3):
        path, go = tmp_path / f"fresh{round_}.sqlite", tmp_path / f"go{round_}"
        procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"p{i}", str(go)], cwd=PROJECT_ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
        time.sleep(3)
        go.touch()
        for p in procs:
            out, err = p.communicate(timeout=120)
            if p.returncode != 0 or out.strip() != "ok":
                failures.append(err[-400:])
        with sqlite3.connect(path) as c:
            assert c.execute("SELECT COUNT(*) FROM mock_exams").fetchone()[0] == 4 - len(failures)
    assert not failures, failures[0]


def test_journal_is_wal(gen, tmp_path):
    h = History(tmp_path / "data" / "h.sqlite")
    h.record_attempt(score(gen.build(2, seed=1), {}), now=T0)
    with sqlite3.connect(h.path) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


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
    h.db.dispose()
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
    first = h.record_attempt(score(qs, {}), now=T0)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(HistoryLockedError, match="locked by another process"):
            h.record_attempt(score(qs, {}), now=T0 + timedelta(minutes=5))
        assert len(h.attempts()) == 1  # WAL: reading still works while another writer holds the lock
        kept = h.save_result(score(qs, {}), now=T0 + timedelta(minutes=5))  # the app's way: kept, told
        assert not kept.saved and kept.pending == 4 and "locked" in kept.message
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert h.flush_pending() == 4
    assert len(h.attempts()) == 2 and h.pending_count() == 0
    assert h.record_attempt(score(qs, {}), now=T0 + timedelta(minutes=6)) > first
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 12  # the failed attempt left nothing half-written


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
    with pytest.raises(HistoryError, match="only sqlite"):
        History("mysql://x@y/z")
