"""How learners type and talk: kana and half-width spellings, misspelt names, English words,
pasted choices, comparisons and follow-ups all reach the section a plain question reaches."""
from __future__ import annotations

import pytest

from qa import build_answerer
from qa.identifiers import IdentifierSplitter
from qa.letters import spell_out, spelled_letters
from qa.shape import parse, split_choices
from qa.tokenize import get_tokenizer
from qa.variants import Speller, build_lexicon, katakana_sentence, max_edits, to_katakana

EB, OF, DBG, TB, PL = ("Amazon EventBridge", "過学習（overfitting）", "Amazon SageMaker Debugger", "TensorBoard",
                       "Amazon SageMaker Pipelines")


@pytest.fixture(scope="module")
def answerer(resources):
    return build_answerer(resources)


def cited(answer) -> set[tuple[str, str]]:
    return {(c.term, c.section) for c in answer.citations}


# ------------------------------------------------------------------ pieces, no model needed

def test_hiragana_to_katakana_keeps_length():
    assert to_katakana("いべんとぶりっじ") == "イベントブリッジ"
    assert len(to_katakana("かがくしゅうとは")) == len("かがくしゅうとは")


def test_a_remembered_short_text_is_handed_out_as_a_copy():
    tok = get_tokenizer()
    first = tok.terms("過学習の対策")
    first.append("spoilt")  # a caller extending its list (the query builders do) changes nothing
    assert tok.terms("過学習の対策") == first[:-1] and "過学習" in first


def test_identifiers_are_split_only_into_words_the_glossary_knows():
    splitter = IdentifierSplitter(frozenset({"condition", "step", "sagemaker", "pipelines", "get", "it"}),
                                  stopwords=frozenset({"get", "it"}))
    assert splitter.split_word("ConditionStep") == "condition step"
    assert splitter.split_word("condition_step") == "condition step"
    assert splitter.split_word("SageMakerPipelines") == "SageMaker pipelines"
    assert splitter.split_word("SageMaker") is None  # a known name stays whole
    assert splitter.split_word("QuickStep") is None  # a piece the glossary lacks: still a name
    assert splitter.split_word("get_it") is None  # nothing but stop words
    assert splitter.split("`ConditionStep`と`QuickSight`") == ("`condition step`と`QuickSight`",
                                                               [("ConditionStep", "condition step")])


def test_words_typed_without_spaces_are_cut_into_words_the_glossary_knows():
    known = {"what", "is", "overfitting", "and", "how", "do", "i", "detect", "it", "under", "fitting",
             "sagemaker", "debugger", "de", "fault", "run", "time", "deep", "learning"}
    splitter = IdentifierSplitter(frozenset(known), stopwords=frozenset({"what", "is", "and", "how", "do", "i",
                                                                          "it", "under"}))
    assert splitter.split_word("whatisoverfittingandhowdoidetectit") == "what is overfitting and how do i detect it"
    assert splitter.split_word("sagemakerdebugger") == "sagemaker debugger"
    assert splitter.split_word("deeplearning") == "deep learning"
    for word in ("default", "runtime"):  # English words of their own, though made of known pieces
        assert splitter.split_word(word) is None, word
    assert splitter.split_word("underfitting") is None  # a stop word before one word: a compound
    assert splitter.split_word("debugers") is None  # a piece the glossary lacks (a typo): left whole
    assert splitter.split_word("quicksight") is None


def test_letters_said_aloud_are_spelt_in_latin():
    assert spelled_letters("エーダブリューエス") == "AWS" and spelled_letters("エスエルエー") == "SLA"
    for word in ("エース", "アイデア", "エムエルオプス", "エー"):  # words, a run with more in it, one letter
        assert spelled_letters(word) is None, word
    assert spell_out("エーダブリューエスのセージメーカー") == ("AWSのセージメーカー", [("エーダブリューエス", "AWS")])


def test_edit_budget_grows_with_length():
    assert max_edits(3) == 0 and max_edits(6) == 1 and max_edits(11) == 2


def test_speller_fixes_names_but_not_known_or_short_words():
    sp = Speller(["Debugger", "Pipelines", "TensorBoard", "SageMaker"], frozenset({"debug", "pipeline"}))
    assert sp.correct("Debuger and pipleines with TensorBorad")[0] == "Debugger and Pipelines with TensorBoard"
    assert sp.correct_word("pipeline") is None  # a word the glossary knows is never "corrected"
    assert sp.correct_word("S4") is None  # too short to guess
    assert sp.correct_word("kubernetes") is None  # far from every name


def test_reading_lexicon_rewrites_hiragana_only():
    lex = build_lexicon(["過学習", "イベントブリッジ"], get_tokenizer())
    assert lex.rewrite("かがくしゅうってなに")[0] == "過学習ってなに"
    assert lex.rewrite("いべんとぶりっじの利点")[0] == "イベントブリッジの利点"
    assert lex.rewrite("カガクシュウ ノ タイサク")[0].startswith("過学習")  # a kanji word typed in katakana
    assert lex.rewrite("イベントブリッジ")[0] == "イベントブリッジ"  # a katakana name stays as typed
    assert lex.rewrite("オーバーフィッテイング")[0] == "オーバーフィッテイング"  # not in this small lexicon


def test_near_loanwords_and_kanji_homophones_meet_the_glossary_word():
    tok = get_tokenizer()
    lex = build_lexicon(["過学習", "オーバーフィッティング"], tok)
    assert lex.rewrite("オーバーフィッテイングの防ぎ方")[0] == "オーバーフィッティングの防ぎ方"
    assert lex.homophones("過学週 の特徴", tok, frozenset({"過学習"}))[0] == "過学習 の特徴"
    assert lex.homophones("機械 の特徴", tok, frozenset())[0] == "機械 の特徴"  # short readings are left alone


def test_pasted_choices_are_split_from_the_stem():
    stem, choices = split_choices("Which service? A. Amazon SageMaker Debugger B. TensorBoard C. Amazon EventBridge D. Redshift")
    assert stem == "Which service?" and choices == ["Amazon SageMaker Debugger", "TensorBoard", "Amazon EventBridge", "Redshift"]
    assert split_choices("Step A. で何をする？")[1] == []  # one marker is not a list of choices


def test_question_sentence_and_constraint_of_a_scenario():
    s = parse("ある企業はモデルを訓練しています。運用の手間を最小にする必要があります。どのサービスを使うべきですか？")
    assert s.question.startswith("どのサービス") and "最小" in s.constraint and s.long


@pytest.mark.parametrize("text", ["DebuggerとTensorBoardの違いは？", "Debugger vs TensorBoard", "どっちを使えばいい？",
                                  "What is the difference between X and Y?"])
def test_comparison_wording(text):
    assert parse(text).comparison


# ------------------------------------------------------------------ with the real index and model

@pytest.mark.parametrize("question, term", [
    ("ｲﾍﾞﾝﾄﾌﾞﾘｯｼﾞとは？", EB),  # half-width katakana
    ("いべんとぶりっじって何？", EB),  # hiragana of a katakana name
    ("かがくしゅうとは", OF),  # hiragana of a kanji word, through its reading
    ("ＴｅｎｓｏｒＢｏａｒｄの機能", TB),  # full-width Latin
    ("Debugerの利点は？", DBG),  # misspelt
    ("sagemaker pipleinesのステップ", PL),  # misspelt, lower case
    ("TensorBoradでできること", TB),  # transposed letters
    ("sagemakerdebuggerとは", DBG),  # no spaces
    ("TB、PyTorchでも使える？", TB),  # initialism of a CamelCase name
    ("SMP step types", PL),  # initialism of "SageMaker Pipelines" (vendor word left out)
    ("EBのイベントソースは？", EB),
])
def test_variant_spellings_name_the_term(answerer, question, term):
    assert answerer.retriever.analyze(question).terms == [term]
    answer = answerer.ask(question)
    assert answer.found and answer.citations[0].term == term


def test_a_unit_after_a_number_is_no_initialism(answerer):
    """「10 TB」 is ten terabytes, not TensorBoard; 「SM」 shortens the word SageMaker, no term."""
    assert answerer.retriever.analyze("S3 に 10 TB のデータを置ける？").terms == []
    assert answerer.retriever.analyze("SM Debugger rules?").terms == [DBG]


@pytest.mark.parametrize("question, gold", [
    ("What are the benefits of EventBridge?", (EB, "利点")),
    ("How can I prevent overfitting with regularization?", (OF, "防止策と対策")),
    ("Which step types does SageMaker Pipelines have?", (PL, "ステップタイプ")),
])
def test_english_questions_reach_the_japanese_sections(answerer, question, gold):
    answer = answerer.ask(question)
    assert answer.found and gold in cited(answer)


@pytest.mark.parametrize("question, gold", [
    ("イベントブリッジのベネフィットは？", (EB, "利点")),
    ("デバッガーでグラディエントやウェイトをコレクトできますか？", (DBG, "主要機能")),
])
def test_english_written_in_katakana_reaches_the_sections(answerer, question, gold):
    """The build's katakana spellings of lexicon words (ウェイト: weight → 重み) make them known words,
    and a spelling of a generic word (ベネフィット: benefit) asks for a kind of answer, like メリット."""
    answer = answerer.ask(question)
    assert answer.found and gold in cited(answer)
    concepts = {c.label: c.known for c in answerer.retriever.analyze(question).concepts}
    assert "ベネフィット" not in concepts
    assert all(concepts[w] for w in ("ウェイト", "コレクト") if w in question)


def test_english_content_words_reach_the_keyword_side(answerer):
    q = answerer.retriever.analyze("The model does well on training data but badly on validation data")
    assert {"トレーニングデータ", "検証データ"} <= set(q.query_terms) or {"トレーニング", "検証"} <= set(q.query_terms)


def test_follow_up_is_about_the_term_of_the_conversation(answerer):
    alone = answerer.ask("その利点は？")
    follow = answerer.ask("その利点は？", history=["SageMaker Debuggerって何？"])
    assert follow.found and follow.citations[0].term == DBG and follow.citations[0].section == "利点"
    assert not alone.found or alone.citations[0].term != DBG or alone.citations[0].section != "利点"
    # chat messages work as well as plain strings, and the latest term wins
    msgs = [{"role": "user", "content": "TensorBoardとは"}, {"role": "assistant", "content": "…"},
            {"role": "user", "content": "EventBridgeとは"}]
    assert answerer.ask("What are its benefits?", history=msgs).citations[0].term == EB


def test_a_two_sentence_follow_up_points_back_from_either_sentence(answerer):
    """The pointer may sit in the sentence that does not ask (「それってどんなときに使うの？具体的な
    使い道は？」); three sentences or more are a story of their own, not a follow-up."""
    from qa.shape import parse

    assert parse("それってどんなときに使うの？具体的な使い道は？").refers_back
    assert parse("What does it do? Give me the main use cases.").refers_back
    assert not parse("具体的な使い道は？どんな場面で使う？").refers_back
    assert not parse("それは分かりました。前職ではPyTorchでした。具体的な使い道は？").refers_back
    history = ["Amazon SageMaker Pipelinesってなんですか？"]
    assert answerer.prepare("それってどんなときに使うの？具体的な使い道は？", history).carried == PL


def test_a_follow_up_naming_its_own_term_ignores_the_conversation(answerer):
    answer = answerer.ask("TensorBoardの利点は？", history=["SageMaker Debuggerって何？"])
    assert answer.citations[0].term == TB


def test_a_follow_up_that_changes_the_subject_carries_no_term(answerer):
    """「ところで」「話変わるけど」"by the way" open a new question: nothing is carried from the chat,
    unless the question also points back (「ところで、それの利点は？」)."""
    from qa.shape import parse

    history = ["SageMaker Debuggerって何？"]
    assert parse("話変わるけど強化学習って何？").new_topic and parse("By the way, what is a GAN?").new_topic
    assert not parse("ところで、それの利点は？").new_topic and not parse("その利点は？").new_topic
    assert answerer.prepare("ところで株価の見通しは？", history).carried is None
    assert answerer.prepare("株価の見通しは？", history).carried == DBG  # short: read as a follow-up
    back = answerer.ask("ところで、それの利点は？", history=history)
    assert back.found and back.citations[0].term == DBG


def test_lower_case_lexicon_words_are_words_not_names(answerer):
    """A name the glossary mentions in passing must meet the rest of the question in one section;
    "event pattern matching" is three English words (the lexicon writes them in lower case), not
    product names, so it is not refused as "only names match". SageMaker stays a name however typed."""
    names = {c.label: c.name for c in answerer.retriever.analyze("event pattern matching 何に使う").concepts}
    assert names.get("event") is False and names.get("pattern") is False
    assert {c.label: c.name for c in answerer.retriever.analyze("sagemakerの料金は？").concepts}["sagemaker"]
    answer = answerer.ask("event pattern matching 何に使う")
    assert answer.found and answer.citations[0].term == EB


def test_code_identifiers_are_read_as_the_words_they_are_made_of(answerer):
    """`CallbackStep` is コールバックステップ: whole, it is a Latin word the glossary never uses, so
    a name it lacks, and the question was refused. An identifier with a piece the glossary lacks
    stays a name, so a product it does not cover is still refused."""
    query = answerer.retriever.analyze("ノートブックに出てくる`CallbackStep`って何？")
    assert query.repairs == [("CallbackStep", "callback step")] and not query.unknown_names
    answer = answerer.ask("コードレビューで`ConditionStep`を見かけた。これは何をするもの？")
    assert answer.found and answer.citations[0].term == PL
    assert "ステップ" in answer.citations[0].text
    assert answerer.retriever.analyze("QuickSightのダッシュボードは？").unknown_names == ["QuickSight"]
    assert not answerer.ask("QuickSightのダッシュボードを共有するには？").found


def test_a_question_typed_without_spaces_is_answered(answerer):
    """"whatisoverfittingandhowdoidetectit" was one Latin word the glossary never uses: refused."""
    answer = answerer.ask("whatisoverfittingandhowdoidetectit")
    assert answer.found and answer.citations[0].term == OF and answer.citations[0].section == "検出方法"
    answer = answerer.ask("sagemakerdebuggerの利点は？")
    assert answer.found and answer.citations[0].term == DBG and answer.citations[0].section == "利点"
    assert not answerer.ask("whatisquicksight").found


def test_a_term_with_none_of_the_words_asked_is_not_answered_by_the_rule_alone(answerer):
    """Naming a term and no word the glossary lacks used to be answered outright, even when none
    of the question's words is in that term's sections: 「早期停止とは？」 after an EventBridge
    question was answered with EventBridge's 概要. Such questions go to the calibrated model."""
    answer = answerer.ask("早期停止とは？", history=["EventBridgeとは？"])
    assert not answer.found or all(c.term != EB for c in answer.citations)
    assert answerer.ask("EventBridgeの料金体系は？").citations[0].term == EB  # 課金 is in its 利点
    assert answerer.ask("その利点は？", history=["EventBridgeとは？"]).found  # nothing asked but the term


def test_a_katakana_word_meets_the_glossary_compound_it_heads(answerer):
    """The glossary says コールバックステップ, which Sudachi reads as コール + バックステップ or keeps
    whole, so "callback" (コールバック) met no token of it and callback-step questions were refused."""
    keyword = answerer.retriever.keyword
    assert keyword.compounds_of("コールバック") == ["コールバックステップ"]
    assert keyword.compounds_of("ステップ") == []  # a word the glossary has matches itself
    concept = answerer.retriever.analyze("when would I use a callback step?").concepts[0]
    assert concept.label == "callback" and concept.known and "コールバックステップ" in concept.terms
    answer = answerer.ask("SageMaker Pipelines: when would I use a callback step?")
    assert answer.found and answer.citations[0].term == PL


def test_an_initialism_from_voice_input_is_read_as_typed(answerer):
    """Voice input writes AWS as エーダブリューエス: one unknown katakana word, so a name the
    glossary lacks, and the question was refused."""
    question = "テンソルボードはエーダブリューエスのどのサービスと連携できますか"
    assert not answerer.retriever.analyze(question).unknown_names
    answer = answerer.ask(question)
    assert answer.found and answer.citations[0].term == TB


def test_a_long_follow_up_asking_nothing_of_its_own_is_about_the_conversation(answerer):
    """Alone it would be refused (no term, no specific word), so in a chat it asks about the
    conversation's term whatever its length; a long message with words of its own does not."""
    history = ["SageMaker Pipelinesってどういうときに使うの？"]
    answer = answerer.ask("なるほど。で、使うと具体的に何が嬉しいの？", history=history)
    assert answer.found and answer.citations[0].term == PL and answer.citations[0].section == "利点"
    assert not answerer.ask("なるほど。で、使うと具体的に何が嬉しいの？").found
    assert answerer.prepare("ありがとうございました。とても参考になりました。また質問させてください。", history).carried is None


def test_japanese_written_in_katakana_is_read_by_its_readings(answerer):
    """Telegram-style katakana (half-width on old terminals) is read as kana, not as loanwords;
    katakana keywords and ordinary mixed text are left alone."""
    assert katakana_sentence("テンソルボード ノ シュヨウキノウ ヲ オシエテクダサイ。")
    assert katakana_sentence("イベントブリッジ ノ リテン")
    assert not katakana_sentence("イベントブリッジ ルール ターゲット")
    assert not katakana_sentence("イベントブリッジのルールは？") and not katakana_sentence("ノ ハ")
    assert katakana_sentence("SAGEMAKER PIPELINES トハ ナニカ")  # a two-kana particle, a katakana ending
    for question, term, section in [("ｲﾍﾞﾝﾄﾌﾞﾘｯｼﾞ ﾉ ﾘﾃﾝ ﾊ ﾅﾝﾃﾞｽｶ｡", EB, "利点"),
                                     ("ﾃﾞﾊﾞｯｶﾞｰ ﾉ ｼｭﾅ ｷﾉｳ ｦ ｵｼｴﾃｸﾀﾞｻｲ｡", DBG, "主要機能")]:
        answer = answerer.ask(question)
        assert answer.found and (answer.citations[0].term, answer.citations[0].section) == (term, section)


def test_comparison_answers_both_sides_each_cited(answerer):
    answer = answerer.ask("DebuggerとTensorBoardの違いは？")
    terms = {c.term for c in answer.citations}
    assert answer.found and {DBG, TB} <= terms
    assert all(f"[{n}]" in answer.answer for n in range(1, len(answer.citations) + 1))


def test_pasted_choices_do_not_make_a_question_off_topic(answerer):
    q = ("A team trains a deep learning model. It performs well on the training data but poorly on the "
         "evaluation data. What is the most likely cause? A. Overfitting B. Data leakage C. Underfitting D. High bias")
    answer = answerer.ask(q)
    assert answer.found and answer.citations[0].term == OF


def test_choices_pick_the_best_supported_candidate(answerer):
    q = ("トレーニング中に勾配消失や過学習などの問題を自動で検出し、アラートを出したい。どのサービスが適切ですか？ "
         "A. Amazon EventBridge B. Amazon SageMaker Debugger C. Amazon SageMaker Pipelines D. Amazon Redshift")
    answer = answerer.ask(q)
    assert answer.found and answer.citations[0].term == DBG


def test_choices_naming_facts_lead_to_the_section_where_they_meet(answerer):
    """"Which is NOT …": three of the four options are bullets of one section, which explains them
    all; the fourth names nothing the glossary has. "Data augmentation" is matched by any bullet
    holding one of its words, and データ is in sections everywhere: it must not choose the section."""
    q = ("Which of the following is NOT a way to reduce overfitting?\nA) L2 regularization\nB) Dropout\n"
         "C) Increasing the number of layers and neurons\nD) Data augmentation")
    answer = answerer.ask(q)
    assert answer.found and (answer.citations[0].term, answer.citations[0].section) == (OF, "防止策と対策")
    # choices naming terms stay candidates each: the stem still picks the service
    q = ("デプロイ後のモデルドリフトを監視するサービスはどれですか？ A. SageMaker Debugger B. SageMaker Model Monitor "
         "C. TensorBoard D. SageMaker Pipelines")
    assert answerer.ask(q).citations[0].section == "AWSでの対策"
