"""AWS ML 用語集 学習アシスタント — the Streamlit frame.

Page config, the sidebar (index status and the rebuild button) and the top navigation; each page
is its own file in ``app_pages/`` and what pages share lives in ``app_shared/``. The UI only calls
the public functions of ``indexer``, ``qa`` and ``quiz``; a missing index, a broken glossary or a
missing model is shown as a message (with the glossary's ``file:line``), never as a traceback.

Run: ``.venv/bin/streamlit run app.py`` (``$STUDY_CONFIG`` may name another config.yaml).
"""
from __future__ import annotations

import streamlit as st

from app_shared import nav
from app_shared.context import load_context
from app_shared.problems import render_problem
from app_shared.rebuild import show_flash
from app_shared.sidebar import render_sidebar

APP_TITLE = "AWS ML 用語学習アシスタント"
# Pages that need to know the learner before they draw. The others draw first and the learner
# picker (which opens the history database, importing SQLAlchemy) fills its sidebar slot after:
# on a fresh start the chat input appears about 0.4 s sooner.
LEARNER_FIRST = {"quiz", "exam"}


def render_learner(config, slot) -> None:
    from app_shared.learner import render_learner_sidebar  # SQLAlchemy: imported when first needed

    render_learner_sidebar(config, slot)


def main() -> None:
    # An emoji, not a :material/…: icon: Streamlit draws an emoji favicon in the page itself, but
    # fetches a Material one from fonts.gstatic.com (a request to Google on every visit).
    st.set_page_config(page_title=APP_TITLE, page_icon="🎓", layout="wide",
                       initial_sidebar_state="expanded")
    pages = [
        st.Page(nav.CHAT, title="質問", icon=":material/forum:", url_path="chat", default=True),
        st.Page(nav.QUIZ, title="クイズ", icon=":material/quiz:", url_path="quiz"),
        st.Page(nav.EXAM, title="模擬試験", icon=":material/timer:", url_path="exam"),
        st.Page(nav.GLOSSARY, title="用語集", icon=":material/menu_book:", url_path="glossary"),
    ]
    current = st.navigation(pages, position="top")
    st.sidebar.markdown("#### :material/school: AWS ML 用語学習")
    st.sidebar.caption("用語集に基づく Q&A と認定試験対策クイズ")
    # The glossary page drops its "cited here" marker when it is reached from another page's menu.
    st.session_state["previous_page"] = st.session_state.get("current_page")
    st.session_state["current_page"] = current.url_path or "chat"
    ctx = load_context()
    learner_slot = st.sidebar.container()  # above the index status, whenever it is filled
    render_sidebar(ctx)
    show_flash()
    if ctx.config is None:
        render_problem(ctx)
        return
    if st.session_state["current_page"] in LEARNER_FIRST:
        render_learner(ctx.config, learner_slot)
        current.run()
    else:
        current.run()
        render_learner(ctx.config, learner_slot)


if __name__ == "__main__":
    main()
