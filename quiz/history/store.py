"""One learner's history: attempts, answers, FSRS review cards, statistics, export and deletion.

Which missed questions come back, and when, is decided by FSRS (the ``fsrs`` package): each
question has a card per learner (``Card.to_dict()`` JSON) reviewed with Rating.Good when answered
right and Rating.Again when wrong.

Answers are saved as they are given (``save_answers``): one transaction per call, idempotent by
attempt key and position, so a retry or a flush of the side file never stores anything twice. When
the database cannot take them (down, refusing connections, locked, damaged) they go to the
learner's side file and the caller is told; the next save or ``flush_pending`` stores them.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from fsrs import Card, Rating, Scheduler
from sqlalchemy import Connection, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..model import Question
from ..scoring import QuizResult, score
from . import schema as s
from .database import Database, check_name
from .errors import HistoryError
from .exams import ExamsMixin
from .migrations import DEFAULT_LEARNER
from .pending import PendingAnswers
from .records import (AccuracyPoint, AnswerRecord, AttemptAccuracy, AttemptInfo, MissedQuestion, ReviewItem, SaveOutcome, TopicStat,
                      iso, utc)


def card_id(question_id: str) -> int:
    """Deterministic, so the card id is meaningful and Card() need not sleep to avoid collisions."""
    return int(hashlib.sha1(question_id.encode()).hexdigest()[:12], 16)


def dialect_insert(conn: Connection, table):
    """INSERT with ON CONFLICT support, in the connection's own dialect."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def default_unsaved_dir(db: Database) -> Path:
    from indexer.config import PROJECT_ROOT

    if db.path is not None:
        return db.path.with_name(db.path.stem + ".unsaved")
    return PROJECT_ROOT / "data" / "unsaved"


class History(ExamsMixin):
    """``target`` is a URL, a SQLite file path, or an open Database shared by many learners."""

    def __init__(self, target: str | Path | Database, *, learner: str = DEFAULT_LEARNER, busy_timeout: float = 5.0,
                 scheduler: Scheduler | None = None, unsaved_dir: str | Path | None = None):
        self.db = target if isinstance(target, Database) else Database(target, busy_timeout=busy_timeout)
        self.learner = check_name(learner)
        self.scheduler = scheduler or Scheduler()
        self.pending = PendingAnswers(Path(unsaved_dir) if unsaved_dir else default_unsaved_dir(self.db),
                                      self.learner, self.db.where)

    @property
    def path(self) -> Path | str:
        """The SQLite file, or the URL (password hidden) of a server."""
        return self.db.path if self.db.path is not None else self.db.where

    def check(self) -> None:
        """Open (creating an empty history if there is none), verify and migrate, so a CLI quiz can
        refuse to start rather than lose the learner's answers at the end."""
        with self.db.begin():
            pass

    def _learner_id(self, conn: Connection, *, create: bool = False) -> int | None:
        q = select(s.learners.c.id).where(s.learners.c.name == self.learner)
        found = conn.execute(q).scalar()
        if found is None and create:
            conn.execute(dialect_insert(conn, s.learners).values(name=self.learner, created_at=iso(utc()))
                         .on_conflict_do_nothing(index_elements=["name"]))
            found = conn.execute(q).scalar()
        return found

    # ------------------------------------------------------------------ writing

    def record_attempt(self, result: QuizResult, *, mode: str = "quiz", seed: object = None,
                       started_at: datetime | None = None, now: datetime | None = None) -> int:
        """Store every answer of a scored quiz in one transaction and review each question's FSRS
        card. Returns the attempt id; raises HistoryError (nothing written) when it cannot."""
        now = utc(now)
        attempt = AttemptInfo.new(mode=mode, seed=seed, started_at=started_at or now)
        return self._save(attempt, [AnswerRecord.of(i, r, now) for i, r in enumerate(result.results)])

    def save_result(self, result: QuizResult, *, mode: str = "quiz", seed: object = None,
                    started_at: datetime | None = None, now: datetime | None = None) -> SaveOutcome:
        """record_attempt that never loses the answers: kept in the side file when the database
        cannot take them."""
        now = utc(now)
        attempt = AttemptInfo.new(mode=mode, seed=seed, started_at=started_at or now)
        return self.save_answers(attempt, [AnswerRecord.of(i, r, now) for i, r in enumerate(result.results)])

    def save_answers(self, attempt: AttemptInfo, answers: list[AnswerRecord]) -> SaveOutcome:
        """Save now, or keep in the side file and say so; answers kept earlier go first."""
        if self.pending.path.exists():
            try:
                self.flush_pending()
            except HistoryError as e:
                return self._keep(attempt, answers, e)
        try:
            return SaveOutcome(saved=True, attempt_id=self._save(attempt, answers))
        except HistoryError as e:
            return self._keep(attempt, answers, e)

    def _keep(self, attempt: AttemptInfo, answers: list[AnswerRecord], error: HistoryError) -> SaveOutcome:
        self.pending.append(attempt, answers)
        n = self.pending.count()
        return SaveOutcome(saved=False, pending=n, message=(
            f"{error} — {n} answer(s) are kept in {self.pending.path} and will be saved when the history "
            "can be reached again."))

    def flush_pending(self) -> int:
        """Save the answers kept in the side file; returns how many. Raises HistoryError (and keeps
        them) when the database still cannot take them."""
        return self.pending.drain(self._save) + self._import_legacy_spills()

    def _import_legacy_spills(self) -> int:
        """The single-learner terminal quiz wrote ``<db>.unsaved-<time>.json`` when it could not
        record a quiz; those answers belong to the first profile and are saved once (the file's
        name is the attempt key), then the file is renamed ``….saved``."""
        if self.db.path is None or self.learner != DEFAULT_LEARNER:
            return 0
        saved = 0
        for spill in sorted(self.db.path.parent.glob(f"{self.db.path.stem}.unsaved-*.json")):
            try:
                raw = json.loads(spill.read_text(encoding="utf-8"))
                at = datetime.fromtimestamp(spill.stat().st_mtime, timezone.utc)
                questions = [Question.from_dict(d) for d in raw["questions"]]
                result = score(questions, {k: set(v) for k, v in raw["answers"].items()})
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not one of ours: left alone
            attempt = AttemptInfo(mode=raw.get("mode") or "quiz", seed=None if raw.get("seed") is None else str(raw["seed"]),
                                  started_at=at, key="legacy-" + hashlib.sha1(spill.name.encode()).hexdigest()[:24])
            self._save(attempt, [AnswerRecord.of(i, r, at) for i, r in enumerate(result.results)])
            spill.rename(spill.with_name(spill.name + ".saved"))
            saved += len(result.results)
        return saved

    def pending_count(self) -> int:
        return self.pending.count()

    def _save(self, attempt: AttemptInfo, answers: list[AnswerRecord]) -> int:
        with self.db.begin(write=True) as conn:
            return self._write(conn, attempt, answers)

    def _write(self, conn: Connection, attempt: AttemptInfo, answers: list[AnswerRecord]) -> int:
        lid = self._learner_id(conn, create=True)
        start = iso(attempt.started_at)
        conn.execute(dialect_insert(conn, s.attempts).values(
            learner_id=lid, client_key=attempt.key, started_at=start, finished_at=start, mode=attempt.mode,
            seed=attempt.seed, n_questions=0, n_right=0).on_conflict_do_nothing(index_elements=["client_key"]))
        aid, owner = conn.execute(select(s.attempts.c.id, s.attempts.c.learner_id)
                                  .where(s.attempts.c.client_key == attempt.key)).one()
        if owner != lid:
            raise HistoryError(f"attempt {attempt.key} belongs to another learner; nothing was written")
        done = set(conn.execute(select(s.answers.c.position).where(s.answers.c.attempt_id == aid)).scalars())
        for a in sorted(answers, key=lambda a: a.position):
            if a.position in done:
                continue  # saved before (a retry or a flushed side file): never twice
            done.add(a.position)
            q = a.question
            conn.execute(s.answers.insert().values(
                attempt_id=aid, position=a.position, learner_id=lid, question_id=q.id, type=q.type, topic=q.topic,
                chosen=json.dumps(list(a.chosen)), correct=json.dumps(list(a.correct)), is_correct=int(a.is_correct),
                answered=int(a.answered), answered_at=iso(a.answered_at),
                question=json.dumps(q.to_dict(), ensure_ascii=False)))
            self._review(conn, lid, q, a.is_correct, a.answered_at)
        totals = select(func.count(), func.coalesce(func.sum(s.answers.c.is_correct), 0),
                        func.max(s.answers.c.answered_at)).where(s.answers.c.attempt_id == aid)
        n, right, last = conn.execute(totals).one()
        conn.execute(update(s.attempts).where(s.attempts.c.id == aid).values(
            n_questions=n, n_right=int(right), finished_at=last or start))
        return int(aid)

    def _review(self, conn: Connection, lid: int, q: Question, right: bool, at: datetime) -> None:
        c = s.cards.c
        row = conn.execute(select(c.card, c.reviews, c.lapses).where(c.learner_id == lid, c.question_id == q.id)
                           .with_for_update()).first()
        if row:
            card, reviews, lapses = Card.from_dict(json.loads(row[0])), row[1], row[2]
        else:
            card, reviews, lapses = Card(card_id=card_id(q.id), due=at), 0, 0
        card, _ = self.scheduler.review_card(card, Rating.Good if right else Rating.Again, review_datetime=at)
        values = dict(topic=q.topic, type=q.type, card=json.dumps(card.to_dict()), due=iso(card.due),
                      reviews=reviews + 1, lapses=lapses + (not right), last_correct=int(right), updated_at=iso(at))
        conn.execute(dialect_insert(conn, s.cards).values(learner_id=lid, question_id=q.id, **values)
                     .on_conflict_do_update(index_elements=["learner_id", "question_id"], set_=values))

    def delete(self) -> dict[str, int]:
        """Remove every row of this learner (attempts, answers, cards, mock exams, the profile)
        and the side file. Returns how many rows of each kind went."""
        counts = {t.name: 0 for t in s.LEARNER_TABLES}
        with self.db.begin(write=True) as conn:
            lid = self._learner_id(conn)
            if lid is not None:
                for table in s.LEARNER_TABLES:
                    counts[table.name] = conn.execute(delete(table).where(table.c.learner_id == lid)).rowcount
                conn.execute(delete(s.learners).where(s.learners.c.id == lid))
        self.pending.discard()
        return counts

    # ------------------------------------------------------------------ reading

    def attempts(self) -> list[dict]:
        a = s.attempts.c
        with self.db.begin() as conn:
            lid = self._learner_id(conn)
            rows = conn.execute(select(a.id, a.started_at, a.finished_at, a.mode, a.seed, a.n_questions, a.n_right)
                                .where(a.learner_id == lid).order_by(a.id)).all()
        return [dict(r._mapping) for r in rows]

    def topic_stats(self) -> dict[str, TopicStat]:
        a, c = s.answers.c, s.cards.c
        with self.db.begin() as conn:
            lid = self._learner_id(conn)
            rows = conn.execute(select(a.topic, func.count(), func.sum(a.is_correct), func.max(a.answered_at))
                                .where(a.learner_id == lid).group_by(a.topic).order_by(a.topic)).all()
            open_ = dict(conn.execute(select(c.topic, func.count()).where(c.learner_id == lid, c.last_correct == 0)
                                      .group_by(c.topic)).all())
        return {t: TopicStat(topic=t, answered=n, right=int(right or 0), open_mistakes=int(open_.get(t, 0)),
                             last_answered_at=last) for t, n, right, last in rows}

    def summary(self) -> dict:
        """The numbers ``python -m quiz --stats --json`` prints."""
        stats = self.topic_stats()
        return {"user": self.learner, "answered": sum(t.answered for t in stats.values()),
                "correct": sum(t.right for t in stats.values()),
                "topics": {t.topic: {"answered": t.answered, "correct": t.right} for t in stats.values()}}

    def accuracy_over_time(self, topic: str | None = None) -> list[AccuracyPoint]:
        """One point per attempt and topic, oldest first: the learner's curve per topic."""
        a, t = s.answers.c, s.attempts.c
        with self.db.begin() as conn:
            lid = self._learner_id(conn)
            q = (select(t.id, t.finished_at, a.topic, func.sum(a.is_correct), func.count())
                 .join_from(s.answers, s.attempts, t.id == a.attempt_id).where(a.learner_id == lid)
                 .group_by(t.id, t.finished_at, a.topic).order_by(t.id, a.topic))
            rows = conn.execute(q.where(a.topic == topic) if topic is not None else q).all()
        return [AccuracyPoint(attempt_id=i, at=at, topic=tp, right=int(r), total=int(n)) for i, at, tp, r, n in rows]

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
        a = s.answers.c
        wrong = func.sum(1 - a.is_correct)
        last_wrong = func.max(case((a.is_correct == 0, a.answered_at)))
        with self.db.begin() as conn:
            lid = self._learner_id(conn)
            rows = conn.execute(select(a.question_id, a.topic, a.type, wrong, func.count(), last_wrong)
                                .where(a.learner_id == lid).group_by(a.question_id, a.topic, a.type)
                                .having(wrong > 0).order_by(last_wrong.desc(), a.question_id)).all()
            out = []
            for qid, topic, qtype, n_wrong, seen, last in rows:
                latest = conn.execute(select(a.is_correct, a.question).where(a.learner_id == lid, a.question_id == qid)
                                      .order_by(a.answered_at.desc(), a.attempt_id.desc()).limit(1)).one()
                out.append(MissedQuestion(question_id=qid, topic=topic, type=qtype, times_wrong=int(n_wrong),
                                          times_seen=int(seen), last_wrong_at=last, last_correct=bool(latest[0]),
                                          question=Question.from_dict(json.loads(latest[1]))))
        return out

    def review_queue(self, now: datetime | None = None, limit: int | None = None) -> list[ReviewItem]:
        """Questions to practise again: among those ever missed, the ones FSRS says are due (most
        overdue first), then the ones whose latest answer is still wrong but are not due yet
        (soonest first). A missed question answered right since then waits for its due date."""
        now = utc(now)
        c = s.cards.c
        with self.db.begin() as conn:
            lid = self._learner_id(conn)
            rows = conn.execute(select(c.question_id, c.topic, c.type, c.card, c.lapses, c.last_correct)
                                .where(c.learner_id == lid, c.lapses > 0)).all()
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
