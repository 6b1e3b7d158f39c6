"""The mock exam's report (score, pass/fail, per topic, explanations) and the list of past exams:
what the 模擬試験 page shows once an exam is finished, kept apart so the page stays a page."""
from __future__ import annotations

import streamlit as st

from quiz import exam as mock
from quiz.history import MockExam

from .question_view import render_scored
from .text import md_escape

REPORT_KEY = "exam_report"  # the id of the finished exam whose report this session shows
PAST_SHOWN = 10


def topic_table(report: mock.ExamReport) -> str:
    rows = ["| トピック | 正解 | 正答率 | 判定 |", "|---|---|---|---|"]
    for t in report.topics:
        verdict = ":green[合格ライン以上]" if report.topic_passed(t) else ":red[合格ライン未満]"
        rows.append(f"| {md_escape(t.topic)} | {t.right} / {t.total} | {t.percent:.0f}% | {verdict} |")
    return "\n".join(rows)


def render_report(generator, exam: MockExam) -> None:
    report = mock.report_of(exam)
    if report is None:
        return
    st.subheader(f"模擬試験 #{exam.id} の結果", anchor=False)
    if report.passed:
        st.success(f"合格です（合格ライン {report.pass_mark:g}%）", icon=":material/verified:")
    else:
        st.error(f"不合格です（合格ライン {report.pass_mark:g}%）", icon=":material/cancel:")
    if report.timed_out:
        st.warning(f"時間切れで終了しました。未回答 {report.unanswered} 問は不正解として採点しました。",
                   icon=":material/timer_off:")
    c1, c2, c3 = st.columns(3)
    c1.metric("得点", f"{report.right} / {report.total}")
    c2.metric("正答率", f"{report.percent:.0f}%")
    c3.metric("未回答", f"{report.unanswered} 問")
    st.markdown("**トピック別の結果**")
    st.markdown(topic_table(report))
    if report.retired:
        st.caption(f"{report.retired} 問は用語集の変更で出題できなくなったため、採点から除きました。")
    st.markdown("**解説**")
    result = mock.results_of(generator, exam)
    render_scored(result, f"exam{exam.id}")
    st.button("新しい模擬試験", key=f"exam-new-{exam.id}", on_click=close_report, icon=":material/add:", type="primary")


def close_report() -> None:
    st.session_state.pop(REPORT_KEY, None)
    st.session_state.pop("exam_past_pick", None)


def render_past(exams: list[MockExam]) -> None:
    finished = [e for e in reversed(exams) if e.is_finished and mock.report_of(e) is not None]
    st.markdown("**これまでの模擬試験**")
    if not finished:
        st.caption("まだ模擬試験の記録はありません。")
        return
    rows = ["| # | 日時 (UTC) | 得点 | 正答率 | 結果 |", "|---|---|---|---|---|"]
    for e in finished[:PAST_SHOWN]:
        r = mock.report_of(e)
        verdict = "合格" if r.passed else "不合格"
        when = e.started_at.strftime("%Y-%m-%d %H:%M")
        rows.append(f"| {e.id} | {when} | {r.right} / {r.total} | {r.percent:.0f}% | {verdict}"
                    f"{'（時間切れ）' if r.timed_out else ''} |")
    st.markdown("\n".join(rows))
    ids = [e.id for e in finished[:PAST_SHOWN]]
    pick = st.selectbox("結果と解説を見る", ids, index=None, key="exam_past_pick", format_func=lambda i: f"模擬試験 #{i}",
                        placeholder="模擬試験を選ぶ")
    if pick is not None and pick != st.session_state.get(REPORT_KEY):
        st.session_state[REPORT_KEY] = pick
        st.rerun()
