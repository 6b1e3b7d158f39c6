"""クイズ — choose topics, types and a number, answer in a form, get a score with explanations
(and why each wrong option is wrong, with the glossary source); attempts go to the history, which
drives the spaced-repetition review quiz and the charts below (``app_shared.quiz_stats``)."""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone

import streamlit as st

from app_shared.context import AppContext, load_context
from app_shared.learner import flush_kept, open_learner_history, render_learner_summary, render_my_data, save_notice
from app_shared.problems import render_problem
from app_shared.question_view import render_question_head, render_scored
from app_shared.quiz_stats import render_quiz_stats
from app_shared.rebuild import FlashKind, flash
from app_shared.text import md_escape
from quiz import QUESTION_TYPES, Question, QuizError
from quiz.generate import build_quiz, generator_for
from quiz.history import History, HistoryError, ReviewItem
from quiz.scoring import score

REVIEW_SIZE = 10


def open_history(ctx: AppContext) -> History | None:
    """This session's learner's history (the picked profile or the logged-in user)."""
    history = open_learner_history(ctx.config)
    if history is not None:
        flush_kept(history)
    return history


def start_quiz(questions: list[Question], mode: str) -> None:
    st.session_state["quiz"] = {
        "uid": hashlib.sha1(f"{time.time_ns()}".encode()).hexdigest()[:8],
        "questions": questions,
        "mode": mode,
        "result": None,
        "started": time.time(),
    }


def end_quiz() -> None:
    st.session_state.pop("quiz", None)


def render_setup_form(ctx: AppContext) -> None:
    resources = ctx.resources
    with st.form("quiz_setup", border=True):
        st.markdown("**新しいクイズ**")
        c1, c2 = st.columns(2)
        topics = c1.multiselect("トピック（用語）", [t.name for t in resources.glossary.terms], key="quiz_topics",
                                placeholder="すべての用語")
        types = c2.multiselect("問題の形式", list(QUESTION_TYPES), key="quiz_types", placeholder="すべての形式",
                               format_func=lambda k: QUESTION_TYPES.get(k, k))
        n = st.slider("問題数", min_value=1, max_value=30, value=min(30, max(1, ctx.config.quiz.default_n)),
                      key="quiz_n")
        submitted = st.form_submit_button("クイズを始める", type="primary", icon=":material/play_arrow:")
    if not submitted:
        return
    try:
        questions = build_quiz(resources, int(n), topics=topics or None, types=types or None, allow_fewer=True)
    except QuizError as e:
        st.warning(f"この条件ではクイズを作れませんでした：{md_escape(str(e))}", icon=":material/help:")
        return
    if len(questions) < n:
        flash(FlashKind.INFO, f"この条件で作れる問題は {len(questions)} 問でした。")
    start_quiz(questions, "quiz")
    st.rerun()


def review_queue(history: History | None) -> list[ReviewItem]:
    if history is None:
        return []
    try:
        return history.review_queue(datetime.now(timezone.utc))
    except HistoryError as e:
        st.warning(f"復習の予定を読み込めませんでした：{md_escape(str(e))}", icon=":material/database:")
        return []


def render_review_box(ctx: AppContext, history: History | None) -> None:
    """The spaced-repetition review: the questions the scheduler says are due now."""
    queue = review_queue(history)
    with st.container(border=True):
        st.markdown("**復習クイズ** — 間違えた問題を、忘れかけた頃にもう一度出題します（FSRS のスケジュール）。")
        if history is None:
            st.caption("成績の記録を利用できないため、復習クイズは使えません。")
            return
        if not queue:
            st.caption("いま復習する問題はありません。クイズで間違えた問題がここに出てきます。")
            return
        n_due = sum(1 for item in queue if item.is_due)
        st.caption(f"復習時期の問題 {n_due} 問・まだ正解していない問題 {len(queue) - n_due} 問")
        if st.button(f"復習する（{min(len(queue), REVIEW_SIZE)} 問）", key="start-review", icon=":material/replay:",
                     type="primary"):
            ids = [item.question_id for item in queue[:REVIEW_SIZE]]
            questions = generator_for(ctx.resources).questions(ids, seed=time.time_ns())
            if questions:
                start_quiz(questions, "review")
                st.rerun()
            st.info("復習対象の問題は、用語集の変更で出題できなくなりました。", icon=":material/info:")


def answer_key(uid: str, qid: str, j: int | None = None) -> str:
    return f"ans-{uid}-{qid}" if j is None else f"ans-{uid}-{qid}-{j}"


def render_question_input(uid: str, q: Question, i: int, total: int) -> None:
    with st.container(border=True):
        labels = render_question_head(q, i, total)
        if q.n_correct == 1:
            st.radio("答え", list(range(len(q.options))), index=None, key=answer_key(uid, q.id),
                     format_func=lambda j: labels[j], label_visibility="collapsed")
        else:
            for j, label in enumerate(labels):
                st.checkbox(label, key=answer_key(uid, q.id, j))


def chosen_answers(uid: str, questions: list[Question]) -> dict[str, set[int]]:
    answers: dict[str, set[int]] = {}
    for q in questions:
        if q.n_correct == 1:
            choice = st.session_state.get(answer_key(uid, q.id))
            answers[q.id] = {int(choice)} if choice is not None else set()
        else:
            answers[q.id] = {j for j in range(len(q.options)) if st.session_state.get(answer_key(uid, q.id, j))}
    return answers


def render_quiz_form(quiz: dict, history: History | None) -> None:
    uid, questions = quiz["uid"], quiz["questions"]
    title = "復習クイズ" if quiz["mode"] == "review" else "クイズ"
    st.markdown(f"**{title}**（全 {len(questions)} 問）— すべて答えたら「採点する」を押してください。")
    with st.form(f"quiz-{uid}", border=False):
        for i, q in enumerate(questions, start=1):
            render_question_input(uid, q, i, len(questions))
        c1, _ = st.columns([1, 4])
        submitted = c1.form_submit_button("採点する", type="primary", icon=":material/task_alt:")
    st.button("このクイズをやめる", key=f"quit-{uid}", on_click=end_quiz, type="tertiary")
    if not submitted:
        return
    quiz["answers"] = chosen_answers(uid, questions)
    quiz["result"] = score(questions, quiz["answers"])
    if history is not None:  # kept aside (and the learner told) when the database cannot take it now
        outcome = history.save_result(quiz["result"], mode=quiz["mode"],
                                      started_at=datetime.fromtimestamp(quiz["started"], timezone.utc))
        if not outcome.saved:
            flash(FlashKind.WARNING, save_notice(outcome))
    st.rerun()


def render_quiz_result(quiz: dict) -> None:
    result = quiz["result"]
    c1, c2, c3 = st.columns(3)
    c1.metric("得点", f"{result.n_right} / {result.total}")
    c2.metric("正答率", f"{result.accuracy:.0%}")
    c3.metric("不正解", f"{len(result.wrong)} 問")
    render_scored(result, quiz["uid"])
    c1, c2 = st.columns(2)
    c1.button("新しいクイズ", key=f"new-{quiz['uid']}", on_click=end_quiz, icon=":material/add:", width="stretch",
              type="primary")
    wrong_qs = [r.question for r in result.wrong]
    if wrong_qs:
        c2.button("間違えた問題をもう一度", key=f"retry-{quiz['uid']}", on_click=start_quiz, args=(wrong_qs, "retry"),
                  icon=":material/replay:", width="stretch")


def main() -> None:
    ctx = load_context()
    st.title("クイズ", anchor=False)
    if ctx.resources is None:
        render_problem(ctx)
        return
    history = open_history(ctx)
    quiz = st.session_state.get("quiz")
    if quiz is None:
        st.markdown("認定試験スタイルの問題を用語集から出題します。解説には用語集の出典が付きます。")
        render_setup_form(ctx)
        render_review_box(ctx, history)
    elif quiz["result"] is None:
        render_quiz_form(quiz, history)
    else:
        render_quiz_result(quiz)
    st.divider()
    render_learner_summary(history)
    render_quiz_stats(history)
    if history is not None:
        render_my_data(history)


main()
