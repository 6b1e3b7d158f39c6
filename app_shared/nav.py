"""The app's pages by file (``st.navigation`` runs them; ``st.switch_page`` goes to them)."""
from __future__ import annotations

import streamlit as st

CHAT = "app_pages/chat.py"
QUIZ = "app_pages/quiz.py"
GLOSSARY = "app_pages/glossary.py"
EXAM = "app_pages/exam.py"


def open_in_glossary(term: str, section: str | None, line: int | None = None) -> None:
    """Switch to the glossary page with this term selected and the section (and entry) marked.
    The focus travels in the session (for the entry's line) and in the URL (a shareable link)."""
    st.session_state["gl_focus"] = (term, section, line)
    st.switch_page(GLOSSARY, query_params={"term": term, **({"section": section} if section else {})})


def came_from_another_page() -> bool:
    """Whether this run follows a run of a different page (the frame records both)."""
    return st.session_state.get("previous_page") != st.session_state.get("current_page")
