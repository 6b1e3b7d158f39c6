"""Generator logic, capabilities.yaml, the reviewed bank, names and scoring without the model: a
character n-gram provider stands in for E5 so these run in seconds; tests/test_quiz_quality.py
repeats the important checks with the model."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from indexer.config import PROJECT_ROOT
from indexer.glossary import Term, load_glossary
from quiz.capabilities import CapabilitiesError, Kind, Support, load_capabilities
from quiz.generate import QuizGenerator, build_quiz, resolve_topics, resolve_types
from quiz.review import Review, Reviewed, Verdict, digest
from quiz.model import QUESTION_TYPES, NotEnoughQuestions, Question, QuizError
from quiz.names import MASK, giveaway, mask, names_any, term_aliases
from quiz.scoring import score
from quiz.similarity import CallableSimilarity, CharNgramSimilarity
from quiz.validate import Checker

KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(KNOWLEDGE)


@pytest.fixture(scope="module")
def gen(glossary):
    return QuizGenerator(glossary, CharNgramSimilarity(), knowledge_dir=KNOWLEDGE)


@pytest.fixture(scope="module")
def caps(gen):
    return gen.caps


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


# ------------------------------------------------------------------------------- capabilities.yaml

def test_every_glossary_term_has_a_kind_and_only_services_answer_which_service(glossary, caps, gen):
    assert {t.name for t in glossary.terms} <= set(caps.terms)
    assert caps.kind("過学習（overfitting）") is Kind.CONCEPT and caps.kind("TensorBoard") is Kind.TOOL
    answers = {o.text for q in gen.bank.values() if q.type.startswith("scenario") for o in q.options if o.correct}
    assert answers == {"Amazon SageMaker Debugger", "TensorBoard", "Amazon SageMaker Pipelines", "Amazon EventBridge"}


def _edited_table(tmp_path, old: str, new: str):
    text = (KNOWLEDGE / "capabilities.yaml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "capabilities.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_table_that_contradicts_the_glossary_is_reported_at_its_line(tmp_path, glossary):
    bad = _edited_table(tmp_path, "evidence: 主な特徴 › 自動問題検出", "evidence: 主な特徴 › 自動診断")
    line = next(i for i, l in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "自動診断" in l)
    with pytest.raises(CapabilitiesError, match=rf"capabilities.yaml:{line}: evidence '主な特徴 › 自動診断' is not a bullet"):
        load_capabilities(bad, glossary)
    unknown = _edited_table(tmp_path, "      AWS Lambda: {why: 1 回の実行", "      AWS Lamda: {why: 1 回の実行")
    with pytest.raises(CapabilitiesError, match="AWS Lamda is not listed under terms"):
        load_capabilities(unknown, glossary)
    broken = tmp_path / "capabilities.yaml"
    broken.write_text("terms: [oops\n", encoding="utf-8")
    with pytest.raises(CapabilitiesError, match=r"capabilities.yaml:\d+: not valid YAML"):
        load_capabilities(broken, glossary)


def test_a_second_service_that_has_it_withdraws_the_scenario(tmp_path, glossary, gen):
    """「exactly one service has it」: once the table says CloudWatch can do it too, the scenario and
    every pair built on it are no longer asked, whether CloudWatch would be offered or not."""
    asks = lambda g: {q.id for q in g.bank.values() if q.type.startswith("scenario") and "勾配が消失" in q.stem}  # noqa: E731
    assert asks(gen)
    path = _edited_table(tmp_path, "      Amazon CloudWatch: {why: ジョブが出力する数値メトリクスにアラームは",
                         "    has2: {}\n    x: {}\n      Amazon CloudWatch: {why: ジョブが出力する数値メトリクスにアラームは")
    text = path.read_text(encoding="utf-8").replace("    has2: {}\n    x: {}\n      Amazon CloudWatch: {why: ジョブが出力する数値メトリクスにアラームは設定できるが",
                                                    "      Amazon CloudWatch: {why: ジョブが出力する数値メトリクスにアラームは設定できるが")
    # move CloudWatch from partly to has for builtin-rules
    block_start = text.index("  - id: builtin-rules")
    block_end = text.index("  - id: stop-on-issue")
    block = text[block_start:block_end]
    cw = next(l for l in block.splitlines() if l.startswith("      Amazon CloudWatch:"))
    block = block.replace(cw + "\n", "").replace("    has:\n", "    has:\n      Amazon CloudWatch: {source: test}\n", 1)
    path.write_text(text[:block_start] + block + text[block_end:], encoding="utf-8")
    other = QuizGenerator(glossary, CharNgramSimilarity(), capabilities=load_capabilities(path, glossary))
    assert not asks(other)


def test_partly_is_never_a_right_or_wrong_statement(gen, caps):
    for q in gen.bank.values():
        if q.type not in ("term_statement", "select_two", "not_statement") or caps.kind(q.topic) is Kind.CONCEPT:
            continue
        for o in q.options:
            cap = next(c for c in caps.capabilities if c.claim == o.text)
            fact = cap.support_of(q.topic)
            says_true = o.correct != (q.type == "not_statement")
            assert fact.support is (Support.HAS if says_true else Support.LACKS), (q.id, o.text)
            if says_true:
                assert fact.evidence is not None and fact.evidence.display in q.explanation


def test_wrong_statements_come_from_the_services_own_or_neighbour_area(gen, caps):
    """An option from a visibly different vocabulary (an event bus feature about TensorBoard) is
    spotted without knowledge."""
    for q in gen.bank.values():
        if q.type not in ("term_statement", "select_two", "not_statement") or caps.kind(q.topic) is Kind.CONCEPT:
            continue
        area = caps.area(q.topic)
        for o in q.options:
            cap = next(c for c in caps.capabilities if c.claim == o.text)
            assert cap.area == area or cap.area in caps.neighbour_areas.get(area, ()), (q.id, o.text)


def test_scenarios_state_situation_constraint_and_never_name_the_answer(gen, caps):
    qs = [q for q in gen.bank.values() if q.type in ("scenario_service", "scenario_pair")]
    assert len(qs) >= 20
    for q in qs:
        right = [o for o in q.options if o.correct]
        assert len(right) == (2 if q.type == "scenario_pair" else 1) == q.n_correct
        for o in q.options:
            assert not names_any(q.stem, gen.names_of(o.text)), (q.id, o.text)
        for o in right:
            assert o.label and o.label not in q.stem  # the glossary's label never in the stem
            assert f"「{o.label}: " in q.explanation  # the key quoted from the glossary
        for o in q.options:
            if not o.correct:
                assert o.why.startswith("誤り: ") and len(o.why) > 10  # a reason in plain words
        assert "capabilities.yaml" not in q.explanation + "".join(o.why for o in q.options)  # learners can't open it
        reasons = [line for line in q.explanation.splitlines() if line]
        assert len(reasons) == len(set(reasons))  # no sentence said twice
        if q.type == "scenario_pair":
            assert len({o.text for o in right}) == 2 and "2つ選んで" in q.stem


def test_a_stem_that_identifies_the_key_among_the_options_is_a_giveaway():
    wrong = ["Amazon EventBridge", "AWS Step Functions", "Amazon SNS"]
    key = ("Amazon SageMaker Pipelines",)
    # A product-family word only the key carries among the options, and a katakana name fragment.
    assert giveaway("一連の処理を SageMaker の機能として定義したい。", key, wrong) == "sagemaker"
    assert giveaway("再トレーニングするパイプラインを自動的に起動したい。", key, wrong) == "パイプライン"
    assert giveaway("TensorFlow の可視化ツールキットで見たい。", ("TensorBoard",), wrong) is not None
    # A family word a wrong option shares decides nothing; vendor words never do.
    assert giveaway("SageMaker で学習している。", key, ["Amazon SageMaker Experiments", *wrong[1:]]) is None
    assert giveaway("Amazon S3 に置かれたら AWS 上で起動したい。", key, wrong) is None


def test_no_scenario_stem_tells_the_key_from_the_offered_wrong_options(gen):
    for q in gen.bank.values():
        if q.type in ("scenario_service", "scenario_pair"):
            keys = [o.text for o in q.options if o.correct]
            assert giveaway(q.stem, keys, [o.text for o in q.options if not o.correct]) is None, q.stem


def test_concepts_get_diagnosis_questions_never_service_templates(gen, caps):
    qs = [q for q in gen.bank.values() if q.topic == "過学習（overfitting）"]
    assert {q.type for q in qs} == {"term_statement", "select_two", "not_statement"}
    assert not any(w in q.stem for q in qs for w in ("ユースケース", "利点", "サービスまたはツール"))
    cases = caps.concepts["過学習（overfitting）"].cases
    from_numbers = [q for q in qs if any(c.observation in q.stem for c in cases)]
    assert any("99 %" in q.stem and "2つ選んで" in q.stem for q in from_numbers)  # 訓練 99 % / 検証 70 %: pick two remedies
    for q in from_numbers:
        assert not names_any(q.stem, gen.aliases[q.topic])  # the diagnosis is the learner's job
    excluded = {"クロスバリデーション", "Amazon SageMaker Clarify", "複雑なモデル構造"}
    for q in qs:
        for o in q.options:
            assert o.label not in excluded, (q.id, o.text)


def test_a_new_glossary_term_without_a_table_entry_gets_the_conservative_type(tmp_path):
    text = (KNOWLEDGE / "aws_ml_glossary.ja.md").read_text(encoding="utf-8")
    text += ("\n## Amazon SageMaker Feature Store\n\nAmazon SageMaker Feature Storeは、機械学習の特徴量を保存・共有・"
             "再利用するためのフルマネージドなリポジトリです。\n\n### 主な特徴\n\n- **オンラインストア**: 低レイテンシでの特徴量の取得\n")
    (tmp_path / "g.md").write_text(text, encoding="utf-8")
    g = load_glossary(tmp_path)
    other = QuizGenerator(g, CharNgramSimilarity(), capabilities=load_capabilities(KNOWLEDGE / "capabilities.yaml", g))
    new = [q for q in other.bank.values() if q.topic == "Amazon SageMaker Feature Store"]
    assert new and {q.type for q in new} == {"definition_term"}
    assert not names_any(new[0].stem, other.aliases["Amazon SageMaker Feature Store"])
    assert other.build(30, seed=1) and Checker(tmp_path, other.sim, other.near).run(new).ok
    # The other terms keep their table-backed questions.
    assert {q.type for q in other.bank.values()} >= {"scenario_service", "scenario_pair", "select_two"}


# ------------------------------------------------------------------------------- the bank

def test_every_question_is_valid_and_carries_its_evidence(gen):
    report = Checker(KNOWLEDGE, gen.sim, gen.near).run(gen.bank.values())
    assert report.ok, report.text()
    for q in gen.bank.values():
        assert f"{q.source.file}:{q.source.line}" in q.explanation
        for o in q.options:
            assert o.term and o.section and o.line > 0 and o.why.strip()
            # A glossary fact is cited by file:line; a table row by a reason in plain words.
            assert o.file.endswith("capabilities.yaml") or f"{o.file}:{o.line}" in o.why
            assert "capabilities.yaml" not in o.why


def test_checker_catches_planted_faults(gen, caps):
    from dataclasses import replace

    checker = Checker(KNOWLEDGE, gen.sim, gen.near)
    q = next(q for q in gen.bank.values() if q.type == "term_statement" and q.topic == "TensorBoard")
    # 1. a partly row offered as false (TensorBoard only partly detects problems: not a clean lie)
    cap = next(c for c in caps.capabilities if c.id == "builtin-rules")
    fact = cap.support_of("TensorBoard")
    partly = replace(q.options[-1], text=cap.claim, line=fact.line, why="誤り: 問題を検出しない")
    wrong_idx = next(i for i, o in enumerate(q.options) if not o.correct)
    planted = replace(q, options=tuple(partly if i == wrong_idx else o for i, o in enumerate(q.options)))
    assert any("not its `lacks` row" in p for p in checker.check(planted))
    # 2. a scenario offering a service that also has the capability
    s = next(q for q in gen.bank.values() if q.type == "scenario_service" and "勾配が消失" in q.stem)
    other = next(c for c in caps.capabilities if c.id == "live-scalars").support_of("Amazon CloudWatch")
    bad = replace(next(o for o in s.options if not o.correct), text="TensorBoard", line=other.line)
    assert any("does not cite its row" in p or "not listed" in p
               for p in checker.check(replace(s, options=tuple(bad if not o.correct and o.text != "TensorBoard" and i == 0 else o
                                                             for i, o in enumerate(sorted(s.options, key=lambda o: o.correct))))))
    # 3. the answer named in the stem
    assert any("names the option" in p for p in checker.check(replace(s, stem=s.stem + "（Debugger）")))
    # 4. two right options in a single-answer question
    two = tuple(replace(o, correct=True) if i < 2 else o for i, o in enumerate(q.options))
    assert any("right options" in p for p in checker.check(replace(q, options=two)))


def test_ids_are_stable_and_unique(glossary, gen):
    again = QuizGenerator(glossary, CharNgramSimilarity(), knowledge_dir=KNOWLEDGE)
    assert list(again.bank) == list(gen.bank)
    assert all(re.fullmatch(r"[a-z_]+:[0-9a-f]{12}", i) for i in gen.bank)
    assert all(q.id.split(":")[0] == q.type for q in gen.bank.values())


def test_ids_survive_edits_elsewhere(glossary, gen, tmp_path):
    """Adding a bullet shifts later line numbers; questions keep their ids and cite the new lines."""
    text = (KNOWLEDGE / "aws_ml_glossary.ja.md").read_text(encoding="utf-8")
    edited = text.replace("### 主な特徴\n\n", "### 主な特徴\n\n- **汎化ギャップ**: 訓練誤差と汎化誤差の差が大きい状態\n", 1)
    (tmp_path / "g.md").write_text(edited, encoding="utf-8")
    g = load_glossary(tmp_path)
    other = QuizGenerator(g, CharNgramSimilarity(), capabilities=load_capabilities(KNOWLEDGE / "capabilities.yaml", g))
    kept = [i for i, q in gen.bank.items() if q.topic == "Amazon EventBridge"]
    assert kept and all(i in other.bank for i in kept)
    assert other.bank[kept[0]].source.line == gen.bank[kept[0]].source.line + 1


def test_flawed_questions_never_reach_a_learner(glossary, gen):
    victim = next(q for q in gen.bank.values() if q.type == "scenario_service")
    review = Review(items={victim.id: Reviewed(victim.id, Verdict.FLAWED, "test")})
    other = QuizGenerator(glossary, CharNgramSimilarity(), capabilities=gen.caps, review=review)
    assert victim.id in other.bank and victim.id in other.blocked
    drawn = {q.id for seed in range(30) for q in other.build(20, seed=seed)}
    assert victim.id not in drawn and victim.id in {q.id for seed in range(30) for q in gen.build(20, seed=seed)}
    assert other.questions([victim.id]) == [] and other.count() == gen.count() - 1


def test_a_verdict_goes_stale_when_the_question_changes(gen):
    from dataclasses import replace

    q = next(iter(gen.bank.values()))
    review = Review(items={q.id: Reviewed(q.id, Verdict.GOOD, "ok", digest(q))})
    assert review.counts([q])[q.type]["good"] == 1
    assert review.counts([replace(q, stem=q.stem + "？")])[q.type]["unreviewed"] == 1


# ------------------------------------------------------------------------------- quizzes

def test_default_quiz_of_20_covers_every_topic(gen, glossary):
    for seed in range(5):
        qs = gen.build(20, seed=seed)
        assert len(qs) == 20 and len({q.id for q in qs}) == 20
        assert {q.topic for q in qs} == set(glossary.term_names)
        assert {q.type for q in qs} == set(QUESTION_TYPES) - {"definition_term"}
        topics = Counter(q.topic for q in qs)
        assert max(topics.values()) - min(topics.values()) <= 2, topics


def test_exam_draw_is_balanced_over_topics(gen, glossary):
    qs = gen.draw_exam(15, seed=9)
    assert len(qs) == 15 and len({q.id for q in qs}) == 15
    assert set(Counter(q.topic for q in qs).values()) == {3}
    assert [q.id for q in gen.draw_exam(15, seed=9)] == [q.id for q in qs]


def test_same_seed_same_quiz_other_seed_other_quiz(gen):
    a, b, c = gen.build(10, seed=1), gen.build(10, seed=1), gen.build(10, seed=2)
    assert [q.to_dict() for q in a] == [q.to_dict() for q in b]
    assert [q.id for q in a] != [q.id for q in c]


def test_filters(gen):
    topics, types = ["tensorboard", "ＥｖｅｎｔＢｒｉｄｇｅ"], ["select-two", "誤っているもの"]
    qs = gen.build(gen.count(topics, types), topics=topics, types=types, seed=3)
    assert {q.topic for q in qs} == {"TensorBoard", "Amazon EventBridge"}
    assert {q.type for q in qs} == {"select_two", "not_statement"}


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_bad_n(gen, n):
    with pytest.raises(QuizError, match="positive integer"):
        gen.build(n)


def test_unknown_topic_and_type_list_the_valid_ones(gen, glossary):
    with pytest.raises(QuizError, match="Valid topics: 過学習（overfitting）, Amazon SageMaker Debugger"):
        resolve_topics(glossary, ["Lambda"])
    with pytest.raises(QuizError, match=r"Valid types: scenario_service \(シナリオ→サービス\)"):
        resolve_types(["essay"])


def test_more_questions_than_available(gen):
    available = gen.count(["過学習"], ["select_two"])
    with pytest.raises(NotEnoughQuestions, match=f"only {available} questions") as e:
        gen.build(available + 1, topics=["過学習"], types=["select_two"])
    assert e.value.available == available
    assert len(gen.build(available + 1, topics=["過学習"], types=["select_two"], allow_fewer=True)) == available
    with pytest.raises(NotEnoughQuestions, match="no questions"):
        gen.build(1, topics=["過学習"], types=["scenario_service"])


def test_build_quiz_accepts_glossary_or_resources(glossary):
    """Without a knowledge folder (a bare Glossary) only the conservative questions exist."""
    sim = CharNgramSimilarity()
    qs = build_quiz(glossary, 5, seed=1, similarity=sim)
    assert len(qs) == 5 and {q.type for q in qs} == {"definition_term"}
    with pytest.raises(TypeError):
        build_quiz(glossary, 5)

    class FakeResources:  # what indexer.loader.Resources offers the quiz
        def __init__(self):
            self.glossary = glossary
            self.config = type("C", (), {"knowledge_dir": KNOWLEDGE, "aliases_file": KNOWLEDGE / "aliases.yaml"})()

        def embed_passages(self, texts):
            return sim.vectors(texts)

    full = build_quiz(FakeResources(), 10, seed=1)
    assert len(full) == 10 and "scenario_service" in {q.type for q in full}


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
    for q in gen.bank.values():
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


def test_distractor_order_is_a_stable_sort_read_only_as_far_as_needed():
    """The partial sort gives exactly the order a stable sort of all scores gives, ties included."""
    import numpy as np

    from quiz.definition import _by_score

    rng = np.random.default_rng(0)
    for n in (5, 64, 65, 300):
        for ties in (False, True):
            scores = rng.integers(0, 12, n).astype(float) if ties else rng.random(n)
            assert [int(i) for i in _by_score(scores)] == [int(i) for i in np.argsort(-scores, kind="stable")]
