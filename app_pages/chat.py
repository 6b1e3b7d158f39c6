"""質問 — ask the glossary: answers with numbered, highlighted citations that open the glossary
at their section; abstention with suggested terms; the conversation survives page switches.

Capacity: the conversation is an ``st.fragment``, so a question reruns only the chat, not the
frame (navigation, sidebar, index status); only the latest answer has buttons (one row: open each
source in the glossary), the two turns before it are messages of one Markdown text each, and older
turns one text inside a collapsed expander, sent to the browser only while it is open. An answer is
a handful of elements whatever its number of citations (its quotes highlighted in the answer
itself, its sources one caption): the browser redraws the chat's elements on every rerun, and this
takes 13–20 % less browser CPU per question than an expander, columns and a button per citation
did (20-session load test, seven interleaved runs). Each text is made once per message and kept
with it: a rerun costs the same at the 60th question as at the first (bench/bench_load.py measures
both)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

import streamlit as st

from app_shared import nav
from app_shared.answer_text import answer_markdown, sources_markdown, turn_markdown
from app_shared.context import AppContext, load_context, problem_of
from app_shared.problems import render_problem
from app_shared.text import format_seconds, md_escape
from indexer.errors import KnowledgeError

if TYPE_CHECKING:  # qa itself is imported when the answerer is first built, after the page is drawn
    from qa import Answer, Answerer

RECENT_TURNS = 3  # turns shown as messages; older ones collapse into one text
FULL_TURNS = 1  # of those, the latest keep their citation expanders and buttons
USER_AVATAR = ":material/person:"
BOT_AVATAR = ":material/auto_stories:"
EXAMPLE_QUESTIONS = (
    "過学習とは何ですか？",
    "過学習を防ぐ方法は？",
    "SageMaker Debugger の主な機能は？",
    "EventBridge は何に使いますか？",
)


def ask_pending(question: str) -> None:
    st.session_state["pending_question"] = question


def render_citations(answer: Answer, mid: int) -> None:
    """The sources as one caption and one row of buttons that open the glossary at each: a few
    elements per answer whatever the number of citations (the browser redraws them every rerun)."""
    if not answer.citations:
        return
    st.caption(f"出典（{len(answer.citations)} 件）  \n{sources_markdown(answer)}")
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.caption("用語集で開く：", width="content")
        for i, c in enumerate(answer.citations, start=1):
            if st.button(f"［{i}］", key=f"cite-{mid}-{i}", icon=":material/menu_book:", type="tertiary",
                         help=md_escape(f"{c.term} › {c.section}（スコア {c.score:.2f}）")):
                nav.open_in_glossary(c.term, c.section, c.line)


def render_not_found(answer: Answer, mid: int) -> None:
    st.markdown(md_escape(answer.message or "用語集には該当する記述が見つかりませんでした。"))
    if answer.nearest:  # where the question's own words are: to read, not an answer
        st.caption("質問の語が出てくる節（回答ではありません）：")
        for i, ref in enumerate(answer.nearest):
            if st.button(md_escape(f"{ref.term} › {ref.section}"), key=f"near-{mid}-{i}",
                         icon=":material/menu_book:"):
                nav.open_in_glossary(ref.term, ref.section, ref.line)
    if answer.suggestions:
        st.caption("近い用語について聞く：")
        cols = st.columns(min(len(answer.suggestions), 3))
        for i, term in enumerate(answer.suggestions):
            cols[i % len(cols)].button(md_escape(term), key=f"sugg-{mid}-{i}", on_click=ask_pending,
                                       args=(f"{term}とは何ですか？",), width="stretch")


def render_answer(msg: dict) -> None:
    answer: Answer = msg["answer"]
    if answer.notice:
        st.caption(md_escape(answer.notice))
    if answer.found:
        st.markdown(answer_markdown(answer))
        render_citations(answer, msg["id"])
    else:
        render_not_found(answer, msg["id"])
    st.caption(f":material/timer: {format_seconds(msg['seconds'])}")


def render_message(msg: dict, full: bool = True) -> None:
    # Keyed by the message's number: the browser keeps each message's element across reruns, and a
    # test can tell the n-th message by its class (st-key-msg-<n>) whatever the window shows.
    with st.container(key=f"msg-{msg['id']}"), \
            st.chat_message(msg["role"], avatar=USER_AVATAR if msg["role"] == "user" else BOT_AVATAR):
        if msg["role"] == "user":
            st.markdown(md_escape(msg["text"]))
        elif full:
            render_answer(msg)
        else:
            st.markdown(turn_markdown(msg, label=False))


def remember_older() -> None:
    """Keep the older turns' expander open or closed across the label changes that remake it."""
    st.session_state["chat-older-open"] = bool(st.session_state.get("chat-older"))


def older_markdown(history: list[dict], split: int) -> str:
    """The turns before ``split`` as one text, kept until the conversation moves on."""
    cached = st.session_state.get("chat_older_md")
    if not cached or cached[0] != split or cached[1] is not history[split - 1]:
        text = "\n\n---\n\n".join(turn_markdown(m) for m in history[:split])
        cached = (split, history[split - 1], text)
        st.session_state["chat_older_md"] = cached
    return cached[2]


def render_history(history: list[dict], recent_turns: int = RECENT_TURNS, full_turns: int = FULL_TURNS) -> None:
    """Older turns as one text in a collapsed expander; the latest ``recent_turns`` as messages,
    the last ``full_turns`` of them with their citation widgets."""
    split = max(0, len(history) - 2 * recent_turns)
    if split:
        # Tracked (on_change) so that its text is only made and sent while it is open: a closed
        # expander's content is otherwise sent, and drawn by the browser, on every question. Its
        # label counts the turns, so it is a new widget when that changes: it opens as it was left.
        older = st.expander(f"以前の会話（{sum(m['role'] == 'user' for m in history[:split])} 問）",
                            icon=":material/history:", key="chat-older", on_change=remember_older,
                            expanded=st.session_state.get("chat-older-open", False))
        if older.open:
            older.markdown(older_markdown(history, split))
    full_from = len(history) - 2 * full_turns
    for i, msg in enumerate(history[split:], start=split):
        render_message(msg, full=i >= full_from)


def render_welcome() -> None:
    st.markdown("AWS の機械学習用語集の内容について質問できます。回答には用語集の引用元が付きます。")
    st.caption("たとえば：")
    cols = st.columns(2)
    for i, q in enumerate(EXAMPLE_QUESTIONS):
        cols[i % 2].button(q, key=f"example-{i}", on_click=ask_pending, args=(q,), width="stretch")
    st.caption("ほかにも：")
    cols = st.columns(2)
    if cols[0].button("用語集を見る", key="go-glossary", icon=":material/menu_book:", width="stretch"):
        st.switch_page(nav.GLOSSARY)
    if cols[1].button("クイズに挑戦する", key="go-quiz", icon=":material/quiz:", width="stretch"):
        st.switch_page(nav.QUIZ)


def conversation(history: list[dict]) -> list[dict]:
    """The chat so far as ``{"role", "content"}`` turns, so a follow-up (「その利点は？」) is
    understood as being about the term the conversation was about."""
    turns = []
    for msg in history:
        if msg["role"] == "user":
            turns.append({"role": "user", "content": msg["text"]})
        elif msg.get("answer") is not None and msg["answer"].found:
            turns.append({"role": "assistant", "content": msg["answer"].answer})
    return turns


def answer_question(answerer: Answerer, question: str, history: list[dict]) -> None:
    """Ask, show and keep the question and its answer (one failed question never ends the session)."""
    earlier = conversation(history)
    user_msg = {"role": "user", "text": question, "id": len(history)}
    history.append(user_msg)
    render_message(user_msg)
    with st.container(key=f"msg-{len(history)}"), st.chat_message("assistant", avatar=BOT_AVATAR):
        with st.spinner("用語集を検索しています…"):
            started = time.perf_counter()
            try:
                answer = answerer.ask(question, history=earlier)
            except Exception as e:  # noqa: BLE001 — shown as a message, the session goes on
                history.pop()
                st.error(f"回答中にエラーが発生しました：{md_escape(f'{type(e).__name__}: {e}')}", icon=":material/error:")
                return
            seconds = time.perf_counter() - started
        msg = {"role": "assistant", "answer": answer, "seconds": seconds, "id": len(history)}
        history.append(msg)
        render_answer(msg)  # same keys as when it is redrawn from the history next run


def main() -> None:
    ctx = load_context()
    st.title("質問", anchor=False)
    if ctx.resources is None:
        render_problem(ctx)
        return
    chat(ctx)


def ready_answerer(ctx: AppContext) -> Answerer | None:
    """The answerer, built on first use; a problem screen instead when it cannot be built
    (e.g. a malformed aliases.yaml)."""
    try:
        return ctx.answerer()
    except KnowledgeError as e:
        ctx.problem = problem_of(e)
        render_problem(ctx)
        return None


@st.fragment
def chat(ctx: AppContext) -> None:
    """The conversation: a question (or a button in it) reruns this, not the whole page.

    The answerer is built after the page is drawn, not before: on a fresh start the input is
    visible while the keyword index and the model are prepared, and a learner's first question
    finds them ready (or waits only for what is left)."""
    history: list[dict] = st.session_state.setdefault("chat", [])
    body = st.container()  # drawn above the input, filled once the question is known
    prompt = st.chat_input("用語集について質問してください（例：過学習とは？）", key="chat_input")
    question = prompt or st.session_state.pop("pending_question", None)
    with body:
        if not history and not question:
            render_welcome()
        else:
            top = st.columns([5, 1])
            top[1].button("会話を消去", key="clear-chat", on_click=lambda: st.session_state.update(chat=[]),
                          icon=":material/delete:", width="stretch")
        new_turn = 1 if question else 0  # the new turn is one of the recent (and the full) ones
        render_history(history, RECENT_TURNS - new_turn, FULL_TURNS - new_turn)
        answerer = ready_answerer(ctx)
        if question and answerer is not None:
            answer_question(answerer, question, history)


main()
