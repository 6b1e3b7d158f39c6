"""模擬試験 — a timed mock exam: choose questions and minutes, answer with no feedback while the
clock runs, then a report per topic against the pass mark, the explanations, and past exams.

Everything that must survive a reload lives in the history (``quiz.exam`` over the mock-exam
records): the questions, each answer (saved the moment it is chosen) and the deadline stored at
the start. A reload, a second tab or another replica therefore resumes the same exam with the
same remaining time. The countdown on the page is only a display; the deadline is checked on the
server at every answer and every run, and an exam past it is graded with the answers given.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import streamlit as st

from app_shared.context import AppContext, load_context
from app_shared.exam_report import REPORT_KEY, render_past, render_report
from app_shared.learner import auth_configured, flush_kept, open_learner_history, save_notice
from app_shared.problems import render_problem
from app_shared.rebuild import FlashKind, flash
from app_shared.question_view import render_question_head
from app_shared.text import md_escape
from quiz import Question, QuizError
from quiz import exam as mock
from quiz.generate import generator_for
from quiz.history import History, HistoryError, MockExam



def now() -> datetime:
    return datetime.now(timezone.utc)


def answer_key(exam: MockExam, qid: str, j: int | None = None) -> str:
    return f"exam-{exam.id}-{qid}" if j is None else f"exam-{exam.id}-{qid}-{j}"


# ------------------------------------------------------------------------------ setup

def render_setup(ctx: AppContext, history: History) -> None:
    settings = ctx.config.quiz.exam
    gen = generator_for(ctx.resources)
    most = gen.count()
    with st.form("exam_setup", border=True):
        st.markdown(f"**新しい模擬試験** — 合格ライン {settings.pass_mark:g}%。解答中は正誤を表示せず、"
                    "終了または時間切れのあとにトピック別の結果と解説を表示します。")
        c1, c2 = st.columns(2)
        n = c1.number_input("問題数", min_value=1, max_value=most, value=min(settings.questions, most), step=1,
                            key="exam_n")
        minutes = c2.number_input("制限時間（分）", min_value=1, max_value=300, value=settings.minutes, step=1,
                                  key="exam_minutes")
        submitted = st.form_submit_button("模擬試験を始める", type="primary", icon=":material/timer:")
    if not submitted:
        return
    try:
        mock.start_exam(history, gen, n=int(n), minutes=int(minutes), now=now())
    except (QuizError, HistoryError) as e:
        st.warning(f"模擬試験を始められませんでした：{md_escape(str(e))}", icon=":material/help:")
        return
    st.session_state.pop(REPORT_KEY, None)
    st.rerun()


# ------------------------------------------------------------------------------ the exam

# How often the countdown is redrawn. Every fragment rerun can race a click on the page (Streamlit
# may drop one of the two), so it runs every few seconds, not every second.
COUNTDOWN_SECONDS = 5

@st.fragment(run_every=timedelta(seconds=COUNTDOWN_SECONDS))
def render_countdown(history: History, exam_id: int, questions: list[Question]) -> None:
    """The remaining time, redrawn every few seconds from the deadline stored in the database (read
    again each time, so a deadline passed or an exam finished in another tab shows here too); once
    the exam is no longer open the whole page runs again and the server grades it. Each run also
    saves any choice the page holds that the database does not (a click whose on_change was lost
    in a race with this rerun, or a save that failed): a learner's answer never waits for their
    next click."""
    try:
        exam = history.open_exam(now())
    except HistoryError:
        st.caption("残り時間を確認できません（記録に接続できません）")
        return
    if exam is None or exam.id != exam_id:
        st.rerun(scope="app")
    save_unsaved(history, exam, questions)
    left = mock.seconds_left(exam, now())
    if left is None:
        st.caption("時間制限なし")
        return
    st.metric("残り時間", mock.format_remaining(left))


def save_choice(history: History, exam: MockExam, q: Question) -> None:
    """on_change of a question's widget: save what is chosen now (an empty choice too)."""
    if q.n_correct == 1:
        value = st.session_state.get(answer_key(exam, q.id))
        chosen = set() if value is None else {int(value)}
    else:
        chosen = {j for j in range(len(q.options)) if st.session_state.get(answer_key(exam, q.id, j))}
    try:
        if mock.save_answer(history, exam, q.id, chosen, now=now()) is None:
            flash(FlashKind.WARNING, "時間切れです。締め切り後の回答は採点に含まれません。")
    except HistoryError as e:
        flash(FlashKind.WARNING, f"回答を保存できませんでした：{e}")


def _chosen_now(exam: MockExam, q: Question) -> set[int] | None:
    """What the question's widgets hold in this session (None before they were ever drawn)."""
    if q.n_correct == 1:
        key = answer_key(exam, q.id)
        if key not in st.session_state:
            return None
        value = st.session_state[key]
        return set() if value is None else {int(value)}
    keys = [answer_key(exam, q.id, j) for j in range(len(q.options))]
    if not any(k in st.session_state for k in keys):
        return None
    return {j for j, k in enumerate(keys) if st.session_state.get(k)}


def _unsaved(exam: MockExam, q: Question) -> set[int] | None:
    """The choice the widgets hold when it differs from the stored answer (an on_change lost in a
    race with the countdown's rerun, or a save that failed), else None."""
    chosen = _chosen_now(exam, q)
    return chosen if chosen is not None and chosen != set(exam.answers.get(q.id, ())) else None


def save_unsaved(history: History, exam: MockExam, questions: list[Question]) -> None:
    for q in questions:
        if _unsaved(exam, q) is not None:
            save_choice(history, exam, q)


def render_question(history: History, exam: MockExam, q: Question, i: int, total: int) -> None:
    stored = exam.answers.get(q.id, ())
    chosen = _unsaved(exam, q)
    if chosen is not None:  # saved on this run instead of being lost
        save_choice(history, exam, q)
        stored = tuple(sorted(chosen))
    with st.container(border=True):
        labels = render_question_head(q, i, total)
        if q.n_correct == 1:
            st.radio("答え", list(range(len(q.options))), index=stored[0] if stored else None,
                     key=answer_key(exam, q.id), format_func=lambda j: labels[j], label_visibility="collapsed",
                     on_change=save_choice, args=(history, exam, q))
        else:
            st.caption(f"{q.n_correct}つ選んでください")
            for j, label in enumerate(labels):
                st.checkbox(label, value=j in stored, key=answer_key(exam, q.id, j), on_change=save_choice,
                            args=(history, exam, q))


def render_exam(ctx: AppContext, history: History, exam: MockExam) -> None:
    questions = mock.exam_questions(generator_for(ctx.resources), exam)
    answered = sum(1 for q in questions if exam.answers.get(q.id))
    with st.sidebar:
        st.markdown(f"**模擬試験 #{exam.id}**")
        render_countdown(history, exam.id, questions)
        st.caption(f"回答済み {answered} / {len(questions)} 問")
    c1, c2, c3 = st.columns(3)
    c1.metric("問題数", f"{len(questions)} 問")
    c2.metric("制限時間", f"{exam.minutes} 分" if exam.minutes else "なし")
    c3.metric("回答済み", f"{answered} / {len(questions)}")
    st.caption("回答は選んだ時点で保存されます。ページを再読み込みしても、残り時間はそのままで続きから再開できます。"
               "正誤は終了後に表示します。")
    for i, q in enumerate(questions, start=1):
        render_question(history, exam, q, i, len(questions))
    if answered < len(questions):
        st.caption(f"未回答 {len(questions) - answered} 問は不正解として採点されます。")
    if st.button("提出して採点する", key=f"exam-submit-{exam.id}", type="primary", icon=":material/task_alt:"):
        finish_and_show(ctx, history, exam)


def finish_and_show(ctx: AppContext, history: History, exam: MockExam) -> None:
    current = next((e for e in history.exams() if e.id == exam.id), exam)
    if not current.is_finished:
        try:
            _, _, _, outcome = mock.finish(history, generator_for(ctx.resources), current,
                                           pass_mark=ctx.config.quiz.exam.pass_mark, now=now())
        except HistoryError as e:
            st.error(f"採点を記録できませんでした：{md_escape(str(e))}", icon=":material/database:")
            return
        notice = save_notice(outcome)
        if notice:
            flash(FlashKind.WARNING, notice)
    st.session_state[REPORT_KEY] = exam.id
    st.rerun()


# ------------------------------------------------------------------------------ page

def settle(ctx: AppContext, history: History) -> MockExam | None:
    """Grade exams whose time ran out (this session's or one left in a closed tab) and return the
    open one, if any."""
    done = mock.settle_expired(history, generator_for(ctx.resources), pass_mark=ctx.config.quiz.exam.pass_mark,
                               now=now())
    if done:
        st.session_state[REPORT_KEY] = done[-1][0].id
        st.toast("時間切れです。模擬試験を採点しました。", icon=":material/timer_off:")
    return history.open_exam(now())


def main() -> None:
    ctx = load_context()
    st.title("模擬試験", anchor=False)
    if ctx.resources is None:
        render_problem(ctx)
        return
    history = open_learner_history(ctx.config)
    if history is None:
        st.info("ログインすると模擬試験を受けられます。" if auth_configured() else "成績の記録を利用できません。",
                icon=":material/lock:")
        return
    flush_kept(history)
    try:
        exam = settle(ctx, history)
        exams = history.exams()
    except HistoryError as e:
        st.warning(f"模擬試験の記録を読み込めませんでした：{md_escape(str(e))}", icon=":material/database:")
        return
    if exam is not None:
        render_exam(ctx, history, exam)
        return
    shown = next((e for e in exams if e.id == st.session_state.get(REPORT_KEY) and e.is_finished), None)
    if shown is not None:
        render_report(generator_for(ctx.resources), shown)
    else:
        render_setup(ctx, history)
    st.divider()
    render_past(exams)


main()
