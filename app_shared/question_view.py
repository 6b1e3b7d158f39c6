"""How an answered question is shown (the options marked right / chosen, the explanation with its
glossary source): the quiz page and the mock exam's report show answers the same way."""
from __future__ import annotations

import streamlit as st

from quiz import Question
from quiz.scoring import QuestionResult

from . import nav
from quiz import QUESTION_TYPES
from quiz.scoring import QuizResult

from .text import MARK_RIGHT, MARK_SKIPPED, MARK_WRONG, md_escape


def render_question_head(q: Question, i: int, total: int) -> list[str]:
    """Number, type and topic, then the stem; returns the options' labels, escaped. The quiz form
    and the mock exam draw a question the same way and differ only in their widgets."""
    header = [f"問 {i} / {total}", QUESTION_TYPES.get(q.type, q.type), q.shown_topic]
    st.caption(" · ".join(md_escape(part) for part in header if part))
    st.markdown(md_escape(q.stem))
    return [md_escape(o.text) for o in q.options]


def options_markdown(r: QuestionResult) -> str:
    lines = []
    for j, o in enumerate(r.question.options):
        you = "　← あなたの回答" if j in r.chosen else ""
        if o.correct:
            lines.append(f":green[:material/check: **{md_escape(o.text)}**]{you}")
        elif j in r.chosen:
            lines.append(f":red[:material/close: {md_escape(o.text)}]{you}")
        else:
            lines.append(f":gray[:material/remove:] {md_escape(o.text)}")
    return "  \n".join(lines)


def render_explanation(q: Question, uid: str) -> None:
    st.markdown(md_escape(q.explanation))
    src = q.source
    st.caption(f"出典: {md_escape(src.term)} › {md_escape(src.section)}（{md_escape(src.file)}:{src.line}）")
    wrong = [o for o in q.options if not o.correct and o.why]
    if wrong:
        st.markdown("**ほかの選択肢が誤りである理由**")
        st.markdown("\n".join(f"- {md_escape(o.text)} — {md_escape(o.why)}" for o in wrong))
    if st.button("用語集で確認", key=f"quiz-src-{uid}-{q.id}", icon=":material/menu_book:"):
        nav.open_in_glossary(src.term, src.section, src.line)


def render_scored(result: QuizResult, uid: str) -> None:
    """Each question after scoring, with its mark, the options and the explanation (open when
    wrong): one layout for the quiz's result and the mock exam's report."""
    for i, r in enumerate(result.results, start=1):
        q = r.question
        mark = MARK_RIGHT if r.is_correct else (MARK_SKIPPED if not r.answered else MARK_WRONG)
        with st.container(border=True):
            st.markdown(f"**問 {i}：{mark}** · {md_escape(QUESTION_TYPES.get(q.type, q.type))} · {md_escape(q.topic)}")
            st.markdown(md_escape(q.stem))
            st.markdown(options_markdown(r))
            with st.expander("解説", expanded=not r.is_correct):
                render_explanation(q, uid)
