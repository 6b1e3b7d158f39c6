"""成績の記録 under the quiz: accuracy per topic (bars), per attempt (a line, for all topics or
one) and the questions ever missed. The numbers come from ``History``; this module only draws."""
from __future__ import annotations

import streamlit as st

from quiz.history import History, HistoryError, MissedQuestion, TopicStat

from .text import md_escape

ORANGE = "#ff9900"
ALL_TOPICS = "すべてのトピック"


def _topic_chart(stats: dict[str, TopicStat]) -> None:
    import altair as alt
    import pandas as pd

    st.caption("トピック別の正答率（%、これまでの全回答）")
    df = pd.DataFrame([{"トピック": s.topic, "正答率": round(s.accuracy * 100, 1), "正解": s.right,
                        "回答数": s.answered, "未克服": s.open_mistakes,
                        "ラベル": f"{s.accuracy:.0%}（{s.right}/{s.answered}）"} for s in stats.values()])
    base = alt.Chart(df).encode(
        y=alt.Y("トピック:N", sort="-x", title=None, axis=alt.Axis(labelLimit=240)),
        x=alt.X("正答率:Q", scale=alt.Scale(domain=[0, 100]), title=None),
        tooltip=["トピック", "正答率", "正解", "回答数", "未克服"])
    chart = base.mark_bar(color=ORANGE) + base.mark_text(align="left", dx=4, color="#555").encode(text="ラベル:N")
    st.altair_chart(chart.properties(height=max(180, 44 * len(df))), width="stretch")


def _attempt_chart(history: History, stats: dict[str, TopicStat]) -> None:
    import altair as alt
    import pandas as pd

    st.caption("回ごとの正答率の推移（%）")
    topic = st.selectbox("トピック", [ALL_TOPICS, *stats], key="stats_topic", label_visibility="collapsed")
    points = history.attempt_accuracy(None if topic == ALL_TOPICS else topic)
    rows = [{"回": p.number, "正答率": round(100 * p.accuracy, 1), "正解": p.right, "問題数": p.total}
            for p in points if p.total]
    line = alt.Chart(pd.DataFrame(rows)).mark_line(color=ORANGE, point=alt.OverlayMarkDef(color=ORANGE, size=60)).encode(
        x=alt.X("回:O", title="回", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("正答率:Q", scale=alt.Scale(domain=[0, 100]), title=None),
        tooltip=["回", "正答率", "正解", "問題数"])
    st.altair_chart(line.properties(height=180), width="stretch")


def _missed_list(missed: list[MissedQuestion]) -> None:
    with st.expander(f"間違えたことのある問題（{len(missed)} 問）"):
        lines = []
        for m in missed[:20]:
            state = ":green[克服]" if m.last_correct else ":red[要復習]"
            lines.append(f"- {md_escape(m.question.stem.splitlines()[0][:80])} — "
                         f"{md_escape(m.topic)}・誤答 {m.times_wrong}/{m.times_seen} 回・{state}")
        st.markdown("\n".join(lines))


def render_quiz_stats(history: History | None) -> None:
    st.subheader(":material/monitoring: 成績の記録", anchor=False)
    if history is None:
        st.caption("成績の記録を利用できません。")
        return
    try:
        stats = history.topic_stats()
        missed = history.missed_questions()
        if not stats:
            st.caption("まだ記録がありません。クイズを解くと、トピック別の正答率と推移がここに表示されます。")
            return
        c1, c2 = st.columns(2)
        with c1:
            _topic_chart(stats)
        with c2:
            _attempt_chart(history, stats)
    except HistoryError as e:
        st.warning(f"成績を読み込めませんでした：{md_escape(str(e))}", icon=":material/database:")
        return
    if missed:
        _missed_list(missed)
