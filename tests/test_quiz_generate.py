"""Generator logic, names and scoring without the model: a character n-gram provider stands in for
E5 so these run in seconds; tests/test_quiz_quality.py repeats the important checks with the model."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from indexer.config import PROJECT_ROOT
from indexer.glossary import Term, load_glossary
from quiz.generate import QuizGenerator, build_quiz, is_service, resolve_topics, resolve_types
from quiz.model import QUESTION_TYPES, NotEnoughQuestions, Question, QuizError
from quiz.names import MASK, labels_overlap, mask, names_any, section_kind, term_aliases
from quiz.scoring import score
from quiz.similarity import CallableSimilarity, CharNgramSimilarity
from quiz.validate import Checker

KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(KNOWLEDGE)


@pytest.fixture(scope="module")
def gen(glossary):
    return QuizGenerator(glossary, CharNgramSimilarity())


def _term(glossary, name) -> Term:
    """By any alias ('Debugger'), which Glossary.term does not know."""
    full = resolve_topics(glossary, [name])[0]
    return next(t for t in glossary.terms if t.name == full)


# ------------------------------------------------------------------------------- names and masks

def test_aliases_include_partial_and_both_halves(glossary):
    assert set(term_aliases(_term(glossary, "Debugger"))) == {"Amazon SageMaker Debugger", "SageMaker Debugger", "Debugger"}
    assert {"過学習", "overfitting"} <= set(term_aliases(_term(glossary, "過学習")))
    assert "SageMaker" not in term_aliases(_term(glossary, "Pipelines"))  # shared by several terms
    assert term_aliases(_term(glossary, "Debugger"))[0] == "Amazon SageMaker Debugger"  # longest first


def test_mask_hides_every_form_case_and_width_insensitively(glossary):
    names = term_aliases(_term(glossary, "Debugger"))
    out = mask("Amazon SageMaker Debuggerは… SageMaker  Debugger と ｄｅｂｕｇｇｅｒ と Debugger。", names)
    assert not names_any(out, names)
    assert out.count(MASK) == 4
    out = mask("過学習（overfitting）とは過学習、overfittingのこと", term_aliases(_term(glossary, "過学習")))
    assert not names_any(out, ["過学習", "overfitting"]) and MASK in out


def test_aliases_yaml_names_are_masked_and_resolve_topics(tmp_path, glossary):
    """A stem that says イベントブリッジ gives Amazon EventBridge away as much as 'EventBridge'."""
    from quiz.generate import load_extra_aliases

    text = (KNOWLEDGE / "aws_ml_glossary.ja.md").read_text(encoding="utf-8")
    text = text.replace("Amazon EventBridgeは、AWSのサーバーレスイベントバスサービスで、",
                        "Amazon EventBridge（イベントブリッジ、旧 CloudWatch Events）は、AWSのサーバーレスイベントバスサービスで、")
    (tmp_path / "g.md").write_text(text, encoding="utf-8")
    g = load_glossary(tmp_path)
    extra = load_extra_aliases(PROJECT_ROOT / "knowledge" / "aliases.yaml", g)
    assert "イベントブリッジ" in extra["Amazon EventBridge"]
    gen = QuizGenerator(g, CharNgramSimilarity(), extra_aliases=extra)
    intro_q = next(q for q in gen.bank.values() if q.type == "definition_term" and q.topic == "Amazon EventBridge"
                   and q.source.section == "概要")
    assert "イベントブリッジ" not in intro_q.stem and "CloudWatch Events" not in intro_q.stem
    assert Checker(tmp_path, gen.sim, gen.near, extra).run(gen.bank.values()).ok
    assert resolve_topics(g, ["イベントブリッジ", "デバッガー"], extra) == ["Amazon EventBridge", "Amazon SageMaker Debugger"]
    with pytest.raises(QuizError):
        resolve_topics(g, ["イベントブリッジ"])  # without aliases.yaml it is unknown
    assert load_extra_aliases(tmp_path / "missing.yaml", g)["Amazon EventBridge"]  # the glossary's own names still
    bad = tmp_path / "bad.yaml"
    bad.write_text("terms: [oops", encoding="utf-8")
    assert "イベントブリッジ" not in load_extra_aliases(bad, g).get("Amazon EventBridge", ())  # degrades, no crash


def test_labels_overlap_catches_shared_features():
    assert labels_overlap("プロファイリング", "プロファイリング")
    assert labels_overlap("フレームワーク互換性", "ﾌﾚｰﾑﾜｰｸ互換性")  # NFKC
    assert labels_overlap("リアルタイムモニタリング", "リアルタイム更新")
    assert labels_overlap("交差検証", "クロスバリデーション")  # synonyms
    assert labels_overlap("チーム協業", "コラボレーション")
    assert not labels_overlap("イベントバス", "カスタムルール")


def test_section_kinds_group_comparable_sections():
    assert section_kind("一般的なユースケース") == section_kind("機械学習での一般的なユースケース") == "usecase"
    assert section_kind("主な特徴") == section_kind("主要機能") == section_kind("ターゲットタイプ") == "feature"
    assert section_kind("AWSとの統合") == section_kind("機械学習との統合") == "integration"
    assert section_kind("防止策と対策") == section_kind("AWSでの対策") == "countermeasure"
    assert section_kind("検出方法") == "detection"
    assert section_kind("基本概念") == "concept"


def test_only_services_answer_which_service(glossary):
    services = {t.name for t in glossary.terms if is_service(t)}
    assert "過学習（overfitting）" not in services
    assert {"Amazon SageMaker Debugger", "TensorBoard", "Amazon SageMaker Pipelines", "Amazon EventBridge"} == services


# ------------------------------------------------------------------------------- the bank

def test_every_type_is_generated_and_valid(gen):
    yields = gen.yield_per_type()
    assert set(yields) == set(QUESTION_TYPES) and all(v > 0 for v in yields.values()), yields
    report = Checker(KNOWLEDGE, gen.sim, gen.near).run(gen.bank.values())
    assert report.ok, report.text()


def test_definition_stems_mask_the_term_and_options_are_names(gen, glossary):
    names = set(glossary.term_names)
    qs = [q for q in gen.bank.values() if q.type == "definition_term"]
    assert {q.topic for q in qs} == names
    for q in qs:
        assert MASK in q.stem or "基本概念" in q.stem
        assert {o.text for o in q.options} <= names
        assert not names_any(q.stem, term_aliases(_term(glossary, q.topic)))


def test_scenarios_never_answer_with_a_concept(gen):
    qs = [q for q in gen.bank.values() if q.type == "scenario_service"]
    assert qs
    for q in qs:
        assert q.topic != "過学習（overfitting）"
        assert all(o.text != "過学習（overfitting）" for o in q.options)
        assert q.stem.startswith("あるチームは") and q.stem.endswith("どのサービスまたはツールを使うべきですか？")


def test_select_two_has_two_of_five(gen):
    for q in (q for q in gen.bank.values() if q.type == "select_two"):
        assert len(q.options) == 5 and sum(o.correct for o in q.options) == 2 == q.n_correct
        assert "2つ選択してください" in q.stem


def test_not_question_three_true_one_odd(gen):
    for q in (q for q in gen.bank.values() if q.type == "not_statement"):
        assert "当てはまらないもの" in q.stem
        asked = re.search(r"「(.+?)」", q.stem).group(1)
        odd = [o for o in q.options if o.correct]
        assert len(odd) == 1 and (odd[0].term, odd[0].section) != (q.topic, asked)
        assert all((o.term, o.section) == (q.topic, asked) for o in q.options if not o.correct)


def test_concept_distractors_come_from_its_other_sections(gen):
    """過学習's wrong options are its own entries of another kind (a countermeasure offered as a
    detection method), never a tool feature that might detect overfitting after all."""
    qs = [q for q in gen.bank.values() if q.topic == "過学習（overfitting）" and q.type in ("term_statement", "select_two")]
    assert qs
    for q in qs:
        asked = re.search(r"「(.+?)」", q.stem).group(1)
        for o in q.options:
            if not o.correct:
                assert o.term == q.topic and o.section != asked
                assert {asked, o.section} != {"防止策と対策", "AWSでの対策"}  # both are countermeasures


def test_shared_features_are_never_distractors(gen):
    """プロファイリング and フレームワーク互換性 are both Debugger's and TensorBoard's: offering one
    term's as a wrong answer about the other would teach something false."""
    for q in gen.bank.values():
        if q.type not in ("term_statement", "select_two"):
            continue
        topic_labels = {e.label for s in _term(gen.glossary, q.topic).sections for e in s.entries}
        for o in q.options:
            if not o.correct and o.term != q.topic:
                assert o.label not in topic_labels, (q.id, o.text)


def test_every_option_carries_its_evidence(gen):
    for q in gen.bank.values():
        assert q.source.file and q.source.line > 0 and q.explanation
        assert f"{q.source.file}:{q.source.line}" in q.explanation
        for o in q.options:
            assert o.term and o.section and o.line > 0 and f"{o.file}:{o.line}" in o.why


def test_ids_are_stable_and_unique(glossary, gen):
    again = QuizGenerator(glossary, CharNgramSimilarity())
    assert list(again.bank) == list(gen.bank)
    assert all(re.fullmatch(r"[a-z_]+:[0-9a-f]{12}", i) for i in gen.bank)
    assert all(q.id.split(":")[0] == q.type for q in gen.bank.values())


def test_ids_survive_edits_elsewhere(glossary, gen, tmp_path):
    """Adding a bullet shifts every later line number; questions about untouched entries keep their ids."""
    text = (KNOWLEDGE / "aws_ml_glossary.ja.md").read_text(encoding="utf-8")
    edited = text.replace("### 主な特徴\n\n", "### 主な特徴\n\n- **汎化ギャップ**: 訓練誤差と汎化誤差の差が大きい状態\n", 1)
    assert edited != text
    (tmp_path / "g.md").write_text(edited, encoding="utf-8")
    other = QuizGenerator(load_glossary(tmp_path), CharNgramSimilarity())
    kept = [i for i, q in gen.bank.items() if q.type == "label_description" and q.topic == "Amazon EventBridge"]
    assert kept and all(i in other.bank for i in kept)
    assert other.bank[kept[0]].source.line == gen.bank[kept[0]].source.line + 1


# ------------------------------------------------------------------------------- quizzes

def test_default_quiz_of_20_covers_every_topic_and_type(gen, glossary):
    for seed in range(5):
        qs = gen.build(20, seed=seed)
        assert len(qs) == 20 and len({q.id for q in qs}) == 20
        assert {q.topic for q in qs} == set(glossary.term_names)
        assert {q.type for q in qs} == set(QUESTION_TYPES)
        topics = Counter(q.topic for q in qs)
        assert max(topics.values()) - min(topics.values()) <= 2, topics


def test_same_seed_same_quiz_other_seed_other_quiz(gen):
    a, b, c = gen.build(10, seed=1), gen.build(10, seed=1), gen.build(10, seed=2)
    assert [q.to_dict() for q in a] == [q.to_dict() for q in b]
    assert [q.id for q in a] != [q.id for q in c]


def test_filters(gen):
    qs = gen.build(8, topics=["debugger", "ＥｖｅｎｔＢｒｉｄｇｅ"], types=["select-two", "当てはまらないもの"], seed=3)
    assert {q.topic for q in qs} == {"Amazon SageMaker Debugger", "Amazon EventBridge"}
    assert {q.type for q in qs} == {"select_two", "not_statement"}


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_bad_n(gen, n):
    with pytest.raises(QuizError, match="positive integer"):
        gen.build(n)


def test_unknown_topic_and_type_list_the_valid_ones(gen, glossary):
    with pytest.raises(QuizError, match="Valid topics: 過学習（overfitting）, Amazon SageMaker Debugger"):
        resolve_topics(glossary, ["Lambda"])
    with pytest.raises(QuizError, match=r"Valid types: definition_term \(定義→用語\)"):
        resolve_types(["essay"])


def test_more_questions_than_available(gen):
    available = gen.count(["過学習"], ["definition_term"])
    with pytest.raises(NotEnoughQuestions, match=f"only {available} questions") as e:
        gen.build(available + 1, topics=["過学習"], types=["definition_term"])
    assert e.value.available == available
    assert len(gen.build(available + 1, topics=["過学習"], types=["definition_term"], allow_fewer=True)) == available
    with pytest.raises(NotEnoughQuestions, match="no questions"):
        gen.build(1, topics=["過学習"], types=["scenario_service"])


def test_build_quiz_accepts_glossary_or_resources(glossary):
    sim = CharNgramSimilarity()
    qs = build_quiz(glossary, 5, seed=1, similarity=sim)
    assert len(qs) == 5 and all(isinstance(q, Question) for q in qs)
    with pytest.raises(TypeError):
        build_quiz(glossary, 5)

    class FakeResources:  # what indexer.loader.Resources offers the quiz
        def __init__(self):
            self.glossary = glossary

        def embed_passages(self, texts):
            return sim.vectors(texts)

    assert [q.id for q in build_quiz(FakeResources(), 5, seed=1)] == [q.id for q in qs]


def test_callable_similarity_memoises():
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return CharNgramSimilarity().vectors(texts)

    sim = CallableSimilarity(embed)
    sim.vectors(["a", "b"])
    sim.vectors(["b", "a", "c"])
    assert calls == [["a", "b"], ["c"]]


def test_question_round_trips_through_dict(gen):
    q = next(iter(gen.bank.values()))
    assert Question.from_dict(q.to_dict()) == q


# ------------------------------------------------------------------------------- scoring

def test_scoring_all_or_nothing(gen):
    qs = gen.build(6, types=["select_two", "term_statement"], seed=5)
    two = next(q for q in qs if q.type == "select_two")
    one = next(q for q in qs if q.type == "term_statement")
    right2 = sorted(two.correct_indices)
    wrong1 = next(i for i in range(len(one.options)) if i not in one.correct_indices)
    answers = {two.id: {right2[0]}, one.id: {wrong1}}
    res = score([two, one], answers)
    assert [r.is_correct for r in res.results] == [False, False]
    res = score([two, one], {two.id: set(right2), one.id: set(one.correct_indices)})
    assert res.n_right == 2 and res.accuracy == 1.0
    wrong2 = next(i for i in range(5) if i not in two.correct_indices)
    assert not score([two], {two.id: {*right2, wrong2}}).results[0].is_correct  # three chosen
    res = score([two, one], {})
    assert res.n_right == 0 and not any(r.answered for r in res.results)
    assert res.per_topic[two.topic][1] >= 1
    with pytest.raises(ValueError, match="out of range"):
        score([one], {one.id: {7}})
