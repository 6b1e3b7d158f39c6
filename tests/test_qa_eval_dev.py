"""The style-diverse development set (qa/eval/dev.yaml), scored out-of-fold: the abstention model
that decides each question was fitted (and its operating point chosen) on the other folds only,
grouped so that paraphrases of one item never straddle folds. The folds are those of all the
fitting sets together (qa.eval.FIT_ON), the regime the shipped model is fitted in; floors are the
figures of the shipped model, less about two questions per style."""
from __future__ import annotations

import pytest

from qa import build_answerer
from qa.calibrate import MODEL_FILE, load_models
from qa.eval import DEV_QUESTIONS, check_gold, format_table, load_questions, report

# style → (hit@3, answer quotes gold, in-scope answered) for in-scope styles; rejected for the others.
# Until stop 13 these were dev's own out-of-fold figures (models fitted on ~510 questions); since the
# shipped model is fitted on ten times that, they are dev's styles out-of-fold within all the fitting
# sets, set from the model fitted on dev + blind2–17 (written before a candidate model was scored per
# style), each less about two questions.
IN_SCOPE_FLOORS = {
    "scenario": (0.91, 0.57, 0.64),
    "typo": (0.95, 0.93, 0.95),
    "english": (0.95, 0.82, 0.87),
    "comparison": (0.92, 0.85, 0.90),
    "casual": (0.87, 0.73, 0.80),
    "mixed": (0.95, 0.92, 0.92),
    "choices": (0.95, 0.73, 0.87),
    "followup": (0.94, 0.92, 0.94),
    "short": (0.95, 0.89, 0.92),
    "romaji": (0.92, 0.84, 0.84),
    "numbers": (0.92, 0.72, 0.72),
    "two_terms": (0.92, 0.84, 0.88),
    "wrong_premise": (0.85, 0.70, 0.85),
    "keigo": (0.86, 0.66, 0.66),
    "long_rambling": (0.86, 0.66, 0.86),
    "english_katakana": (0.73, 0.40, 0.40),
}
REJECT_FLOORS = {"out_of_scope": 0.96, "near_miss": 0.70}


@pytest.fixture(scope="module")
def union(resources):
    """Every fitting set out-of-fold, and the newest blind sets with the shipped model."""
    from qa.eval import FIT_ON, evaluate

    answerer = build_answerer(resources)
    names = FIT_ON.split(",") + list(NEWEST_BLIND_FLOORS)
    questions = [q for name in names for q in load_questions(DEV_QUESTIONS.with_name(f"{name}.yaml"))]
    assert check_gold(questions, answerer.retriever.chunks) == []
    dev, rest, _ = evaluate(answerer, questions)
    return dev, rest


@pytest.fixture(scope="module")
def oof(union):
    dev_set = [x for x in union[0] if x["question"].set == DEV_QUESTIONS.stem]
    return report(dev_set, modes=("fusion", "hybrid"), key="style")


def test_the_development_set_covers_every_style():
    questions = load_questions(DEV_QUESTIONS)
    styles = {q.style for q in questions}
    assert set(IN_SCOPE_FLOORS) | set(REJECT_FLOORS) <= styles
    assert len(questions) >= 300 and sum(not q.gold for q in questions) >= 60


@pytest.mark.parametrize("style", sorted(IN_SCOPE_FLOORS))
def test_in_scope_style_stays_at_or_above_its_floor(oof, style):
    got = oof[style]["hybrid"]
    floors = dict(zip(("hit@3", "answer_contains_gold", "in_scope_answered"), IN_SCOPE_FLOORS[style]))
    low = {m: (round(got[m], 3), f) for m, f in floors.items() if got[m] < f}
    assert not low, f"{style}: below floor {low}\n{format_table(oof, 'style')}"


@pytest.mark.parametrize("style", sorted(REJECT_FLOORS))
def test_out_of_scope_style_is_refused(oof, style):
    got = oof[style]["hybrid"]["out_of_scope_rejected"]
    assert got >= REJECT_FLOORS[style], f"{style}: rejected {got:.3f}\n{format_table(oof, 'style')}"


def test_hybrid_is_not_worse_than_plain_fusion(oof):
    """The structural priors must pay on questions they were not written for, or go."""
    h, f = oof["all"]["hybrid"], oof["all"]["fusion"]
    assert h["hit@3"] >= f["hit@3"] and h["answer_contains_gold"] >= f["answer_contains_gold"]


def test_the_shipped_model_is_a_small_readable_file():
    models = load_models()
    assert MODEL_FILE.stat().st_size < 20_000
    assert {"keyword", "fusion", "hybrid"} <= set(models)
    assert all(0.0 < m.threshold < 1.0 and len(m.coef) == len(m.names) for m in models.values())


# The shipped model is fitted on the development set and the second to seventeenth blind sets
# together (qa.eval.FIT_ON). Out-of-fold on those 3,077 questions it reached hit@3 .972 / quotes gold
# .783 / answered .826 / refused .823; the eighteenth blind set, never fitted on, .970 / .820 / .870 /
# .740. Floors: those figures less about two questions.
UNION_FLOORS = {"hit@3": 0.964, "answer_contains_gold": 0.775, "in_scope_answered": 0.818, "out_of_scope_rejected": 0.815}
NEWEST_BLIND_FLOORS = {
    "blind18": {"hit@3": 0.95, "answer_contains_gold": 0.80, "in_scope_answered": 0.85, "out_of_scope_rejected": 0.70},
}


def test_the_shipped_model_is_fitted_on_the_fitting_sets():
    import json

    from qa.eval import FIT_ON

    assert json.loads(MODEL_FILE.read_text(encoding="utf-8"))["fitted_on"].startswith(f"{FIT_ON} (")


def test_fitting_sets_out_of_fold_and_the_newest_blind_sets(union):
    dev, rest = union
    checks = [("fitting sets, out-of-fold", dev, UNION_FLOORS)]
    checks += [(name, [x for x in rest if x["question"].set == name], f) for name, f in NEWEST_BLIND_FLOORS.items()]
    for name, records, floors in checks:
        got = report(records, modes=("hybrid",))["all"]["hybrid"]
        low = {m: (round(got[m], 3), f) for m, f in floors.items() if got[m] < f}
        assert not low, f"{name}: below floor {low}"
