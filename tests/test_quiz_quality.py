"""The quality gate, with the real model: every generated question is checked by the independent
checker (quiz/validate.py), quizzes are reproducible and balanced, known traps stay closed, and an
edit to the glossary shows up in the next quiz."""
from __future__ import annotations

import re

import pytest

from indexer.glossary import load_glossary
from quiz.generate import QuizGenerator, build_quiz, load_extra_aliases
from quiz.model import NAME_OPTION_TYPES, QUESTION_TYPES
from quiz.validate import Checker

SEEDS = range(1, 7)  # 6 quizzes × 20 = 120 questions


@pytest.fixture(scope="module")
def embed(embedder, shared_cache, project_config, tmp_path_factory):
    """Passage vectors through the session's embedding cache, as the CLI gets them (open_resources
    without an index: the quiz does not need FAISS)."""
    from indexer.loader import open_resources

    config = project_config.with_paths(cache_file=shared_cache, index_dir=tmp_path_factory.mktemp("q") / "no-index")
    return open_resources(config, embedder=embedder, require_index=False).embed_passages


@pytest.fixture(scope="module")
def knowledge(project_config):
    return project_config.knowledge_dir


@pytest.fixture(scope="module")
def gen(knowledge, embed, project_config):
    glossary = load_glossary(knowledge)
    return QuizGenerator(glossary, embed, extra_aliases=load_extra_aliases(project_config.aliases_file, glossary))


@pytest.fixture(scope="module")
def checker(knowledge, gen):
    return Checker(knowledge, gen.sim, gen.near, gen.extra_aliases)


@pytest.fixture(scope="module")
def bank_report(gen, checker):
    return checker.run(gen.bank.values())


def test_checker_passes_quizzes_of_120_questions(gen, checker):
    questions = [q for seed in SEEDS for q in gen.build(20, seed=seed)]
    report = checker.run(questions)
    print("\n" + report.text())
    assert report.checked >= 100
    assert report.ok, report.text()
    assert set(report.per_type) == set(QUESTION_TYPES)


def test_checker_passes_the_whole_bank(gen, bank_report):
    """Every question the glossary yields, not just a sample; also the yield per type."""
    print("\nyield per type:", gen.yield_per_type())
    assert bank_report.ok, bank_report.text()
    assert all(n >= 5 for n in gen.yield_per_type().values())


def test_right_answer_is_not_simply_the_longest(bank_report):
    report = bank_report
    for qtype in QUESTION_TYPES:
        if qtype in NAME_OPTION_TYPES:
            continue  # options are fixed names
        rate, chance = report.longest_rate(qtype)
        assert rate <= chance + 0.10, f"{qtype}: right answer longest {rate:.0%} (chance {chance:.0%})"


def test_checker_catches_planted_faults(gen, checker):
    """The checker is only worth something if it fails bad questions."""
    from dataclasses import replace

    q = next(q for q in gen.bank.values() if q.type == "term_statement" and q.topic == "TensorBoard")
    # 1. a distractor that is true of the topic: Debugger's プロファイリング offered about TensorBoard
    prof = next(i for i in gen.items if i.term.name == "Amazon SageMaker Debugger" and i.label == "プロファイリング")
    bad = gen._opt_item(prof, False, f"誤り（{prof.loc}）")
    planted = replace(q, options=(q.options[0], q.options[1], q.options[2], bad))
    assert any("true of the topic" in p for p in checker.check(planted))
    # 2. an option that does not stand where it claims
    moved = replace(q.options[1], line=q.options[1].line + 1)
    assert any("does not stand" in p for p in checker.check(replace(q, options=(q.options[0], moved, *q.options[2:]))))
    # 3. a name in the stem of a name question
    d = next(q for q in gen.bank.values() if q.type == "definition_term" and q.topic == "Amazon SageMaker Debugger")
    assert any("names the answer" in p for p in checker.check(replace(d, stem=d.stem + "（Debugger）")))
    # 4. two right options in a single-answer question
    two = tuple(replace(o, correct=True) if i < 2 else o for i, o in enumerate(q.options))
    assert any("right options" in p for p in checker.check(replace(q, options=two)))


def test_default_quiz_of_20_covers_all_terms_and_types(gen):
    for seed in (1, 2, 3):
        qs = build_quiz(gen.glossary, 20, seed=seed, similarity=gen.sim)
        assert {q.topic for q in qs} == set(gen.glossary.term_names)
        assert {q.type for q in qs} == set(QUESTION_TYPES)


def test_reproducible_by_seed_and_different_across_seeds(gen, embed):
    a = [q.to_dict() for q in build_quiz(gen.glossary, 15, seed=7, similarity=gen.sim)]
    b = [q.to_dict() for q in QuizGenerator(gen.glossary, embed).build(15, seed=7)]  # a fresh generator too
    c = [q.to_dict() for q in build_quiz(gen.glossary, 15, seed=8, similarity=gen.sim)]
    assert a == b and a != c
    assert [q["id"] for q in a] != [q["id"] for q in c]


def test_known_traps_stay_closed(gen):
    """Debugger and TensorBoard share プロファイリング, フレームワーク互換性, real-time monitoring and
    visualisation features: none of them may be a wrong answer about the other."""
    shared = {"プロファイリング", "フレームワーク互換性", "リアルタイムモニタリング", "リアルタイム更新",
              "テンソル可視化", "可視化ツール", "分布可視化", "多様な可視化", "スカラー可視化"}
    pair = {"Amazon SageMaker Debugger", "TensorBoard"}
    for q in gen.bank.values():
        if q.topic not in pair or q.type not in ("term_statement", "select_two", "not_statement"):
            continue
        for o in q.options:
            offered_as_false = o.correct if q.type == "not_statement" else not o.correct
            if offered_as_false and o.term in pair - {q.topic}:
                assert o.label not in shared, (q.id, q.stem, o.text)
    # 過学習 is a concept: never the answer (or an option) of a 'which service' question.
    for q in gen.bank.values():
        if q.type == "scenario_service":
            assert all(o.text != "過学習（overfitting）" for o in q.options)


def test_operating_model_claims_are_never_false_statements_about_a_service(gen):
    """EventBridge's サーバーレス / スケーラビリティ / コスト効率 are true of SageMaker Pipelines too in
    the real world: offering them as wrong statements about another service would teach a falsehood."""
    from quiz.generate import is_service

    claims = ("サーバーレス", "スケーラビリティ", "信頼性", "コスト効率", "運用オーバーヘッド")
    seen = 0
    for q in gen.bank.values():
        if q.type not in ("term_statement", "select_two", "not_statement"):  # claims about the topic
            continue
        if not is_service(gen.glossary.term(q.topic)):
            continue
        for o in q.options:
            offered_as_false = o.correct if q.type == "not_statement" else not o.correct
            if o.term != q.topic and offered_as_false:
                assert not any(c in (o.label or "") for c in claims), (q.id, q.stem, o.text)
            seen += any(c in (o.label or "") for c in claims)
    assert seen, "the claims still appear where they are true (questions about their own term)"


def test_a_glossary_edit_shows_up_in_the_next_quiz(workspace, embed, gen):
    path = workspace.knowledge_dir / "aws_ml_glossary.ja.md"
    text = path.read_text(encoding="utf-8")
    old = "- **イベントパターンマッチング**: 特定のパターンに一致するイベントのフィルタリング"
    new = "- **イベントパターンマッチング**: イベントの内容に基づいてルールの対象を絞り込む機能"
    added = "- **アーカイブと再生**: 過去のイベントを保存し、後から再送信できる機能"
    assert old in text
    text = text.replace(old, new + "\n" + added)
    path.write_text(text, encoding="utf-8")

    before = gen
    after = QuizGenerator(load_glossary(workspace.knowledge_dir), embed)
    sources = lambda g: {s.text for q in g.bank.values() for s in q.sources}  # noqa: E731
    assert "アーカイブと再生: 過去のイベントを保存し、後から再送信できる機能" in sources(after)
    assert "イベントパターンマッチング: イベントの内容に基づいてルールの対象を絞り込む機能" in sources(after)
    assert not any("特定のパターンに一致するイベントのフィルタリング" in t for t in sources(after))
    # The reworded bullet keeps its question id (label-based), with the new text and its new line.
    qid = next(i for i, q in before.bank.items() if q.type == "label_description" and q.source.label == "イベントパターンマッチング")
    assert qid in after.bank
    assert after.bank[qid].options[0].text == "イベントの内容に基づいてルールの対象を絞り込む機能"
    # A quiz restricted to the edited term draws on the new bullet.
    edited = [q for q in after.build(after.count(["EventBridge"]), topics=["EventBridge"], seed=1)
              if any("アーカイブと再生" in o.text for o in q.options)]
    assert edited
    assert all(re.fullmatch(r"aws_ml_glossary\.ja\.md", o.file) for q in edited for o in q.options)
    assert Checker(workspace.knowledge_dir, after.sim, after.near).run(after.bank.values()).ok
