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
# shipped model is fitted on six times that, they are dev's styles out-of-fold within all the fitting
# sets (dev + blind2–27 since stop 16, with the relation vectors), each less two questions; a floor
# the figures still clear is never lowered.
IN_SCOPE_FLOORS = {
    "scenario": (0.91, 0.64, 0.71),
    "typo": (0.95, 0.93, 0.95),
    "english": (0.95, 0.87, 0.91),
    "comparison": (0.92, 0.87, 0.92),
    "casual": (0.87, 0.80, 0.95),
    "mixed": (0.95, 0.90, 0.90),
    "choices": (0.95, 0.80, 0.92),
    "followup": (0.94, 0.92, 0.94),
    "short": (0.95, 0.92, 0.95),
    "romaji": (0.92, 0.76, 0.76),
    "numbers": (0.92, 0.68, 0.72),
    "two_terms": (0.92, 0.80, 0.84),
    "wrong_premise": (0.85, 0.65, 0.80),
    "keigo": (0.86, 0.73, 0.73),
    "long_rambling": (0.86, 0.60, 0.73),
    "english_katakana": (0.80, 0.73, 0.80),
}
REJECT_FLOORS = {"out_of_scope": 0.94, "near_miss": 0.86}


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


def test_the_shipped_model_is_a_small_readable_file(resources):
    """Evidence-feature models for every fitted mode, plus, for the modes that embed the question,
    models that also weigh its vector: used under the configured model, not under another."""
    answerer = build_answerer(resources)
    assert MODEL_FILE.stat().st_size < 80_000
    base = load_models()
    assert {"keyword", "fusion", "hybrid"} <= set(base)
    assert all(0.0 < m.threshold < 1.0 and len(m.coef) == len(m.names) for m in base.values())
    served = load_models(embedding=answerer.embedding)
    assert served["hybrid"].relation_coef is not None and served["fusion"].relation_coef is not None
    assert len(served["hybrid"].relation_coef) == 2 * answerer.resources.index.vectors.shape[1]
    assert served["keyword"].relation_coef is None
    assert answerer.calibrated["hybrid"].relation_coef is not None
    assert all(m.relation_coef is None for m in load_models(embedding="another-model/768").values())


# The shipped model is fitted on the development set and the second to twenty-seventh blind sets
# together (qa.eval.FIT_ON). Out-of-fold on those 4,584 questions it reached hit@3 .976 / quotes
# gold .858 / answered .911 / refused .890 (stop 16: coverage alone no longer answers, and
# blind24–27 were fitted on; on the 3,984 of dev + blind2–23, .975 / .851 / .907 / .880, against
# .975 / .825 / .877 / .875 before; stop 18's reading changes: .976 / .861 / .913 / .887; stop 19's:
# .888 refused); the newest blind sets, never fitted on: blind28 .940 / .830 / .930 / .820, blind29
# .960 / .880 / .980 / .960, blind30 .980 / .900 / .980 / .920, blind31 (stop 17) 1.000 / .890 /
# .970 / .980, blind32 (stop 17) .980 / .890 / .920 / .920, blind33 (stop 18) .980 / .820 / .860 /
# .980, blind34 (stop 18, after the changes it led to) .940 / .740 / .860 / .880, blind35 (stop 18)
# .980 / .850 / .900 / .940, blind36 (stop 18) .970 / .850 / .910 / .840, blind37 (stop 18) .970 /
# .870 / .950 / .880, blind38 (stop 19) .980 / .890 / .940 / .920, blind39 (stop 19) .980 / .940 /
# .950 / .920, blind40 (stop 19) .980 / .930 / .940 / .940, blind41 (stop 19) .980 / .880 / .940 /
# .980, blind42 (stop 19) .990 / .910 / .920 / .920, blind43 (stop 20) 1.000 / .950 / .960 / .940, blind44
# (stop 20) .930 / .720 / .820 / .900, blind45 (stop 20) .940 / .820 / .860 / .980. Floors: those
# figures less about two questions.
UNION_FLOORS = {"hit@3": 0.969, "answer_contains_gold": 0.851, "in_scope_answered": 0.904, "out_of_scope_rejected": 0.884}
NEWEST_BLIND_FLOORS = {
    "blind28": {"hit@3": 0.92, "answer_contains_gold": 0.81, "in_scope_answered": 0.91, "out_of_scope_rejected": 0.78},
    "blind29": {"hit@3": 0.94, "answer_contains_gold": 0.86, "in_scope_answered": 0.96, "out_of_scope_rejected": 0.92},
    "blind30": {"hit@3": 0.96, "answer_contains_gold": 0.88, "in_scope_answered": 0.96, "out_of_scope_rejected": 0.88},
    "blind31": {"hit@3": 0.98, "answer_contains_gold": 0.87, "in_scope_answered": 0.95, "out_of_scope_rejected": 0.94},
    "blind32": {"hit@3": 0.96, "answer_contains_gold": 0.87, "in_scope_answered": 0.90, "out_of_scope_rejected": 0.88},
    "blind33": {"hit@3": 0.96, "answer_contains_gold": 0.80, "in_scope_answered": 0.84, "out_of_scope_rejected": 0.94},
    "blind34": {"hit@3": 0.92, "answer_contains_gold": 0.72, "in_scope_answered": 0.84, "out_of_scope_rejected": 0.84},
    "blind35": {"hit@3": 0.96, "answer_contains_gold": 0.83, "in_scope_answered": 0.88, "out_of_scope_rejected": 0.90},
    "blind36": {"hit@3": 0.95, "answer_contains_gold": 0.83, "in_scope_answered": 0.89, "out_of_scope_rejected": 0.80},
    "blind37": {"hit@3": 0.95, "answer_contains_gold": 0.85, "in_scope_answered": 0.93, "out_of_scope_rejected": 0.84},
    "blind38": {"hit@3": 0.96, "answer_contains_gold": 0.87, "in_scope_answered": 0.92, "out_of_scope_rejected": 0.88},
    "blind39": {"hit@3": 0.96, "answer_contains_gold": 0.92, "in_scope_answered": 0.93, "out_of_scope_rejected": 0.88},
    "blind40": {"hit@3": 0.96, "answer_contains_gold": 0.91, "in_scope_answered": 0.92, "out_of_scope_rejected": 0.90},
    "blind41": {"hit@3": 0.96, "answer_contains_gold": 0.86, "in_scope_answered": 0.92, "out_of_scope_rejected": 0.94},
    "blind42": {"hit@3": 0.97, "answer_contains_gold": 0.89, "in_scope_answered": 0.90, "out_of_scope_rejected": 0.88},
    "blind43": {"hit@3": 0.98, "answer_contains_gold": 0.93, "in_scope_answered": 0.94, "out_of_scope_rejected": 0.90},
    "blind44": {"hit@3": 0.91, "answer_contains_gold": 0.70, "in_scope_answered": 0.80, "out_of_scope_rejected": 0.86},
    "blind45": {"hit@3": 0.92, "answer_contains_gold": 0.80, "in_scope_answered": 0.84, "out_of_scope_rejected": 0.94},
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
