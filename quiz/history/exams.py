"""Mock exams: a timed set of questions a learner works through, possibly over several sittings.

Kept generic on purpose: the history stores which questions, the answers so far, the clock and, at
the end, whatever score the exam page computes; it does not grade. At most one exam per learner is
open at a time, so "continue where I left off" is unambiguous; answers after the deadline or after
finishing are refused (ExamError), so a reloaded page cannot change a closed exam.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import Connection, select, update

from . import schema as s
from .errors import ExamError
from .records import MockExam, iso, parse_iso, utc


class ExamsMixin:
    """History's mock-exam methods (needs ``self.db``, ``self.learner``, ``self._learner_id``)."""

    def start_exam(self, question_ids: Iterable[str], *, minutes: int | None = None, title: str = "",
                   now: datetime | None = None) -> MockExam:
        ids = [str(q) for q in question_ids]
        if not ids or len(set(ids)) != len(ids):
            raise ExamError("a mock exam needs at least one question and no question twice")
        if minutes is not None and minutes <= 0:
            raise ExamError(f"a time limit must be positive (got {minutes} minutes)")
        now = utc(now)
        deadline = now + timedelta(minutes=minutes) if minutes else None
        with self.db.begin(write=True) as conn:
            lid = self._learner_id(conn, create=True)
            open_ = self._open_row(conn, lid, now)
            if open_ is not None:
                raise ExamError(f"mock exam #{open_.id} is still open; finish it before starting another")
            result = conn.execute(s.mock_exams.insert().values(
                learner_id=lid, title=title, question_ids=json.dumps(ids, ensure_ascii=False), answers="{}",
                started_at=iso(now), minutes=minutes, deadline=iso(deadline) if deadline else None))
            return self._exam(conn, result.inserted_primary_key[0])

    def open_exam(self, now: datetime | None = None) -> MockExam | None:
        """The learner's unfinished exam whose time has not run out, if any."""
        with self.db.begin() as conn:
            return self._open_row(conn, self._learner_id(conn), utc(now))

    def exams(self) -> list[MockExam]:
        with self.db.begin() as conn:
            lid = self._learner_id(conn)
            ids = conn.execute(select(s.mock_exams.c.id).where(s.mock_exams.c.learner_id == lid)
                               .order_by(s.mock_exams.c.id)).scalars().all()
            return [self._exam(conn, i) for i in ids]

    def save_exam_answer(self, exam_id: int, question_id: str, chosen: Iterable[int],
                         now: datetime | None = None) -> MockExam:
        now = utc(now)
        with self.db.begin(write=True) as conn:
            exam = self._own(conn, exam_id, lock=True)
            if not exam.is_open(now):
                raise ExamError(f"mock exam #{exam_id} is closed ({'finished' if exam.is_finished else 'time is up'}); "
                                "the answer was not changed")
            if question_id not in exam.question_ids:
                raise ExamError(f"question {question_id} is not part of mock exam #{exam_id}")
            answers = {**exam.answers, question_id: tuple(sorted({int(i) for i in chosen}))}
            conn.execute(update(s.mock_exams).where(s.mock_exams.c.id == exam_id)
                         .values(answers=MockExam.answers_json(answers)))
            return self._exam(conn, exam_id)

    def finish_exam(self, exam_id: int, score: dict, now: datetime | None = None) -> MockExam:
        """Close the exam (also after its deadline) and store the page's score."""
        with self.db.begin(write=True) as conn:
            exam = self._own(conn, exam_id, lock=True)
            if exam.is_finished:
                raise ExamError(f"mock exam #{exam_id} was already finished")
            conn.execute(update(s.mock_exams).where(s.mock_exams.c.id == exam_id).values(
                finished_at=iso(utc(now)), score=json.dumps(score, ensure_ascii=False)))
            return self._exam(conn, exam_id)

    # ------------------------------------------------------------------ rows

    def _open_row(self, conn: Connection, lid: int | None, now: datetime) -> MockExam | None:
        m = s.mock_exams.c
        ids = conn.execute(select(m.id).where(m.learner_id == lid, m.finished_at.is_(None)).order_by(m.id.desc())).scalars()
        return next((e for e in (self._exam(conn, i) for i in ids) if e.is_open(now)), None)

    def _own(self, conn: Connection, exam_id: int, *, lock: bool = False) -> MockExam:
        m = s.mock_exams.c
        q = select(m.id).where(m.id == exam_id, m.learner_id == self._learner_id(conn))
        if conn.execute(q.with_for_update() if lock else q).scalar() is None:
            raise ExamError(f"no mock exam #{exam_id} for {self.learner}")
        return self._exam(conn, exam_id)

    def _exam(self, conn: Connection, exam_id: int) -> MockExam:
        m = s.mock_exams.c
        r = conn.execute(select(s.mock_exams, s.learners.c.name).join_from(
            s.mock_exams, s.learners, s.learners.c.id == m.learner_id).where(m.id == exam_id)).one()._mapping
        return MockExam(id=r["id"], learner=r["name"], title=r["title"], question_ids=tuple(json.loads(r["question_ids"])),
                        answers={k: tuple(v) for k, v in json.loads(r["answers"]).items()},
                        started_at=parse_iso(r["started_at"]), minutes=r["minutes"],
                        deadline=parse_iso(r["deadline"]) if r["deadline"] else None,
                        finished_at=parse_iso(r["finished_at"]) if r["finished_at"] else None,
                        score=json.loads(r["score"]) if r["score"] else None)
