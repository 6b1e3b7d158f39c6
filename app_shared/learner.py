"""Whose progress this session keeps: the logged-in user when Streamlit's authentication is
configured (``st.login`` / ``st.user``, OpenID Connect in ``.streamlit/secrets.toml``), otherwise a
profile picked or created by name in the sidebar and kept in the URL (``?user=NAME``) so a reload
keeps it. Profiles without login are a convenience, not a security boundary.

Also the learner's own data: the "progress cannot be saved right now" notice, saving answers kept
while the database was away, and export / delete with confirmation.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from quiz.history import DEFAULT_LEARNER, Database, History, HistoryError, LearnerNameError, SaveOutcome, check_name
from quiz.history import export_data, render

from .text import md_escape

QUERY_KEY = "user"
NEW_PROFILE = "＋ 新しいプロフィール…"


@st.cache_resource(show_spinner=False)
def shared_database(url: str) -> Database:
    """One engine (connection pool) per history URL for every session of this server."""
    return Database(url)


@dataclass(frozen=True)
class Learner:
    name: str | None  # None: login is configured and nobody is logged in yet
    logged_in: bool  # the name comes from the identity provider, not from a picker


def auth_configured() -> bool:
    return "is_logged_in" in st.user  # Streamlit adds this key only when [auth] is configured


def current_learner() -> Learner:
    if auth_configured():
        if not st.user.is_logged_in:
            return Learner(None, False)
        who = st.user.get("email") or st.user.get("sub") or st.user.get("name")
        return Learner(str(who), True)
    # The URL first (a reload, a bookmark), then this session's choice (moving between pages
    # drops query parameters), then the first profile; written back so a reload keeps it.
    raw = st.query_params.get(QUERY_KEY) or st.session_state.get("learner") or DEFAULT_LEARNER
    try:
        name = check_name(raw)
    except LearnerNameError:
        name = DEFAULT_LEARNER
    st.session_state["learner"] = name
    if st.query_params.get(QUERY_KEY) != name:
        st.query_params[QUERY_KEY] = name
    return Learner(name, False)


def open_learner_history(config) -> History | None:
    """This session's learner's history, or None (nobody logged in, or the URL is unusable)."""
    learner = current_learner()
    if learner.name is None:
        return None
    try:
        return History(shared_database(config.quiz.url), learner=learner.name, unsaved_dir=config.quiz.unsaved_dir)
    except HistoryError as e:
        st.warning(f"成績の記録を開けませんでした：{md_escape(str(e))}", icon=":material/database:")
        return None


def _pick_profile(config, sb) -> None:
    current = current_learner().name or DEFAULT_LEARNER
    try:
        names = shared_database(config.quiz.url).learners()
    except HistoryError:
        names = []  # database away: the current profile still works, its answers are kept
    options = sorted({*names, current}) + [NEW_PROFILE]
    choice = sb.selectbox("学習者", options, index=options.index(current), key="learner_pick",
                          help="プロフィールごとに成績と復習が分かれます。ログインなしのプロフィールは便宜上のもので、"
                               "他の人から守る仕組みではありません。")
    if choice == NEW_PROFILE:
        name = sb.text_input("新しいプロフィールの名前", key="learner_new", max_chars=80)
        if sb.button("このプロフィールで始める", key="learner_create", icon=":material/person_add:") and name:
            try:
                st.query_params[QUERY_KEY] = check_name(name)
            except LearnerNameError as e:
                sb.error(md_escape(str(e)))
                return
            st.session_state.pop("learner_pick", None)
            st.session_state.pop("quiz", None)
            st.rerun()
    elif choice != current:
        st.query_params[QUERY_KEY] = choice
        st.session_state.pop("quiz", None)  # a quiz in progress belongs to the previous learner
        st.rerun()


def render_learner_sidebar(config, where=None) -> None:
    """Who is learning: a login button, the logged-in user, or the profile picker; in ``where``
    (a container in the sidebar) or at the sidebar's end."""
    sb = where if where is not None else st.sidebar
    sb.divider()
    if auth_configured():
        if st.user.is_logged_in:
            sb.caption(f"ログイン中: {md_escape(current_learner().name or '')}")
            sb.button("ログアウト", key="logout", on_click=st.logout, icon=":material/logout:")
        else:
            sb.info("ログインすると、あなたの成績と復習が記録されます。", icon=":material/lock:")
            sb.button("ログイン", key="login", on_click=st.login, type="primary", icon=":material/login:")
        return
    _pick_profile(config, sb)


def save_notice(outcome: SaveOutcome) -> str | None:
    """The learner-facing words for answers that were kept instead of saved."""
    if outcome.saved:
        return None
    return (f"進捗を今は保存できません。回答（{outcome.pending} 件）はこのサーバーに保管し、"
            "記録に接続できたときに自動で保存します。")


def flush_kept(history: History) -> None:
    """Save answers kept while the database was away, and say so; silent when there are none."""
    try:
        n = history.flush_pending()
    except HistoryError:
        st.info(f"保存待ちの回答が {history.pending_count()} 件あります。記録に接続できたときに保存します。",
                icon=":material/cloud_off:")
        return
    if n:
        st.toast(f"保存待ちだった {n} 件の回答を記録しました。", icon=":material/cloud_done:")


def render_learner_summary(history: History | None) -> None:
    """Whose numbers these are, in one line above the charts."""
    if history is None:
        if auth_configured():
            st.caption("ログインすると、あなたの成績と復習がここに記録されます。")
        return
    try:
        attempts = history.attempts()
    except HistoryError:
        return  # the stats below say the history cannot be read right now
    answered = sum(a["n_questions"] for a in attempts)
    right = sum(a["n_right"] for a in attempts)
    st.caption(f"学習者 {md_escape(history.learner)}：受験 {len(attempts)} 回・回答 {answered} 件・正解 {right} 件")


def render_my_data(history: History) -> None:
    """Export (CSV / JSON) and delete this learner's history, with a confirmation."""
    with st.expander(f"あなたのデータ（{md_escape(history.learner)}）"):
        try:
            data = export_data(history)
        except HistoryError as e:
            st.warning(f"記録を読み込めませんでした：{md_escape(str(e))}", icon=":material/database:")
            return
        n = sum(len(a["answers"]) for a in data["attempts"])
        st.caption(f"受験 {len(data['attempts'])} 回・回答 {n} 件・模試 {len(data['mock_exams'])} 回")
        c1, c2 = st.columns(2)
        c1.download_button("CSV で書き出す", render(data, "csv").encode("utf-8-sig"), file_name="quiz_history.csv",
                           mime="text/csv", key="export_csv", icon=":material/download:", on_click="ignore")
        c2.download_button("JSON で書き出す", render(data, "json").encode("utf-8"), file_name="quiz_history.json",
                           mime="application/json", key="export_json", icon=":material/download:", on_click="ignore")
        st.markdown("**記録を削除する**")
        sure = st.checkbox(f"{md_escape(history.learner)} の記録（回答 {n} 件）をすべて削除します。元に戻せません。",
                           key="delete_confirm")
        if st.button("削除する", key="delete_history", type="primary", disabled=not sure, icon=":material/delete:"):
            try:
                counts = history.delete()
            except HistoryError as e:
                st.error(f"削除できませんでした：{md_escape(str(e))}", icon=":material/database:")
                return
            st.session_state.pop("delete_confirm", None)
            st.session_state.pop("quiz", None)
            st.toast(f"記録を削除しました（回答 {counts['answers']} 件）。", icon=":material/delete:")
            st.rerun()
