"""Bad input: every odd question gets a clear, safe Answer, never an exception, and the answer
text never carries the user's markup."""
from __future__ import annotations

import json
import unicodedata

import pytest

from qa import Answer, build_answerer


@pytest.fixture(scope="module")
def answerer(resources):
    return build_answerer(resources)


def _safe(a: Answer) -> None:
    """What holds for every answer, whatever the input."""
    assert isinstance(a, Answer)
    json.dumps(a.to_json(), ensure_ascii=False)
    assert a.found == bool(a.citations)
    assert a.found or a.message
    for text in (a.answer, a.message):
        assert "<" not in text and ">" not in text and "**" not in text
        assert not any(unicodedata.category(ch) in ("Cc", "Cf") and ch != "\n" for ch in text)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in a.question)


@pytest.mark.parametrize("question", ["", "   ", "\n\t\r", "\u3000\u3000", None, "？？？", "...", "😀😀😀"])
def test_empty_or_contentless_question_asks_for_a_question(answerer, question):
    a = answerer.ask(question)
    _safe(a)
    assert not a.found and a.citations == [] and a.message


def test_too_long_question_is_cut_and_the_user_is_told(answerer, resources):
    limit = resources.config.qa.max_question_chars
    a = answerer.ask("過学習を防ぐ方法を教えてください。" + "あ" * 10_000)
    _safe(a)
    assert len(a.question) <= limit
    assert a.notice and str(limit) in a.notice
    assert a.found  # the meaningful start survives the cut


def test_a_short_question_has_no_notice(answerer):
    assert answerer.ask("過学習とは？").notice is None


def test_control_characters_are_stripped(answerer):
    a = answerer.ask("過学\x00習\x07とは\u200b？\x1b[31m")
    _safe(a)
    assert a.found and a.citations[0].term == "過学習（overfitting）"
    assert a.question.startswith("過学習とは？")


@pytest.mark.parametrize("question", [
    "<script>alert('x')</script>過学習とは？",
    "<img src=x onerror=alert(1)>EventBridgeの利点は？",
    "**過学習**の__防止策__を[教えて](http://evil.example)",
    "&lt;b&gt;TensorBoard&lt;/b&gt;とは",
])
def test_markup_in_the_question_never_reaches_the_answer(answerer, question):
    a = answerer.ask(question)
    _safe(a)
    assert a.found, (question, a.reason)
    for text in (a.answer, a.message, *(c.text for c in a.citations)):
        assert "script" not in text and "onerror" not in text and "evil" not in text


def test_markup_alone_is_not_a_question(answerer):
    a = answerer.ask("<script>alert(1)</script>")
    _safe(a)
    assert not a.found  # "alert" inside a script tag must not steer to アラート通知


def test_emoji_around_a_real_question(answerer):
    a = answerer.ask("🤔 過学習😀とは？🙏")
    _safe(a)
    assert a.found and a.citations[0].term == "過学習（overfitting）"


@pytest.mark.parametrize("question", ["什么是过拟合？", "과적합이란 무엇입니까?", "Qu'est-ce que le surapprentissage ?"])
def test_other_languages_are_answered_when_they_map(answerer, question):
    a = answerer.ask(question)
    _safe(a)
    assert a.found and a.citations[0].term == "過学習（overfitting）"


@pytest.mark.parametrize("question", ["今天天气怎么样？", "오늘 날씨 어때요?", "Quelle est la capitale de la France ?"])
def test_other_languages_get_a_polite_not_found(answerer, question):
    a = answerer.ask(question)
    _safe(a)
    assert not a.found and a.message and a.suggestions


@pytest.mark.parametrize("question", [12345, "\ud800過学習", "🙂" * 3000, "\\" * 50, "\x00" * 2000])
def test_odd_values_never_raise(answerer, question):
    _safe(answerer.ask(question))


def test_k_out_of_range_is_clamped(answerer):
    assert len(answerer.ask("TensorBoardとは", k=0).citations) == 1
    assert len(answerer.ask("TensorBoardとは", k=10_000).citations) <= 20
