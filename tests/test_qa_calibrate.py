"""The abstention model's file format and arithmetic: what is fitted is what is served."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa.calibrate import FEATURES, Calibrated, answers, embedding_id, fit, load_models, relation, save_models


def _data(n=240, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, len(FEATURES))) + y[:, None] * 0.3
    q = rng.normal(size=(n, dim))
    e = q * (0.5 + y[:, None]) + rng.normal(size=(n, dim))
    rel = np.array([relation(a, b) for a, b in zip(q, e)])
    return X, y, rel


def test_relation_is_product_and_difference():
    q, e = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    assert relation(q, e).tolist() == [3.0, -2.0, -2.0, 3.0]


def test_folded_relation_weights_give_sklearns_probabilities():
    """The relation's standardisation is folded into its weights: the served probability must be
    the one scikit-learn computes on the standardised matrix."""
    from sklearn.linear_model import LogisticRegression

    from qa.calibrate import RELATION_C

    X, y, rel = _data()
    model = fit(X, y, rel=rel, embedding="e5/8")
    full = np.hstack([X, rel])
    mean, scale = full.mean(0), full.std(0)
    ref = LogisticRegression(C=RELATION_C, class_weight="balanced", max_iter=5000).fit((full - mean) / scale, y)
    want = ref.predict_proba((full[:20] - mean) / scale)[:, 1]
    got = [model.probability(dict(zip(FEATURES, X[i])), rel[i]) for i in range(20)]
    assert np.allclose(got, want, atol=1e-6)


def test_a_model_with_vectors_needs_them():
    X, y, rel = _data()
    model = fit(X, y, rel=rel, embedding="e5/8")
    with pytest.raises(ValueError):
        model.probability(dict(zip(FEATURES, X[0])))


def test_the_file_round_trips_and_vectors_need_their_embedding(tmp_path):
    X, y, rel = _data()
    base, vec = fit(X, y), fit(X, y, rel=rel, embedding=embedding_id("models/multilingual-e5-small", 8))
    path = tmp_path / "m.json"
    save_models({"hybrid": base, "keyword": base}, {"fitted_on": "t"}, path, with_vectors={"hybrid": vec})
    assert set(json.loads(path.read_text())["modes_with_vectors"]) == {"hybrid"}
    same = load_models(path, embedding="multilingual-e5-small/8")  # a hub id of the same model: same vectors
    assert same["hybrid"].relation_coef is not None and same["keyword"].relation_coef is None
    x = dict(zip(FEATURES, X[3]))
    assert same["hybrid"].probability(x, rel[3]) == pytest.approx(vec.probability(x, rel[3]), abs=1e-4)
    # a question without a vector (an index without entry vectors) is decided by the fallback
    found, p = answers(same["hybrid"], x, True, "names-term")
    assert p == pytest.approx(base.probability(x), abs=1e-4) and found == answers(base, x, True, "names-term")[0]
    other = load_models(path, embedding="bge-m3/1024")
    assert other["hybrid"].relation_coef is None  # another model's vectors: evidence features only
    assert other["hybrid"].probability(x) == pytest.approx(base.probability(x), abs=1e-4)
    assert isinstance(other["hybrid"], Calibrated)


def _constant(p: float, threshold: float) -> Calibrated:
    """A model that gives every question probability ``p``."""
    n = len(FEATURES)
    return Calibrated(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), float(np.log(p / (1 - p))), threshold)


def test_only_a_named_term_with_nothing_unknown_is_kept_below_the_operating_point():
    """A question naming a term with no word the glossary lacks is answered below the operating
    point (not when it asks for a quantity, nor when none of its words is in the sections the
    answer would quote: 「SageMaker Pipelines の料金体系は？」); coverage alone (no term named) is the model's to
    decide since stop 16."""
    named = dict.fromkeys(FEATURES, 0.0) | {"names_term": 1.0, "known_share": 1.0, "rules_found": 1.0,
                                            "coverage": 0.5}
    assert answers(_constant(0.5, 0.9), named, True, "names-term")[0]
    assert not answers(_constant(0.5, 0.9), named | {"asks_quantity": 1.0}, True, "names-term")[0]
    assert not answers(_constant(0.5, 0.9), named | {"n_unknown_concepts": 1.0}, True, "names-term")[0]
    assert not answers(_constant(0.5, 0.9), named | {"coverage": 0.0}, True, "names-term")[0]
    covered = named | {"names_term": 0.0}
    assert not answers(_constant(0.5, 0.9), covered, True, "coverage")[0]
    assert answers(_constant(0.95, 0.9), covered, True, "coverage")[0]
