"""The timed mock exam's logic (quiz/exam.py) on the real history, SQLite and PostgreSQL: the draw,
the server-side clock, resume after a reload, grading per topic against the pass mark, and time-out
(an exam past its deadline is finished with the answers given, unanswered counting wrong).

Clocks are passed explicitly (``now=``): a stored start time in the past stands for a learner who
left the page; nothing here sleeps. A character n-gram provider stands in for E5 (the bank's
shape does not depend on it; tests/test_quiz_exam_cli.py uses the real model)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import yaml

from indexer.config import PROJECT_ROOT, load_config
from indexer.errors import ConfigError
from indexer.glossary import load_glossary
from quiz import exam as mock
from quiz.generate import QuizGenerator
from quiz.history import ExamError, History
from quiz.model import QuizError
from quiz.similarity import CharNgramSimilarity

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def gen():
    knowledge = PROJECT_ROOT / "knowledge"
    return QuizGenerator(load_glossary(knowledge), CharNgramSimilarity(), knowledge_dir=knowledge)


@pytest.fixture
def history(history_url, tmp_path):
    return History(history_url, learner="hana", unsaved_dir=tmp_path / "unsaved")


def wrong_choice(q):
    return {next(i for i, o in enumerate(q.options) if not o.correct)}


def test_draw_is_balanced_over_topics_and_keeps_one_seam(gen):
    n_topics = len(gen.glossary.terms)
    qs = mock.draw_questions(gen, n_topics * 2, seed=3)
    per_topic = {t.name: sum(q.topic == t.name for q in qs) for t in gen.glossary.terms}
    assert max(per_topic.values()) - min(per_topic.values()) <= 1, per_topic
    assert len({q.id for q in qs}) == len(qs)


def test_start_resume_after_reload_keeps_questions_order_and_answers(history, history_url, gen, tmp_path):
    exam, questions = mock.start_exam(history, gen, n=6, minutes=10, seed=1, now=T0)
    assert len(questions) == 6 and exam.deadline == T0 + timedelta(minutes=10)
    assert mock.seconds_left(exam, T0 + timedelta(minutes=3, seconds=30)) == 390
    assert mock.format_remaining(390) == "6:30"
    mock.save_answer(history, exam, questions[0].id, {0}, now=T0 + timedelta(minutes=1))
    mock.save_answer(history, exam, questions[1].id, {1}, now=T0 + timedelta(minutes=2))
    # A reload: a new History object (a new session), the same learner, only the database in common.
    again = History(history_url, learner="hana", unsaved_dir=tmp_path / "unsaved").open_exam(T0 + timedelta(minutes=5))
    assert again is not None and again.id == exam.id
    assert again.answers == {questions[0].id: (0,), questions[1].id: (1,)}
    resumed = mock.exam_questions(gen, again)
    assert [q.id for q in resumed] == [q.id for q in questions]
    assert [[o.text for o in q.options] for q in resumed] == [[o.text for o in q.options] for q in questions]
    # Another learner sees nothing of hana's exam, and hana cannot open a second one.
    assert History(history_url, learner="ken", unsaved_dir=tmp_path / "unsaved").open_exam(T0) is None
    with pytest.raises(ExamError, match="still open"):
        mock.start_exam(history, gen, n=3, minutes=5, now=T0 + timedelta(minutes=6))


def test_grade_per_topic_against_the_pass_mark(history, gen):
    exam, questions = mock.start_exam(history, gen, n=10, minutes=30, seed=5, now=T0)
    right = questions[:7]
    for q in right:
        mock.save_answer(history, exam, q.id, q.correct_indices, now=T0)
    for q in questions[7:9]:
        mock.save_answer(history, exam, q.id, wrong_choice(q), now=T0)
    exam = history.open_exam(T0)
    closed, report, result, outcome = mock.finish(history, gen, exam, pass_mark=70, now=T0 + timedelta(minutes=12))
    assert (report.right, report.total, report.unanswered) == (7, 10, 1)
    assert report.percent == 70 and report.passed and not report.timed_out
    expected = {}
    for q in questions:
        r, n = expected.get(q.topic, (0, 0))
        expected[q.topic] = (r + (q in right), n + 1)
    assert {t.topic: (t.right, t.total) for t in report.topics} == expected
    assert closed.is_finished and mock.report_of(closed) == report
    # Stricter bar, same answers: failed. The stored report keeps the bar it was graded with.
    assert not mock.grade(closed, questions, pass_mark=75)[0].passed
    # The answers also count as an attempt (mode exam), once, and feed the review.
    assert outcome.saved and [a["mode"] for a in history.attempts()] == ["exam"]
    assert history.attempts()[0]["n_right"] == 7 and history.attempts()[0]["n_questions"] == 10
    assert {m.question_id for m in history.missed_questions()} == {q.id for q in questions[7:]}
    with pytest.raises(ExamError, match="already finished"):
        history.finish_exam(exam.id, {})


def test_an_exam_past_its_deadline_is_finished_with_the_answers_given(history, gen):
    exam, questions = mock.start_exam(history, gen, n=5, minutes=1, seed=2, now=T0)
    assert mock.save_answer(history, exam, questions[0].id, questions[0].correct_indices, now=T0 + timedelta(seconds=20))
    late = T0 + timedelta(seconds=61)
    # After the deadline the answer is refused (None: closed), and the stored one is unchanged.
    assert mock.save_answer(history, exam, questions[1].id, questions[1].correct_indices, now=late) is None
    assert history.open_exam(late) is None
    assert mock.is_timed_out(history.exams()[0], late)
    settled = mock.settle_expired(history, gen, pass_mark=70, now=late + timedelta(hours=2))
    assert len(settled) == 1
    closed, report = settled[0]
    assert report.timed_out and (report.right, report.total, report.unanswered) == (1, 5, 4)
    assert not report.passed and closed.answers == {questions[0].id: tuple(sorted(questions[0].correct_indices))}
    # The answers are dated no later than the deadline, and settling again changes nothing.
    assert history.attempts()[0]["finished_at"] == "2026-11-29T09:01:00.000000Z"
    assert mock.settle_expired(history, gen, pass_mark=70, now=late + timedelta(hours=3)) == []
    assert len(history.attempts()) == 1
    # A new exam can start once the old one is settled.
    assert mock.start_exam(history, gen, n=2, minutes=5, now=late + timedelta(hours=3))[0].id != exam.id


def test_finishing_twice_keeps_one_attempt_and_the_first_report(history, gen):
    exam, questions = mock.start_exam(history, gen, n=3, minutes=5, seed=4, now=T0)
    mock.save_answer(history, exam, questions[0].id, questions[0].correct_indices, now=T0)
    exam = history.open_exam(T0)
    _, first, _, _ = mock.finish(history, gen, exam, pass_mark=70, now=T0 + timedelta(minutes=1))
    _, second, _, _ = mock.finish(history, gen, exam, pass_mark=10, now=T0 + timedelta(minutes=2))  # a second tab
    assert second == first and len(history.attempts()) == 1


def test_bad_requests(history, gen):
    with pytest.raises(QuizError):
        mock.start_exam(history, gen, n=0, minutes=5)
    with pytest.raises(QuizError, match="minutes"):
        mock.start_exam(history, gen, n=3, minutes=0)
    with pytest.raises(QuizError, match="only"):
        mock.start_exam(history, gen, n=100000, minutes=5)
    assert history.exams() == []


def test_exam_config(tmp_path):
    default = load_config(tmp_path / "missing.yaml").quiz.exam
    assert (default.questions, default.minutes, default.pass_mark) == (20, 30, 70.0)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"quiz": {"exam": {"questions": 5, "minutes": 2, "pass_mark": 80}}}))
    exam = load_config(path).quiz.exam
    assert (exam.questions, exam.minutes, exam.pass_mark) == (5, 2, 80.0)
    path.write_text(yaml.safe_dump({"quiz": {"exam": {"minutes": 0}}}))
    with pytest.raises(ConfigError, match="quiz.exam"):
        load_config(path)
    path.write_text(yaml.safe_dump({"quiz": {"exam": {"pass_mark": 150}}}))
    with pytest.raises(ConfigError, match="quiz.exam"):
        load_config(path)
