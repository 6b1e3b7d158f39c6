"""Name spans in a question: the substring matcher of ``qa.aliases`` against the regular expression
it replaced (the reference: separators allowed between letters, whole Latin words, plural s/es),
on the project's own names and on generated text."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.aliases import AliasTable, _compact, _core, _spans
from qa.inflect import inflections
from qa.initialisms import derive, name_initialism

SEP = r"[\s\-_]*"
LATIN = re.compile(r"[a-z0-9]")


def reference(core: str) -> re.Pattern:
    body = SEP.join(re.escape(c) for c in core)
    head = r"(?<![a-z0-9])" if LATIN.match(core[0]) else ""
    tail = r"(?:s|es)?(?![a-z0-9])" if LATIN.match(core[-1]) else ""
    return re.compile(head + body + tail)


def spans(core: str, text: str) -> list[tuple[int, int]]:
    compact, keep = _compact(text)
    return list(_spans(core, text, compact, keep))


NAMES = ["eventbridge", "sagemaker debugger", "tensorboard", "box", "過学習", "イベント バス", "a", "s3", "ml"]
ALPHABET = "abdegorsx0123 -_過学習イベントバス"


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(NAMES), text=st.text(alphabet=ALPHABET, max_size=40))
def test_spans_are_the_reference_regexs_matches(name, text):
    core = _core(name)
    expected = [(m.start(), m.end()) for m in reference(core).finditer(text) if m.end() > m.start()
                and not (len(core) <= 3 and core.isascii() and core.isalpha()
                         and re.search(r"[0-9][\s.,]*$", text[:m.start()][-8:]))]
    assert spans(core, text) == expected


def test_spacing_punctuation_words_and_plurals():
    assert spans("sagemakerdebugger", "use sage-maker  debugger now") == [(4, 24)]
    assert spans("debugger", "debuggers2 and debuggers") == [(15, 24)]  # a longer word, then a plural
    assert spans("box", "boxes xbox box") == [(0, 5), (11, 14)]
    assert spans("過学習", "過 学習と過学習") == [(0, 4), (5, 8)]


@pytest.mark.parametrize("word, forms", [
    ("define", {"defined", "defining"}), ("retry", {"retried", "retrying"}), ("deploy", {"deployed", "deploying"}),
    ("stop", {"stopped", "stopping"}), ("agree", {"agreed", "agreeing"}), ("fail", {"failed", "failing"}),
])
def test_regular_verb_forms_of_a_lexicon_word(word, forms):
    assert forms <= set(inflections(word))


@pytest.mark.parametrize("word", ["ml", "s3", "SageMaker", "機械学習", "machine learning"])
def test_initialisms_names_and_phrases_are_not_inflected(word):
    assert inflections(word) == ()


def test_a_lexicon_word_is_found_in_its_verb_forms():
    table = AliasTable({}, [("define", "定義する"), ("retry", "再試行"), ("trigger", "トリガー")])
    found = table.find("how is a pipeline defined, and what gets triggered when a step is retried?")
    assert [m.expansion for m in found] == [("define", "定義する"), ("trigger", "トリガー"), ("retry", "再試行")]
    # whole words only: "predefined" and "undefined" are other words; a plural is still the word
    assert [(m.start, m.expansion) for m in table.find("a predefined undefined triggers")] == [(23, ("trigger", "トリガー"))]


def test_a_form_another_name_spells_stays_that_names():
    table = AliasTable({}, [("train", "訓練"), ("training", "学習")])
    assert [m.expansion for m in table.find("training")] == [("training", "学習")]


def test_longer_names_claim_their_span_first():
    table = AliasTable({"SageMaker Debugger": ("sagemaker debugger",), "SageMaker": ("sagemaker",)})
    found = table.find("sagemaker debugger と sagemaker")
    assert [(m.term, m.start, m.end) for m in found] == [("SageMaker Debugger", 0, 18), ("SageMaker", 21, 30)]


def test_initialisms_of_product_names():
    assert [name_initialism(n) for n in ("Amazon SageMaker Debugger", "TensorBoard", "Event Bridge",
                                         "AWS Glue DataBrew", "overfitting", "Debugger", "過学習", "Amazon")] \
        == ["SMD", "TB", "EB", "GDB", None, None, None, None]


def test_an_ambiguous_initialism_is_not_derived():
    terms = {"Model Monitor": ("Model Monitor",), "Managed Mode": (), "TensorBoard": ("TensorBoard",),
             "Model Registry": ("MR",)}
    of_terms, of_words = derive(terms, ["MR"])
    assert of_terms == {"TB": "TensorBoard"}  # MM has two owners, MR is already a name
    assert of_words == {}  # TB is the term's; "Model" and "Monitor" are no CamelCase words


def test_a_derived_initialism_names_its_term_but_not_a_unit():
    table = AliasTable({"TensorBoard": ("TensorBoard",), "Amazon SageMaker Pipelines": ("SageMaker Pipelines",)})
    assert table.terms_in("tb logs, smp steps") == ["TensorBoard", "Amazon SageMaker Pipelines"]
    assert table.terms_in("10 tb of logs, 2.5tb") == []
    assert AliasTable({"正則化": ("正則化",)}).terms_in("l2正則化と l1 正則化") == ["正則化"]  # only Latin names are units
    assert ("SageMaker", "SM") in table.groups  # a word many names share: a synonym, no term
    # a full-width alias is the same name as the initialism once folded, so none is derived
    assert AliasTable({"TensorBoard": ("TensorBoard",), "Other": ("ＴＢ",)}).terms_in("tb logs") == ["Other"]


def test_a_katakana_spelling_of_a_lexicon_word_finds_its_group():
    """The build's spellings (indexer.readings) join their word's group: 「キーフィーチャー」 finds
    機能/特徴. A short spelling (ログ inside ブログ) and one the file already lists are left out."""
    groups = [("feature", "機能"), ("log", "ログ"), ("dropout", "ドロップアウト")]
    readings = {"feature": "フィーチャー", "log": "ログ", "dropout": "ドロップアウト"}
    table = AliasTable({}, groups, readings)
    assert table.groups[:3] == [("feature", "機能", "フィーチャー"), ("log", "ログ"), ("dropout", "ドロップアウト")]
    found = table.find("キーフィーチャーは？")
    assert [m.expansion for m in found] == [("feature", "機能", "フィーチャー")]
    assert AliasTable({}, groups).find("キーフィーチャーは？") == []  # without the build's spellings


def brute_force_find(table: AliasTable, folded: str) -> list[tuple[int, int, str | None]]:
    """Every pattern tried, longest first (what ``find`` did before its index of opening pairs)."""
    folded = folded.replace("・", " ")
    compact, keep = _compact(folded)
    taken = [False] * len(folded)
    found = []
    for patterns, is_term in ((table._term_patterns, True), (table._group_patterns, False)):
        for core, owner, _ in patterns:
            for start, end in _spans(core, folded, compact, keep):
                if not any(taken[start:end]):
                    taken[start:end] = [True] * (end - start)
                    found.append((start, end, owner if is_term else None))
    return sorted(found)


TABLE = AliasTable({"SageMaker Debugger": ("sagemaker debugger", "デバッガー", "smd"), "SageMaker": ("sagemaker",),
                    "EventBridge": ("eventbridge", "イベントブリッジ"), "X": ("x",)},
                   [("event", "イベント"), ("a", "エー"), ("debug", "デバッグ")], {"event": "イベント"})


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="sagemkrdbuvntixエーイベントブリッジデバッガグ -_", max_size=50))
def test_find_tries_only_the_patterns_whose_opening_pair_is_in_the_question(text):
    got = sorted((m.start, m.end, m.term) for m in TABLE.find(text))
    assert got == brute_force_find(TABLE, text)
