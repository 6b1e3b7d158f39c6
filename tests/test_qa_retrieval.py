"""Retrieval: Sudachi tokens meet spelling variants, aliases name terms, BM25 finds a bullet's
section, intents map to section kinds, and the hybrid ranks better than either side alone."""
from __future__ import annotations

import pytest

from indexer.glossary import INTRO, iter_entries
from qa import build_answerer
from qa.intent import detect_intents, section_kinds
from indexer.text import match_form
from qa.tokenize import get_tokenizer


@pytest.fixture(scope="module")
def answerer(resources):
    return build_answerer(resources)


@pytest.fixture(scope="module")
def tok():
    return get_tokenizer()


# ------------------------------------------------------------------ tokenizer (no model needed)

@pytest.mark.parametrize("a, b", [
    ("ハイパーパラメータ", "ハイパーパラメーター"),  # long-vowel mark
    ("受付", "受け付け"),  # okurigana
    ("見つける", "見付ける"),  # kanji variant
    ("ＥｖｅｎｔＢｒｉｄｇｅ", "eventbridge"),  # full-width, case
    ("ﾃﾞｰﾀ", "データ"),  # half-width katakana
])
def test_spelling_variants_share_a_token(tok, a, b):
    assert set(tok.terms(a)) & set(tok.terms(b)), (tok.terms(a), tok.terms(b))


def test_compounds_keep_both_the_whole_and_the_parts(tok):
    terms = tok.terms("過学習を防ぐ")
    assert "過学習" in terms and "学習" in terms and "防ぐ" in terms
    assert "を" not in terms  # particles never index


def test_unknown_katakana_run_is_cut_into_known_words(tok):
    # Sudachi keeps this unknown word whole; イベントバス in a question must still reach it.
    assert "イベントバス" in tok.terms("サーバーレスイベントバスサービス")


def test_tokenizer_is_created_once(tok):
    assert get_tokenizer() is tok


# ------------------------------------------------------------------ aliases

@pytest.mark.parametrize("question", [
    "過学習とは", "過剰適合とは", "オーバーフィッティングとは", "ｵｰﾊﾞｰﾌｨｯﾃｨﾝｸﾞとは",
    "What is OVERFITTING?", "over-fitting って何", "什么是过拟合", "과적합이란",
])
def test_every_name_of_overfitting_names_the_term(answerer, question):
    assert answerer.retriever.analyze(question).terms == ["過学習（overfitting）"]


@pytest.mark.parametrize("question, term", [
    ("イベントブリッジの特徴", "Amazon EventBridge"),
    ("テンソルボードの使い方", "TensorBoard"),
    ("セージメーカー デバッガーの利点", "Amazon SageMaker Debugger"),
    ("sagemaker-pipelines の構成", "Amazon SageMaker Pipelines"),
])
def test_katakana_and_lower_case_names_reach_their_term(answerer, question, term):
    assert answerer.retriever.analyze(question).terms == [term]


def test_latin_aliases_match_whole_words_only(answerer):
    # "debugger" inside another word is not a mention of the term.
    assert answerer.retriever.analyze("mydebuggertool とは").terms == []


def test_word_aliases_expand_the_keyword_query(answerer):
    q = answerer.retriever.analyze("How do I use early stopping?")
    assert "早期停止" in q.query_terms


# ------------------------------------------------------------------ BM25 (keyword side)

def test_keyword_search_finds_the_section_of_a_bullet_from_its_label(answerer, resources):
    """Every bullet label the glossary uses once should bring its own section into the top 3."""
    retriever = answerer.retriever
    labels: dict[str, list] = {}
    for term, section, entry in iter_entries(resources.glossary):
        if entry.label:
            labels.setdefault(entry.label, []).append((term.name, section.heading))
    unique = {label: places[0] for label, places in labels.items() if len(places) == 1}
    assert len(unique) > 100
    found = 0
    for label, place in unique.items():
        r = retriever.retrieve(retriever.analyze(label), "keyword")
        top3 = [(retriever.chunks[int(i)].term, retriever.chunks[int(i)].section) for i in r.order[:3]]
        found += place in top3
    assert found / len(unique) >= 0.9, f"{found}/{len(unique)}"


def test_one_matching_bullet_lifts_its_section(answerer):
    """Section-level BM25 prefers EventBridge's ターゲットタイプ (Lambda, 関数, 実行 all occur
    there); the bullet-level ranking finds 'Lambda ステップ', and the answer follows the bullet."""
    retriever = answerer.retriever
    q = retriever.analyze("パイプラインで Lambda 関数を実行するステップ")
    r = retriever.retrieve(q, "hybrid")
    gold = next(i for i, c in enumerate(retriever.chunks)
                if (c.term, c.section) == ("Amazon SageMaker Pipelines", "ステップタイプ"))
    best_entry = int(r.bm25_entry.argmax())
    ref = retriever.keyword.entry_refs[best_entry]
    assert ref.chunk == gold and retriever.chunks[gold].entries[ref.entry].label == "Lambda ステップ"
    assert int(r.bm25_chunk.argmax()) != gold  # the section alone would not win …
    assert int(r.order[0]) == gold  # … the bullet lifts it
    a = answerer.ask(q.text)
    assert a.citations[0].text.startswith("Lambda ステップ")


def test_empty_keyword_query_scores_nothing(answerer):
    retriever = answerer.retriever
    assert not retriever.keyword.chunk_scores([]).any()
    assert not retriever.keyword.entry_scores(["語彙にない単語xyz"]).any()


# ------------------------------------------------------------------ intents and section kinds

@pytest.mark.parametrize("question, intent", [
    ("過学習とは？", "definition"),
    ("What is TensorBoard?", "definition"),
    ("EventBridgeのメリットは？", "benefit"),
    ("TensorBoardの使い道", "usecase"),
    ("What is EventBridge used for?", "usecase"),
    ("過学習を防ぐにはどうすればいい？", "method"),
    ("How do I detect overfitting?", "method"),
    ("Debuggerの主な特徴", "feature"),
    ("TensorBoardを開発したのは誰？", "concept"),
    # why adopt it at all, what is lost without it: its value
    ("わざわざパイプライン化する理由は？", "benefit"),
    ("イベントバスを挟まずに直接呼び出したら何を失う？", "benefit"),
    ("Why would a team bother with TensorBoard?", "benefit"),
    ("Why would I put an event bus in the middle?", "benefit"),
    # English intent words spelt in katakana, as business Japanese writes them
    ("TensorBoard入れるベネフィットは？", "benefit"),
    ("Pipelinesのキーフィーチャーってざっくり何？", "feature"),
    ("Debuggerの主要ファンクション", "feature"),
])
def test_question_wording_gives_its_intent_first(question, intent):
    assert detect_intents(match_form(question))[:1] == [intent]


def test_why_something_happens_is_not_a_question_about_value():
    # a cause, not a reason to adopt anything
    assert "benefit" not in detect_intents(match_form("なぜ過学習が起きるの？"))
    assert "benefit" not in detect_intents(match_form("過学習が起きる理由は？"))


def test_koto_wa_is_not_a_definition_question():
    # "できることは" contains "とは" but asks for features.
    assert "definition" not in detect_intents(match_form("デバッガーでできることは？"))


def test_every_section_of_the_glossary_has_a_kind(resources):
    """Otherwise an intent can never favour it."""
    for term in resources.glossary.terms:
        assert section_kinds(INTRO) == {"intro"}
        for section in term.sections:
            assert section_kinds(section.heading), f"{term.name} › {section.heading}"


# ------------------------------------------------------------------ hybrid vs either side

@pytest.mark.parametrize("question, gold", [
    ("SageMaker Debuggerの利点を教えてください", ("Amazon SageMaker Debugger", "利点")),
    ("テンソルボードの使い道は？", ("TensorBoard", "一般的なユースケース")),
    ("EventBridgeの利点は？", ("Amazon EventBridge", "利点")),
])
def test_hybrid_puts_the_asked_for_section_first(answerer, question, gold):
    """Structure (named term + intent) is what neither retriever has: the hybrid must rank the
    gold section first and strictly above where the dense and keyword rankings put it."""
    retriever = answerer.retriever
    q = retriever.analyze(question)
    qvec = retriever.dense.encode(q.text)
    positions = {}
    for mode in ("dense", "keyword", "hybrid"):
        r = retriever.retrieve(q, mode, qvec)
        ranked = [(retriever.chunks[int(i)].term, retriever.chunks[int(i)].section) for i in r.order]
        positions[mode] = ranked.index(gold)
    assert positions["hybrid"] == 0, positions
    assert positions["dense"] > 0 or positions["keyword"] > 0, positions


def test_aliases_file_errors_name_the_file(tmp_path):
    from qa.aliases import AliasError, load_aliases

    names = {"TensorBoard": ("TensorBoard",)}
    bad = tmp_path / "aliases.yaml"
    bad.write_text("terms: [unclosed\n", encoding="utf-8")
    with pytest.raises(AliasError, match="aliases.yaml"):
        load_aliases(bad, names)
    bad.write_text("words:\n  - just-one-word\n", encoding="utf-8")
    with pytest.raises(AliasError, match="at least two"):
        load_aliases(bad, names)
    # No file: the terms' own names still work.
    table = load_aliases(tmp_path / "missing.yaml", names)
    assert table.terms_in(match_form("tensorboardとは")) == ["TensorBoard"]
