"""クイズ page (AppTest): choose topics/types/number, answer in a form, get a score with
explanations and why each wrong option is wrong; attempts go to the history DB; the history
chart and the spaced-repetition review quiz follow from it."""
from __future__ import annotations

from app_shared import text as app
from indexer.config import load_config
from quiz.history import History
from tests.e2e.workspace import (  # noqa: F401 — fixtures
    app_cache,
    app_model,
    app_test,
    app_workspace,
    built_app_workspace,
    open_page,
    texts,
)


def _start(at, n: int, topics=None, types=None):
    open_page(at, "go-quiz")
    assert at.title[0].value == "クイズ"
    if topics:
        at.multiselect(key="quiz_topics").set_value(topics)
    if types:
        at.multiselect(key="quiz_types").set_value(types)
    at.slider(key="quiz_n").set_value(n)
    next(b for b in at.button if b.label == "クイズを始める").click().run()
    assert not at.exception, at.exception
    quiz = at.session_state["quiz"]
    assert quiz["result"] is None and len(quiz["questions"]) == n
    return quiz


def _answer(at, quiz, right: bool):
    """Fill the form: every question right, or every question wrong."""
    for q in quiz["questions"]:
        good = sorted(q.correct_indices)
        bad = [j for j in range(len(q.options)) if j not in q.correct_indices]
        chosen = good if right else bad[: q.n_correct]
        if q.n_correct == 1:
            at.radio(key=f"ans-{quiz['uid']}-{q.id}").set_value(chosen[0])
        else:
            for j in chosen:
                at.checkbox(key=f"ans-{quiz['uid']}-{q.id}-{j}").check()


def _submit(at):
    next(b for b in at.button if b.label == "採点する").click().run()
    assert not at.exception, at.exception


def test_full_marks_quiz_is_scored_explained_and_recorded(app_workspace):
    at = app_test().run()
    quiz = _start(at, 4, topics=["TensorBoard", "過学習（overfitting）"])
    assert {q.topic for q in quiz["questions"]} <= {"TensorBoard", "過学習（overfitting）"}
    _answer(at, quiz, right=True)
    _submit(at)
    assert at.metric[0].value == "4 / 4" and at.metric[1].value == "100%"
    body = "\n".join(texts(at))
    assert body.count(app.MARK_RIGHT) == 4
    assert len([e for e in at.expander if e.label == "解説"]) == 4
    assert "出典: " in body and "aws\\_ml\\_glossary\\.ja\\.md:" in body  # each explanation's source
    # The attempt is in the history DB and the chart shows it.
    history = History(load_config(app_workspace).quiz.history_db)
    attempts = history.attempts()
    assert len(attempts) == 1 and attempts[0]["n_right"] == 4 and attempts[0]["mode"] == "quiz"
    assert at.get("vega_lite_chart"), "per-topic accuracy chart"


def test_wrong_answers_show_why_and_feed_the_review_quiz(app_workspace):
    at = app_test().run()
    quiz = _start(at, 3, types=["scenario_service"])
    _answer(at, quiz, right=False)
    _submit(at)
    assert at.metric[0].value == "0 / 3"
    body = "\n".join(texts(at))
    assert body.count(app.MARK_WRONG) == 3
    assert "ほかの選択肢が誤りである理由" in body and "誤り" in body  # each wrong option's why
    assert "← あなたの回答" in body
    # Back to the start: the spaced-repetition queue offers exactly the missed questions.
    next(b for b in at.button if b.label == "新しいクイズ").click().run()
    review = at.button(key="start-review")
    assert "3 問" in review.label
    review.click().run()
    assert not at.exception
    again = at.session_state["quiz"]
    assert again["mode"] == "review"
    assert {q.id for q in again["questions"]} == {q.id for q in quiz["questions"]}
    _answer(at, again, right=True)
    _submit(at)
    assert at.metric[0].value == "3 / 3"
    modes = [a["mode"] for a in History(load_config(app_workspace).quiz.history_db).attempts()]
    assert modes == ["quiz", "review"]


def test_retry_wrong_questions_and_quit(app_workspace):
    at = app_test().run()
    quiz = _start(at, 2)
    _submit(at)  # nothing answered: both count as unanswered
    assert app.MARK_SKIPPED in "\n".join(texts(at))
    next(b for b in at.button if b.label == "間違えた問題をもう一度").click().run()
    assert [q.id for q in at.session_state["quiz"]["questions"]] == [q.id for q in quiz["questions"]]
    next(b for b in at.button if b.label == "このクイズをやめる").click().run()
    assert "quiz" not in at.session_state
    assert any(b.label == "クイズを始める" for b in at.button)


def test_the_form_never_names_the_answer_of_a_which_term_question(app_workspace):
    """シナリオ→サービス and シナリオ→2サービス are about their topic, which is the right option: the
    question header must not show it before the learner answers."""
    at = app_test().run()
    quiz = _start(at, 6, types=["scenario_pair", "scenario_service"])
    captions = [c.value for c in at.caption if c.value.startswith("問 ")]
    assert len(captions) == 6
    for q, caption in zip(quiz["questions"], captions):
        answer = next(o.text for o in q.options if o.correct)
        assert app.md_escape(answer) not in caption and answer not in caption, caption


def test_the_page_file_runs_on_its_own_route(app_workspace):
    at = app_test().run()
    at.switch_page("app_pages/quiz.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "クイズ" and any(b.label == "クイズを始める" for b in at.button)
