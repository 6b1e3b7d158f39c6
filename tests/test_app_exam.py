"""The 模擬試験 page (AppTest, real model, index and SQLite history): start an exam, answers saved
as they are chosen with no feedback, a reload (a new session of the same learner) resumes the same
exam with the answers filled in, submit gives a per-topic report with pass/fail and the
explanations, and an exam whose stored deadline has passed is graded with the answers given."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from app_shared.text import MARK_RIGHT, MARK_WRONG
from indexer.config import load_config
from quiz.history import History
from quiz.history import schema as s
from quiz.history.records import iso
from tests.e2e.workspace import (  # noqa: F401 — fixtures
    app_cache,
    app_model,
    app_test,
    app_workspace,
    built_app_workspace,
    texts,
)

PAGE = "app_pages/exam.py"


def _history(config_path, learner: str) -> History:
    config = load_config(config_path)
    return History(config.quiz.url, learner=learner, unsaved_dir=config.quiz.unsaved_dir)


def _exam_page(user: str):
    at = app_test()
    at.query_params["user"] = user
    at.run()
    assert not at.exception, at.exception
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _start(at, n: int, minutes: int):
    at.number_input(key="exam_n").set_value(n)
    at.number_input(key="exam_minutes").set_value(minutes)
    next(b for b in at.button if b.label == "模擬試験を始める").click().run()
    assert not at.exception, at.exception


def _answer(at, exam, qid: str, option: int = 0, clicks: int = 2) -> None:
    """Choose ``option`` (and the one after it for a choose-two question), as a learner clicks;
    ``clicks=1``: only the first click (after a deadline the page is graded by then, its boxes gone)."""
    key = f"exam-{exam.id}-{qid}"
    if key in [r.key for r in at.radio]:
        at.radio(key=key).set_value(option).run()
    else:
        for j in range(option, option + clicks):
            at.checkbox(key=f"{key}-{j}").check().run()
    assert not at.exception, at.exception


def expire(config_path, exam_id: int) -> None:
    """Move the stored deadline into the past: the learner ran out of time (no sleeping)."""
    history = _history(config_path, "default")
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    with history.db.begin(write=True) as conn:
        conn.execute(update(s.mock_exams).where(s.mock_exams.c.id == exam_id).values(deadline=iso(past)))


def test_start_answer_reload_resumes_then_report(app_workspace):
    at = _exam_page("hana")
    assert "これまでの模擬試験" in "\n".join(texts(at)) and "まだ模擬試験の記録はありません。" in texts(at)
    _start(at, 4, 10)
    history = _history(app_workspace, "hana")
    exam = history.open_exam()
    assert exam is not None and len(exam.question_ids) == 4 and exam.minutes == 10
    assert any(m.label == "残り時間" for m in at.sidebar.metric)
    q1, q2 = exam.question_ids[:2]
    _answer(at, exam, q1, 1)
    _answer(at, exam, q2, 0)
    saved = history.open_exam().answers
    assert set(saved) == {q1, q2}  # saved as chosen, before any submit
    body = "\n".join(texts(at))
    # no feedback: no right/wrong mark (a stem may well say 正解率)
    assert MARK_RIGHT not in body and MARK_WRONG not in body and not at.main.success and not at.main.error

    # A reload: a new session of the same learner, nothing shared but the database.
    again = _exam_page("hana")
    key = f"exam-{exam.id}-{q1}"
    if key in [r.key for r in again.radio]:
        assert again.radio(key=key).value == saved[q1][0]
    else:
        assert [again.checkbox(key=f"{key}-{j}").value for j in saved[q1]] == [True] * len(saved[q1])
    assert any(m.label == "回答済み" and m.value == "2 / 4" for m in again.metric)
    assert history.open_exam().id == exam.id  # the same exam, not a new one
    _answer(again, exam, exam.question_ids[2], 0)
    next(b for b in again.button if b.label == "提出して採点する").click().run()
    assert not again.exception, again.exception

    done = history.exams()[0]
    assert done.is_finished and done.score["total"] == 4 and done.score["unanswered"] == 1
    body = "\n".join(texts(again))
    assert f"模擬試験 #{exam.id} の結果" in [h.value for h in again.subheader]
    assert "トピック別の結果" in body and "| トピック | 正解 | 正答率 | 判定 |" in body
    verdict = (again.main.success or again.main.error)[0].value
    assert ("合格です" if done.score["passed"] else "不合格です") in verdict and "合格ライン 70%" in verdict
    assert any(e.label == "解説" for e in again.expander)
    assert f"| {exam.id} |" in body  # listed among past exams
    assert [a["mode"] for a in history.attempts()] == ["exam"]


def test_time_out_grades_the_answers_given(app_workspace):
    at = _exam_page("ken")
    _start(at, 3, 1)
    history = _history(app_workspace, "ken")
    exam = history.open_exam()
    _answer(at, exam, exam.question_ids[0], 0)
    expire(app_workspace, exam.id)
    # The next answer arrives after the deadline: refused, and the exam is graded as it stood.
    # One click: the run it starts grades the exam, so a choose-two question's second box is gone.
    _answer(at, exam, exam.question_ids[1], 0, clicks=1)
    done = history.exams()[0]
    assert done.is_finished and done.score["timed_out"]
    assert list(done.answers) == [exam.question_ids[0]] and done.score["unanswered"] == 2
    assert any("時間切れで終了しました" in w.value for w in at.warning)
    assert f"模擬試験 #{exam.id} の結果" in [h.value for h in at.subheader]
    assert not at.radio or all(not r.key.startswith(f"exam-{exam.id}-") for r in at.radio)


def test_an_exam_left_open_past_its_deadline_is_graded_on_the_next_visit(app_workspace):
    at = _exam_page("mei")
    _start(at, 2, 5)
    history = _history(app_workspace, "mei")
    exam = history.open_exam()
    _answer(at, exam, exam.question_ids[0], 0)
    expire(app_workspace, exam.id)  # the tab was closed; time ran out meanwhile
    later = _exam_page("mei")
    assert history.exams()[0].is_finished and history.exams()[0].score["timed_out"]
    assert f"模擬試験 #{exam.id} の結果" in [h.value for h in later.subheader]
    assert "新しい模擬試験" in [b.label for b in later.button]
