"""The timed mock exam: draw, clock, grading and time-out, over the history's mock-exam records.

Why the clock lives in the database: the deadline is written when the exam starts (server time),
so a reload, a second tab or a resumed terminal session all see the same remaining time, and the
browser's clock decides nothing. An answer given after the deadline is refused by the history.

Why grading happens here and not in the history: the history stores which questions, the answers
so far and whatever score it is handed; what "passed" means (the pass mark, unanswered = wrong, a
per-topic breakdown) is exam policy. A finished exam's answers are also saved as an ordinary
attempt (mode ``exam``, key ``mock-exam-<id>``, so finishing twice never stores them twice): they
count in the learner's statistics and the questions missed come back in the FSRS review.

The option order of an exam's questions is the bank's question shuffled by the exam's id, so a
resumed exam shows the options exactly as before and stored option indices keep their meaning.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Iterable, Sequence

from .history import AnswerRecord, AttemptInfo, ExamError, History, MockExam, SaveOutcome
from .history.records import utc
from .model import NotEnoughQuestions, Question, QuizError
from .scoring import QuizResult, score

EXAM_MODE = "exam"


def draw_questions(generator, n: int, *, topics: Sequence[str] | None = None,
                   seed: int | str | None = None) -> list[Question]:
    """The exam's questions, balanced over topics (the generator's exam draw: every topic before
    any repeats, never a question a reviewer marked flawed). The one seam to the generator. Asking
    for more than the bank holds is refused with the count, as for a quiz."""
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise QuizError(f"the number of questions must be a positive integer, got {n!r}")
    available = generator.count(topics)
    if n > available:
        raise NotEnoughQuestions(f"only {available} questions are available for these topics; "
                                 f"ask for at most {available}", available)
    return generator.draw_exam(n, seed, topics)


def exam_seed(exam: MockExam) -> str:
    return f"mock-exam-{exam.id}"


def exam_questions(generator, exam: MockExam) -> list[Question]:
    """The exam's questions in their order and option order; ids the glossary no longer yields
    (an entry removed since the exam started) are left out."""
    return generator.questions(exam.question_ids, seed=exam_seed(exam))


def start_exam(history: History, generator, *, n: int, minutes: int, topics: Sequence[str] | None = None,
               seed: int | str | None = None, now: datetime | None = None) -> tuple[MockExam, list[Question]]:
    """Draw ``n`` questions and open a timed exam for the history's learner. Raises QuizError
    (bad numbers, too few questions) or ExamError (an exam is still open)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise QuizError(f"the time limit must be a positive number of minutes, got {minutes!r}")
    drawn = draw_questions(generator, n, topics=topics, seed=seed)
    exam = history.start_exam([q.id for q in drawn], minutes=minutes, title=f"模擬試験 {len(drawn)} 問・{minutes} 分",
                              now=now)
    return exam, exam_questions(generator, exam)


def seconds_left(exam: MockExam, now: datetime | None = None) -> float | None:
    """Seconds until the stored deadline (0 once it has passed); None for an untimed exam."""
    return exam.seconds_left(utc(now))


def format_remaining(seconds: float | None) -> str:
    if seconds is None:
        return "時間制限なし"
    whole = int(seconds)
    return f"{whole // 60:d}:{whole % 60:02d}"


def is_timed_out(exam: MockExam, now: datetime | None = None) -> bool:
    return not exam.is_finished and exam.deadline is not None and utc(now) >= exam.deadline


# ------------------------------------------------------------------------------ grading

@dataclass(frozen=True)
class TopicScore:
    topic: str
    right: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.right / self.total if self.total else 0.0


@dataclass(frozen=True)
class ExamReport:
    """The score a finished exam keeps (``MockExam.score``) and every report shows."""
    exam_id: int
    right: int
    total: int
    unanswered: int
    pass_mark: float  # percent
    timed_out: bool
    topics: tuple[TopicScore, ...]
    attempt_id: int | None = None
    retired: int = 0  # questions the glossary no longer yields when the exam was graded

    @property
    def percent(self) -> float:
        return 100.0 * self.right / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.percent >= self.pass_mark

    def topic_passed(self, t: TopicScore) -> bool:
        return t.percent >= self.pass_mark

    def to_dict(self) -> dict:
        d = asdict(self)
        d["topics"] = [asdict(t) for t in self.topics]
        d.update(percent=round(self.percent, 1), passed=self.passed)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ExamReport":
        return cls(exam_id=int(d["exam_id"]), right=int(d["right"]), total=int(d["total"]),
                   unanswered=int(d["unanswered"]), pass_mark=float(d["pass_mark"]), timed_out=bool(d["timed_out"]),
                   topics=tuple(TopicScore(**t) for t in d["topics"]), attempt_id=d.get("attempt_id"),
                   retired=int(d.get("retired", 0)))


def grade(exam: MockExam, questions: Sequence[Question], *, pass_mark: float,
          timed_out: bool = False) -> tuple[ExamReport, QuizResult]:
    """Score the answers given: all-or-nothing per question, unanswered = wrong, per topic."""
    result = score(questions, {qid: set(chosen) for qid, chosen in exam.answers.items()})
    topics = tuple(TopicScore(t, r, n) for t, (r, n) in sorted(result.per_topic.items()))
    report = ExamReport(exam_id=exam.id, right=result.n_right, total=result.total,
                        unanswered=sum(not r.answered for r in result.results), pass_mark=float(pass_mark),
                        timed_out=timed_out, topics=topics, retired=len(exam.question_ids) - len(questions))
    return report, result


def report_of(exam: MockExam) -> ExamReport | None:
    """The stored report of a finished exam (None while it is open, or for another page's score)."""
    try:
        return ExamReport.from_dict(exam.score) if exam.score else None
    except (KeyError, TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------ answering and finishing

def save_answer(history: History, exam: MockExam, question_id: str, chosen: Iterable[int],
                now: datetime | None = None) -> MockExam | None:
    """Save one answer as given. None when the exam is closed (time is up, or finished
    elsewhere): the caller finishes it / shows its report."""
    try:
        return history.save_exam_answer(exam.id, question_id, chosen, now=now)
    except ExamError:
        current = next((e for e in history.exams() if e.id == exam.id), None)
        if current is not None and current.is_open(now):
            raise  # not a closed exam: a real error (e.g. a question not in the exam)
        return None


def finish(history: History, generator, exam: MockExam, *, pass_mark: float,
           now: datetime | None = None) -> tuple[MockExam, ExamReport, QuizResult, SaveOutcome]:
    """Close the exam with the answers given (after its deadline too), grade it, save its answers
    as an attempt and store the report. Finishing an exam another session has just finished
    returns that session's report."""
    now = utc(now)
    questions = exam_questions(generator, exam)
    timed_out = exam.deadline is not None and now >= exam.deadline
    report, result = grade(exam, questions, pass_mark=pass_mark, timed_out=timed_out)
    at = min(now, exam.deadline) if exam.deadline else now
    attempt = AttemptInfo(mode=EXAM_MODE, seed=exam_seed(exam), started_at=exam.started_at, key=f"mock-exam-{exam.id}")
    outcome = history.save_answers(attempt, [AnswerRecord.of(i, r, at) for i, r in enumerate(result.results)])
    report = replace(report, attempt_id=outcome.attempt_id)
    try:
        closed = history.finish_exam(exam.id, report.to_dict(), now=now)
    except ExamError:
        closed = next(e for e in history.exams() if e.id == exam.id)
        report = report_of(closed) or report
    return closed, report, result, outcome


def settle_expired(history: History, generator, *, pass_mark: float,
                   now: datetime | None = None) -> list[tuple[MockExam, ExamReport]]:
    """Finish every exam of the learner whose time ran out while nobody was answering (the page
    was closed, the terminal killed): graded with the answers given, unanswered counting wrong."""
    now = utc(now)
    done = []
    for exam in history.exams():
        if is_timed_out(exam, now):
            closed, report, _, _ = finish(history, generator, exam, pass_mark=pass_mark, now=now)
            done.append((closed, report))
    return done


def results_of(generator, exam: MockExam) -> QuizResult:
    """A finished exam's per-question results (for its explanations), from the stored answers."""
    return score(exam_questions(generator, exam), {k: set(v) for k, v in exam.answers.items()})
