"""Regression guard on qa/eval_questions.yaml: the hybrid keeps the figures it reached (minus a
margin of about one question), and each part of it keeps earning its place."""
from __future__ import annotations

import pytest

from qa import build_answerer
from qa.eval import BLIND_QUESTIONS, check_gold, format_table, load_questions, report, run_questions

# Reached when the set was written (train tuned, test held out). Margins: ~1 question each.
FLOORS = {
    "train": {"hit@1": 0.85, "hit@3": 0.97, "mrr": 0.92, "answer_contains_gold": 0.95,
              "in_scope_answered": 0.95, "out_of_scope_rejected": 0.9},
    "test": {"hit@1": 0.85, "hit@3": 0.95, "mrr": 0.92, "answer_contains_gold": 0.9,
             "in_scope_answered": 0.95, "out_of_scope_rejected": 0.8},
    # qa/eval_blind.yaml: written after tuning, by someone who did not tune (22 in scope, 8 out).
    # Since issue 9's calibrated abstention (fitted on qa/eval/dev.yaml, never on this set) two
    # more of its 22 answerable questions are refused (21 → 19; ranking unchanged), while the
    # 126-question blind set qa/eval/blind.yaml rose from .711 to .876 answered: the floor is the
    # figure now, not a target, and nothing was tuned on this set to reach it.
    "blind": {"hit@1": 0.86, "hit@3": 0.95, "mrr": 0.9, "answer_contains_gold": 0.86,
              "in_scope_answered": 0.86, "out_of_scope_rejected": 0.875},
}


@pytest.fixture(scope="module")
def questions():
    return load_questions()


@pytest.fixture(scope="module")
def blind(resources):
    questions = load_questions(BLIND_QUESTIONS)
    answerer = build_answerer(resources)
    assert check_gold(questions, answerer.retriever.chunks) == []
    return report(run_questions(answerer, questions))


@pytest.fixture(scope="module")
def rep(resources, questions):
    answerer = build_answerer(resources)
    assert check_gold(questions, answerer.retriever.chunks) == []
    return report(run_questions(answerer, questions))


def test_the_question_set_is_big_enough_and_split(questions):
    assert len(questions) >= 70
    assert sum(not q.gold for q in questions) >= 12
    test = [q for q in questions if q.split == "test"]
    assert len(test) >= 20 and sum(not q.gold for q in test) >= 4
    styles = {q.style for q in questions}
    assert {"definition", "howto", "paraphrase", "english", "katakana", "lowercase", "which", "out_of_scope"} <= styles


@pytest.mark.parametrize("split", ["train", "test"])
def test_hybrid_stays_at_or_above_its_floors(rep, split):
    got = rep[split]["hybrid"]
    low = {m: (round(got[m], 3), floor) for m, floor in FLOORS[split].items() if got[m] < floor}
    assert not low, f"{split}: below floor {low}\n{format_table(rep)}"


def test_blind_set_stays_at_or_above_its_floors(blind):
    got = blind["blind"]["hybrid"]
    low = {m: (round(got[m], 3), floor) for m, floor in FLOORS["blind"].items() if got[m] < floor}
    assert not low, f"blind: below floor {low}\n{format_table(blind)}"


def test_targets_on_the_whole_set(rep):
    m = rep["all"]["hybrid"]
    assert m["hit@3"] >= 0.95 and m["answer_contains_gold"] >= 0.90
    assert m["out_of_scope_rejected"] >= 0.9 and m["in_scope_answered"] >= 0.95


def test_each_part_earns_its_place(rep):
    """Hybrid beats both retrievers alone on ranking, and structure beats plain fusion."""
    a = rep["all"]
    assert a["hybrid"]["mrr"] > a["dense"]["mrr"] + 0.05
    assert a["hybrid"]["mrr"] > a["keyword"]["mrr"] + 0.05
    assert a["hybrid"]["hit@1"] > a["fusion"]["hit@1"]
    # A cosine threshold cannot both answer and reject well; the evidence rules can.
    dense_balance = a["dense"]["in_scope_answered"] + a["dense"]["out_of_scope_rejected"]
    hybrid_balance = a["hybrid"]["in_scope_answered"] + a["hybrid"]["out_of_scope_rejected"]
    assert hybrid_balance > dense_balance


def test_table_lists_every_split_and_retriever(rep):
    table = format_table(rep)
    for split in ("train", "test", "all"):
        for mode in ("dense", "keyword", "fusion", "hybrid"):
            assert any(line.split()[:2] == [split, mode] for line in table.splitlines())


def test_several_sets_can_be_fitted_on_together(resources):
    """``--fit-on dev,blind2``: every record of the named sets is decided out-of-fold, the rest by
    the shipped model; a set not named is never part of the fit."""
    from dataclasses import replace

    from qa.eval import evaluate

    base = load_questions()
    # Three sets cut from one file: "a" and "b" are fitted on together, "c" is scored by the shipped model.
    questions = [replace(q, set="abc"[i % 3]) for i, q in enumerate(base)]
    dev, rest, models = evaluate(build_answerer(resources), questions, fit_on="a,b", k=3, refit=True)
    assert {x["question"].set for x in dev} == {"a", "b"}
    assert {x["question"].set for x in rest} == {"c"}
    assert set(models.base) == {"keyword", "fusion", "hybrid"}
    assert set(models.with_vectors) == {"fusion", "hybrid"}  # keyword mode never embeds the question
    assert all(m.relation_coef is not None for m in models.with_vectors.values())
    assert len({x["question"].q for x in dev}) == sum(q.set in "ab" for q in questions)


def test_blind_sets_are_listed_in_the_order_they_were_written():
    """blind2 before blind10 (not as strings sort), and a set of another name after them, not a crash."""
    from qa.eval import _set_order

    names = ["blind10", "blind_draft", "blind2", "blind", "blind13"]
    assert sorted(names, key=_set_order) == ["blind", "blind2", "blind10", "blind13", "blind_draft"]
