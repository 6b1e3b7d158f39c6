"""Second round of learners' own wording: romaji, long vowels typed out or left off, business
keigo, figures quoted in a question, katakana loanwords, and the setting of a long story. Each
piece on its own, then through the answerer on questions not in any evaluation set."""
from __future__ import annotations

import pytest

from qa import build_answerer
from qa.calibrate import _QUANTITY
from qa.intent import asks_to_choose
from qa.romaji import is_romaji_word, to_kana
from qa.tokenize import get_tokenizer
from qa.variants import loose

KNOWN = frozenset({"tensorboard", "sagemaker", "debugger", "pipelines", "eventbridge", "tool", "studio"})
NAMES = sorted(KNOWN - {"tool", "studio"}, key=len, reverse=True)


@pytest.fixture(scope="module")
def answerer(resources):
    return build_answerer(resources)


# ------------------------------------------------------------------ pieces

@pytest.mark.parametrize("word", ["kagakushuu", "kagakusyu", "riten", "tte", "gen'in", "nanno", "matcha", "paramēta"])
def test_romaji_words_are_recognised(word):
    assert is_romaji_word(word)


@pytest.mark.parametrize("word", ["tensorboard", "the", "which", "model", "service", "gradient"])
def test_english_words_are_not_romaji(word):
    assert not is_romaji_word(word)


def test_a_romaji_question_becomes_kana_but_names_stay():
    text, changes = to_kana("tensorboardnorogu wa dokoni hozon suru no", KNOWN, NAMES)
    assert text.startswith("tensorboard のろぐ は どこに")
    assert ("wa", "は") in changes


@pytest.mark.parametrize("text", [
    "What is the difference between Debugger and TensorBoard?",
    "no code ML with SageMaker",
    "How do I make the model generalize to new data?",
    "過学習 no taisaku",  # Japanese script present: not a romaji question
])
def test_english_and_mixed_questions_are_left_alone(text):
    assert to_kana(text, KNOWN, NAMES) == (text, [])


def test_double_n_before_a_vowel_is_n_plus_n():
    assert to_kana("donna riten ga aru no", KNOWN, NAMES)[0] == "どんな りてん が ある の"


@pytest.mark.parametrize("a, b", [("カガクシュウ", "カガクシュ"), ("トレーニング", "トレエニング"), ("エイゾクカ", "エゾクカ"),
                                  ("ホールドアウト", "ホオルドアウト")])
def test_long_vowels_written_or_not_meet(a, b):
    assert loose(a) == loose(b)


def test_keigo_formulae_are_not_content_words():
    tokens = {t.norm for t in get_tokenizer().tokens("ご教示賜りますようお願い申し上げます。お手数ですが幸いです。")}
    assert not tokens & {"教示", "賜る", "申し上げる", "手数", "幸い", "御願い"}


def test_figures_are_not_names():
    toks = [t for t in get_tokenizer().tokens("validation loss 0.85 after 50 epochs") if t.norm in {"0.85", "50"}]
    assert toks and all(t.unread and not t.proper for t in toks)


def test_common_loanwords_are_not_names():
    toks = {t.norm: t for t in get_tokenizer().tokens("リプロデューシビリティとクラリファイ") if t.pos != "bigram"}
    assert not toks["リプロデューシビリティ"].proper


def test_a_stated_figure_is_not_a_question_for_a_quantity():
    assert not _QUANTITY.search("GPU使用率がずっと30%前後。ボトルネックを分析する方法は？")
    assert not _QUANTITY.search("同じパイプラインを月に100回実行しても同じ結果になる？")
    assert _QUANTITY.search("EventBridge の料金は100万イベントあたりいくら？")


@pytest.mark.parametrize("text, asks", [
    ("早期停止は何エポック改善しなかったら止める？", True),
    ("TensorBoardは何年に公開された？", True),
    ("シャードは何本必要？", True),
    ("GPU何台かで分散学習してる", False),  # 何台か: "several", no question of how many
    ("何が違うの？", False),
    ("ステップは何種類ある？", False),  # the kinds are listed in the glossary
])
def test_what_and_a_counter_ask_how_many(text, asks):
    assert bool(_QUANTITY.search(text)) is asks


@pytest.mark.parametrize("text, asks", [
    ("Debuggerの活用シーンをいくつか挙げてください", False),  # いくつか + more: "a few"
    ("ステップ数の上限はいくつか。", True),  # いくつか at the end of the sentence asks
    ("ルールは最大いくつまで作れる？", True),
    ("何回でも同じように回せる機能は？", False),  # でも / も: "any number of times"
    ("学習率だけ変えて何回も実行したい", False),
    ("何ステップも続くパイプライン", False),  # the katakana run does not stop short of も
    ("リトライは何回？", True),
    ("追加のコードは最小限にしたい。どのサービスを使うべきか？", False),  # a goal the stem sets
    ("運用負荷を最小化するには？", False),
    ("モニタリングスケジュールの最小間隔は？", True),
    ("1イベントの最大サイズは？", True),
])
def test_several_any_number_and_a_goal_ask_no_quantity(text, asks):
    assert bool(_QUANTITY.search(text)) is asks


@pytest.mark.parametrize("text, chooses", [
    ("監査に耐える再現可能なワークフローにしたい。どのサービスを使うべきですか？", True),
    ("which aws service should the team use to detect vanishing gradients?", True),
    ("what service should i pick for scheduled retraining?", True),
    ("ジョブを止めたい。最適なaws機能は？", True),
    ("sagemaker debuggerの主な機能は？", False),
    ("what is eventbridge?", False),
])
def test_a_question_asking_which_service_to_use_is_recognised(text, chooses):
    assert asks_to_choose(text) is chooses


def test_choosing_among_terms_takes_no_intent_prior_naming_one_keeps_it(answerer):
    """「使うべき機能は」 describes a need: the feature intent it carries must not lift 主要機能
    sections over the section that meets the need. With a term named, the kind of section counts."""
    from dataclasses import replace

    retriever = answerer.retriever
    query = retriever.analyze("学習中に勾配消失が起きたら自動で検出して止めたい。使うべきAWSの機能は？")
    assert query.chooses and query.intents, (query.chooses, query.intents)
    with_intents = retriever.retrieve(query, "hybrid").scores
    without = retriever.retrieve(replace(query, intents=[]), "hybrid").scores
    assert (with_intents == without).all()
    named = retriever.analyze("TensorBoardのどの機能を使うべき？")
    assert not named.chooses and "feature" in named.intents
    assert (retriever.retrieve(named, "hybrid").scores != retriever.retrieve(replace(named, intents=[]), "hybrid").scores).any()


def test_a_question_with_nothing_the_glossary_uses_is_refused_whatever_the_model_says(answerer):
    """No glossary term named, no content word the glossary has: refused even by a model that would
    answer everything (threshold below any probability); one known word leaves the model to decide."""
    from dataclasses import replace

    from qa.calibrate import answers

    always = replace(answerer.calibrated["hybrid"].fallback or answerer.calibrated["hybrid"], threshold=-1.0,
                     fallback=None, relation_coef=None)
    nothing = {"names_term": 0.0, "known_share": 0.0, "n_concepts": 3.0, "coverage": 0.0}
    assert answers(always, nothing, True, "coverage")[0] is False
    assert answers(always, {**nothing, "known_share": 0.34}, True, "coverage")[0] is True
    assert answers(always, {**nothing, "names_term": 1.0}, True, "names-term")[0] is True
    assert not answerer.ask("阪神今年優勝する思う？").found


# ------------------------------------------------------------------ through the answerer

@pytest.mark.parametrize("question, term, section", [
    ("kagakushu no kenshutsu houhou wo oshiete", "過学習（overfitting）", "検出方法"),
    ("ibentoburijji no riten wa nan desu ka", "Amazon EventBridge", "利点"),
    ("TensorBoard no shuyou kinou wa?", "TensorBoard", "主要機能"),
])
def test_romaji_questions_are_answered_from_their_section(answerer, question, term, section):
    answer = answerer.ask(question)
    assert answer.found, answer.reason
    assert (term, section) in {(c.term, c.section) for c in answer.citations}


def test_a_keigo_question_is_answered(answerer):
    answer = answerer.ask("恐れ入りますが、SageMaker Debugger の利点につきましてご教示いただけますと幸いです。")
    assert answer.found, answer.reason
    assert ("Amazon SageMaker Debugger", "利点") in {(c.term, c.section) for c in answer.citations}


def test_names_in_the_setting_of_a_long_question_do_not_refuse_it(answerer):
    question = ("前の会社では Jupyter と Airflow と Slack で全部を手作業で回していました。今のチームでは SageMaker を使っています。"
                "同じ前処理と学習を毎回同じように再現できる仕組みにしたいのですが、SageMaker Pipelines の利点は何ですか？")
    answer = answerer.ask(question)
    assert answer.found, answer.reason
    assert any(c.term == "Amazon SageMaker Pipelines" for c in answer.citations)
