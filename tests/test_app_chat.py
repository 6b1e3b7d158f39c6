"""質問 page (AppTest): answers with numbered, highlighted citations; abstention with suggested
terms; history across reruns; a citation opens its section in the glossary; hostile input is text."""
from __future__ import annotations

import re

from app_shared import text as app
from tests.e2e.workspace import (  # noqa: F401 — fixtures
    app_cache,
    app_model,
    app_test,
    app_workspace,
    built_app_workspace,
    sources,
    texts,
)


def _ask(at, question: str):
    at.chat_input(key="chat_input").set_value(question).run()
    assert not at.exception, at.exception
    return at


def _assistant(at, n: int = -1):
    messages = [m for m in at.chat_message if m.name == "assistant"]
    return messages[n]


def test_first_visit_offers_examples_and_an_example_is_answered(app_workspace):
    at = app_test().run()
    assert not at.exception
    examples = [b for b in at.button if b.key and b.key.startswith("example-")]
    assert len(examples) >= 3 and all(b.label.endswith("？") for b in examples)
    question = examples[0].label
    examples[0].click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert question in texts(at.chat_message[0])
    assert len(sources(_assistant(at))) >= 1


def test_answer_has_numbered_citations_with_highlight_source_and_latency(app_workspace):
    # A question whose answering bullet holds one of its words (the highlight needs a match):
    # 「Amazon SageMaker Debugger: 自動的に過学習の兆候を検出」.
    at = _ask(app_test().run(), "過学習の検出方法は？")
    reply = _assistant(at)
    cited = sources(reply)
    assert cited and cited[0].startswith("［1］ 過学習（overfitting） › 検出方法")
    assert all(re.fullmatch(r"［\d］ .+ › .+（aws_ml_glossary\.ja\.md:\d+）", line) for line in cited), cited
    body = "\n".join(texts(reply))
    assert ":orange-background[過学習]" in body  # the matched word, highlighted after escaping
    assert re.search(r":material/timer: \d+\.\d\d 秒", body), body  # per-question latency, shown discreetly
    buttons = [b for b in reply.button if b.key.startswith("cite-")]
    assert [b.label for b in buttons] == [f"［{i}］" for i in range(1, len(cited) + 1)]
    assert all(re.search(r"スコア \d+\\\.\d\d", b.help) for b in buttons), [b.help for b in buttons]


def test_history_survives_reruns_and_can_be_cleared(app_workspace):
    at = _ask(app_test().run(), "TensorBoard の主な機能は？")
    at = _ask(at, "EventBridge は何に使いますか？")
    at.run()  # an unrelated rerun
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 2
    assert len(at.session_state["chat"]) == 4
    at.button(key="clear-chat").click().run()
    assert not at.chat_message


def test_out_of_scope_question_says_so_and_offers_terms(app_workspace):
    at = _ask(app_test().run(), "今日の東京の天気と株価を教えて")
    reply = _assistant(at)
    assert not sources(reply)  # no citations
    answer = at.session_state["chat"][-1]["answer"]
    assert not answer.found and answer.message
    assert app.md_escape(answer.message) in texts(reply)  # the answerer's own explanation, as text
    suggestions = [b for b in reply.button if b.key.startswith("sugg-")]
    assert suggestions, "suggested terms are offered as buttons"
    term = suggestions[0].label
    suggestions[0].click().run()
    assert not at.exception
    assert f"{term}とは何ですか？" in texts(at.chat_message[-2])
    assert sources(_assistant(at)), "the suggested term is answered with citations"


def test_a_refusal_links_the_sections_holding_the_question_words(app_workspace):
    at = _ask(app_test().run(), "EventBridgeの料金は1イベントあたりいくら？")  # a fact the glossary lacks
    reply = _assistant(at)
    answer = at.session_state["chat"][-1]["answer"]
    assert not answer.found and answer.nearest and not sources(reply)
    buttons = [b for b in reply.button if b.key.startswith("near-")]
    assert [b.label for b in buttons] == [app.md_escape(f"{n.term} › {n.section}") for n in answer.nearest]
    first = answer.nearest[0]
    buttons[0].click().run()
    assert not at.exception
    assert at.title[0].value == "用語集"
    assert at.subheader[0].value == app.md_escape(first.term)
    assert [e.label for e in at.expander if e.icon == app.PIN] == [app.md_escape(first.section)]


def test_hostile_question_is_shown_as_literal_text(app_workspace):
    hostile = "<script>alert(1)</script> **bold** :red[x] $y$"
    at = _ask(app_test().run(), hostile)
    user = at.chat_message[0]
    assert user.name == "user"
    shown = user.markdown[0]
    assert shown.value == app.md_escape(hostile)
    assert "\\<script\\>" in shown.value and "\\*\\*bold\\*\\*" in shown.value
    assert not shown.proto.allow_html
    assert not any(m.proto.allow_html for m in at.markdown), "no element is rendered as raw HTML"
    assert not at.get("html")


def test_citation_opens_the_glossary_at_its_section(app_workspace):
    at = _ask(app_test().run(), "過学習の検出方法は？")
    reply = _assistant(at)
    term, section = re.fullmatch(r"［1］ (.+) › (.+?)（[^（]+）", sources(reply)[0]).groups()
    reply.button(key=next(b.key for b in reply.button if b.key.startswith("cite-"))).click().run()
    assert not at.exception
    assert at.title[0].value == "用語集"
    assert at.subheader[0].value == app.md_escape(term)
    marked = [e for e in at.expander if e.icon == app.PIN]
    assert [e.label for e in marked] == [app.md_escape(section)]
    assert any(f"{app.PIN} :orange-background[" in m.value for m in marked[0].markdown), "the cited entry is marked"
    assert at.query_params["term"] == [term] or at.query_params["term"] == term


def test_the_page_file_runs_on_its_own_route(app_workspace):
    at = app_test().run()
    at.switch_page("app_pages/glossary.py").run()
    at.switch_page("app_pages/chat.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "質問" and at.chat_input(key="chat_input") is not None


def test_a_long_chat_draws_only_the_latest_turns_in_full(app_workspace):
    """Older turns collapse into one text (so a rerun costs the same at the 60th question as at
    the first); the recent ones stay visible, only the latest with its citation widgets; nothing
    is lost: every question and answer is still in that text."""
    from app_pages.chat import FULL_TURNS, RECENT_TURNS

    at = app_test().run()
    questions = ["過学習とは？", "TensorBoardの利点は？", "EventBridgeとは？", "過学習の防止策は？", "SageMaker Debuggerの機能は？"]
    for q in questions:
        _ask(at, q)
    assert len(at.session_state["chat"]) == 2 * len(questions)
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * RECENT_TURNS
    latest = at.session_state["chat"][-1]["answer"]
    assert FULL_TURNS == 1 and len(sources(at.chat_message[-1])) == len(latest.citations)
    assert sum(c.value.startswith("出典（") for c in at.caption) == 1, "sources as a caption under the latest only"
    assert len([b for b in at.button if b.key.startswith("cite-")]) == len(latest.citations)
    shown = "\n".join(m.markdown[0].value for m in at.chat_message[-4:-2] if m.markdown)
    assert app.md_escape(questions[-2]) in shown and "aws\\_ml\\_glossary" in shown  # the turn before, as text
    older = next(e for e in at.expander if e.label.startswith("以前の会話"))
    assert "2 問" in older.label
    assert not texts(older), "a closed expander's text is not even sent"
    at.session_state["chat-older"] = True  # what opening it in the browser does
    at.session_state["chat-older-open"] = True  # (AppTest sets the state, it calls no callback)
    at.run()
    older = next(e for e in at.expander if e.label.startswith("以前の会話"))
    text = "\n".join(texts(older))
    assert all(app.md_escape(q) in text for q in questions[:2])
    assert "aws\\_ml\\_glossary\\.ja\\.md" in text  # sources are kept too
    _ask(at, "過学習を防ぐ方法は？")  # once opened, it stays open as the conversation goes on
    older = next(e for e in at.expander if e.label.startswith("以前の会話"))
    assert "3 問" in older.label and app.md_escape(questions[2]) in "\n".join(texts(older))


def test_a_follow_up_is_about_the_term_of_the_conversation(app_workspace):
    at = _ask(app_test().run(), "SageMaker Debugger とは何ですか？")
    at = _ask(at, "その利点は？")
    labels = sources(_assistant(at))
    assert labels and labels[0].startswith("［1］ Amazon SageMaker Debugger › 利点"), labels


def test_a_comparison_answers_both_sides_each_cited(app_workspace):
    at = _ask(app_test().run(), "Debugger と TensorBoard の違いは？")
    labels = sources(_assistant(at))
    assert any("Amazon SageMaker Debugger ›" in label for label in labels), labels
    assert any("TensorBoard ›" in label for label in labels), labels
