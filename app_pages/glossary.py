"""用語集 — browse terms and sections as the Markdown reads, search them (``Glossary.search``),
and land on the section a citation or a quiz explanation pointed at (marked with a pin).

Focus (which term is selected, which section and entry are marked) comes from, in order: a
citation's button (``nav.open_in_glossary``), a shared link's query parameters, or the learner's
own clicks; arriving from another page through the menu shows no marker.
"""
from __future__ import annotations

from typing import Sequence

import streamlit as st

from app_shared import nav
from app_shared.context import load_context
from app_shared.problems import render_problem
from app_shared.text import PIN, md_escape, md_highlight
from indexer.glossary import INTRO, Entry, Glossary, Section, Term


def entries_markdown(entries: Sequence[Entry], words: Sequence[str], focus_line: int | None = None) -> str:
    """Bullets as the Markdown reads (``- **label**: text``), escaped; the cited entry is marked."""
    lines = []
    for e in entries:
        text = md_highlight(e.text, words)
        line = f"**{md_highlight(e.label, words)}**: {text}" if e.label else text
        if focus_line is not None and e.line == focus_line:
            line = f"{PIN} :orange-background[{line}]"
        lines.append(f"- {line}")
    return "\n".join(lines)


def select_term(name: str) -> None:
    st.session_state["gl_selected"] = name
    st.session_state["gl_section"] = None
    st.session_state["gl_line"] = None
    st.query_params.clear()
    st.query_params["term"] = name


def apply_focus(glossary: Glossary) -> None:
    """Turn a citation's focus or a shared link into the selected term and the marked section."""
    focus = st.session_state.pop("gl_focus", None)
    if focus is None and "gl_selected" not in st.session_state and st.query_params.get("term"):
        focus = (st.query_params.get("term"), st.query_params.get("section"), None)  # a shared link
    if focus is None and nav.came_from_another_page():
        st.session_state["gl_section"] = st.session_state["gl_line"] = None  # came from the menu: no marker
    term = glossary.term(focus[0]) if focus else None
    if term is not None:
        st.session_state["gl_selected"] = term.name
        st.session_state["gl_section"] = focus[1]
        st.session_state["gl_line"] = focus[2]
        st.session_state["gl_query"] = ""


def render_term_list(options: list[str], selected: str, total: int) -> None:
    st.caption(f"用語（{len(options)} / {total}）")
    for name in options:
        st.button(md_escape(name), key=f"term-{name}", on_click=select_term, args=(name,), width="stretch",
                  type="primary" if name == selected else "tertiary")


def render_intro(term: Term, words: list[str], focus_section: str | None) -> None:
    if not term.intro:
        return
    if focus_section == INTRO:
        with st.container(border=True):
            st.caption(f"{PIN} 質問ページから開いた箇所（概要）")
            st.markdown(md_highlight(term.intro, words))
    else:
        st.markdown(md_highlight(term.intro, words))


def render_term(term: Term, words: list[str], matching: tuple[Section, ...]) -> None:
    focused = term.name == st.session_state.get("gl_selected")
    focus_section = st.session_state.get("gl_section") if focused else None
    focus_line = st.session_state.get("gl_line") if focused else None
    st.subheader(md_escape(term.name), anchor=False)
    st.caption(f"{md_escape(term.file)}:{term.line}")
    render_intro(term, words, focus_section)
    for section in term.sections:
        is_focus = section.heading == focus_section
        expanded = is_focus or (not focus_section and (not words or section in matching))
        with st.expander(md_escape(section.heading), expanded=expanded, icon=PIN if is_focus else None):
            if is_focus:
                st.caption("質問ページから開いた節（引用元、または質問の語が出てくる節）")
            st.markdown(entries_markdown(section.entries, words, focus_line if is_focus else None))
            st.caption(f"{md_escape(section.file)}:{section.line}")


def main() -> None:
    ctx = load_context()
    st.title("用語集", anchor=False)
    glossary = ctx.glossary
    if glossary is None:
        render_problem(ctx)
        return
    apply_focus(glossary)
    query = st.text_input("キーワードで検索", key="gl_query", placeholder="例：正則化、CloudWatch、パイプライン",
                          max_chars=200).strip()
    matches = glossary.search(query)
    if query:
        n_sections = sum(len(m.sections) for m in matches)
        st.caption(f"「{md_escape(query)}」に一致：{len(matches)} 用語・{n_sections} 節")
    if not matches:
        st.info("一致する用語はありません。別の言葉で探してみてください。", icon=":material/search_off:")
        return
    options = [m.term.name for m in matches]
    selected = st.session_state.get("gl_selected")
    if selected not in options:
        selected = options[0]
    left, right = st.columns([1, 3], gap="large")
    with left:
        render_term_list(options, selected, len(glossary.terms))
    match = matches[options.index(selected)]
    with right:
        render_term(match.term, [query] if query else [], match.sections)


main()
