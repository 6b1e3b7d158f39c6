"""Answer or abstain as a *calibrated* decision: a logistic regression over evidence features.

Hand-set thresholds on word coverage refuse long and English questions (many of their words are
not in the glossary although both retrievers rank the right section first) and answer near misses
(a covered term, an uncovered fact). A small model weighs all the evidence at once and is fitted on
the development set, with its operating point chosen out-of-fold (python -m qa.eval --fit).

The fitted model is a JSON file under version control (qa/abstain_model.json): per retriever
mode, the feature names, the standardisation, the coefficients, the intercept and the threshold.
Reading it needs numpy only; fitting needs scikit-learn.

The modes that embed the question (fusion, hybrid) also weigh how the question's vector relates to
its best evidence, the closest entry of the sections it would quote (``relation``). Word counts
cannot tell 「Debugger の料金は？」 from 「Debugger はどのフレームワークで使える？」: both name a term
and use words the glossary has. The two vectors can: a question the entry answers points where the
entry points. Those weights belong to one embedding model, so the file records which; under any
other model the same modes fall back to the evidence features alone.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.text import match_form

MODEL_FILE = Path(__file__).resolve().parent / "abstain_model.json"
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
# Wording that asks for a quantity or a limit (a price, a maximum, how many): the glossary is a
# description of concepts and states no numbers, so such a question is rarely answered by it.
# Figures a question only *states* (「月に100回」, "AUC 0.99", 「GPU 使用率 30%」) ask for nothing:
# learners quote their own numbers to describe a situation the glossary may well cover.
# 何 before a counter asks "how many" (何本, 何年, 何エポック, 何ステップ: in the question sets 22
# out-of-scope questions against none in scope). The same words ask nothing when the sentence goes
# on: か then more text is "a few" (「GPU何台かで」「いくつか挙げて」, but 「上限はいくつか。」 asks),
# も / でも is "any number of" (「何回でも同じように回せる」); 最小 / 最大 before 限, 化 or に
# (「コードは最小限に」「運用負荷を最小化」) is a goal an exam stem sets, not a figure it asks for.
_SOME = r"(?!か[^\s。．？?！!」』）)]|も|でも)"
_QUANTITY = re.compile(r"いくら|いくつ" + _SOME + r"|どれ[くぐ]らい|どの[くぐ]らい|最[小大](?![限化に])"
                       r"|何(?:円|ドル|個|回|件|秒|分|時間|日|kb|mb|gb|%|パーセント|種類まで)" + _SOME +
                       r"|上限|制限|クォータ"
                       r"|何(?:[\u30a0-\u30ff]++|本|枚|台|人|倍|年|か月|ヶ月|カ月|週|行|文字|世代|桁)" + _SOME +
                       r"|how (much|many|long|large|big)|maximum|minimum|limit|quota", re.I)

# The evidence rules' reasons for "it names something the glossary only mentions in passing".
PASSING = ("only-names-match", "defines-other-name", "name-not-in-answer")

FEATURES = (
    "rules_found",  # the evidence rules (qa/abstain.py) would answer
    "names_term",  # the question (or the conversation, or a choice) names a glossary term
    "n_unknown_names",  # names the glossary never uses (Redshift, Rust)
    "known_share",  # share of the question's content words the glossary uses anywhere (none: names_term)
    "unknown_weight",  # idf-weighted share of content words the glossary never uses
    "n_unknown_concepts",
    "n_concepts",
    "asks_quantity",  # a number, a price, a limit: the glossary states none
    "coverage",  # idf-weighted share of content words in the best section or entry (none: names_term)
    "chunk_coverage",
    "passing_name",  # it names something the glossary only mentions in passing (S3, Kinesis)
    "dense_top", "dense_margin", "dense_z",  # cosine of the best section, its lead, its z-score
    "bm25_top", "bm25_entry_top",  # log(1 + best BM25) at section and entry grain
    "fused_top", "fused_margin",  # the mode's own final score and its lead
    "agree",  # dense and keyword put the same term first
    "log_chars", "latin_share", "long", "choices", "comparison", "carried",
)


def _asked_names(names: list[str], prep) -> list[str]:
    """Unknown names that bear on what is asked. In a long question (a scenario, a story) the
    other sentences say where the learner is coming from (「前職では PyTorch で」, "our Glue ETL
    jobs"); a name there is setting, not the topic, so only the question sentence and the
    constraint count. Short questions count every name."""
    if prep is None or not prep.shape.long or not names:
        return names
    asked = match_form(f"{prep.shape.question} {prep.shape.constraint}")
    return [n for n in names if match_form(n) in asked]


def features(r, prep, verdict) -> dict[str, float]:
    """Evidence for one question's retrieval in one mode (numbers only, every key in FEATURES)."""
    q = r.query
    f = verdict.features
    concepts = q.concepts
    text = prep.shape.stem if prep is not None else q.text
    out = dict.fromkeys(FEATURES, 0.0)
    out["rules_found"] = float(verdict.found)
    out["names_term"] = float(bool(q.terms) or bool(prep and (prep.candidates or prep.compared)))
    out["n_unknown_names"] = float(len(_asked_names(q.unknown_names, prep)))
    # With no content word at all, a question naming a term asks about the term itself (fully
    # covered); one naming nothing asks about nothing in particular (「AWSの機械学習サービスとは」).
    empty_cover = out["names_term"]
    out["known_share"] = sum(c.known for c in concepts) / len(concepts) if concepts else empty_cover
    total = sum(c.weight for c in concepts)
    out["unknown_weight"] = sum(c.weight for c in concepts if not c.known) / total if total > 0 else 0.0
    out["n_unknown_concepts"] = float(min(5, sum(not c.known for c in concepts)))
    out["asks_quantity"] = float(bool(_QUANTITY.search(text)))
    out["n_concepts"] = float(min(len(concepts), 10))
    # Nothing asked beyond the term itself (「デバッガーの主な特徴は？」) is fully covered.
    out["coverage"] = float(verdict.coverage) if concepts else empty_cover
    out["chunk_coverage"] = float(f.get("chunk_coverage", 0.0)) if concepts else empty_cover
    out["passing_name"] = float(verdict.reason in PASSING)
    if r.dense_chunk is not None:
        d = np.sort(r.dense_chunk)[::-1]
        out["dense_top"] = float(d[0])
        out["dense_margin"] = float(d[0] - d[1]) if len(d) > 1 else 0.0
        out["dense_z"] = float((d[0] - d.mean()) / (d.std() + 1e-6))
    if r.bm25_chunk is not None:
        out["bm25_top"] = math.log1p(float(r.bm25_chunk.max()))
        out["bm25_entry_top"] = math.log1p(float(r.bm25_entry.max())) if r.bm25_entry is not None and len(r.bm25_entry) else 0.0
    s = np.sort(r.scores)[::-1]
    out["fused_top"] = float(s[0]) if len(s) else 0.0
    out["fused_margin"] = float(s[0] - s[1]) if len(s) > 1 else 0.0
    out["agree"] = float(bool(f.get("agree")))
    out["log_chars"] = math.log1p(len(text))
    letters = len(_ASCII_LETTER.findall(text))
    out["latin_share"] = letters / max(1, letters + len(_JAPANESE.findall(text)))
    if prep is not None:
        out["long"] = float(prep.shape.long)
        out["choices"] = float(bool(prep.shape.choices))
        out["comparison"] = float(prep.shape.comparison)
        out["carried"] = float(prep.carried is not None)
    return out


def vector(feats: dict[str, float], names=None) -> np.ndarray:
    return np.array([feats.get(n, 0.0) for n in (names or FEATURES)], dtype=np.float64)


def relation(qvec: np.ndarray, evidence: np.ndarray) -> np.ndarray:
    """The question's vector beside its best evidence's: their elementwise product (where the two
    agree, dimension by dimension) and difference (what the question has that the entry lacks).
    A fitted weight per dimension learns which agreements mean "this entry answers it"."""
    q = np.asarray(qvec, np.float64)
    e = np.asarray(evidence, np.float64)
    return np.concatenate([q * e, q - e])


@dataclass
class Calibrated:
    """One mode's fitted model: p(in scope) = σ(w · (x − mean) / scale + v · relation + b); answer
    when p ≥ threshold. ``v`` (with the relation's standardisation folded in) only when the model
    was fitted with vectors, from the embedding model named by ``embedding``."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    relation_coef: np.ndarray | None = None
    embedding: str = ""
    # the same mode's model on the evidence features alone, for a question with no vector (an
    # index without entry vectors); set when loaded, never saved
    fallback: "Calibrated | None" = field(default=None, repr=False, compare=False)

    def probability(self, feats: dict[str, float], rel: np.ndarray | None = None) -> float:
        x = (vector(feats, self.names) - self.mean) / self.scale
        z = float(self.coef @ x) + self.intercept
        if self.relation_coef is not None:
            if rel is None or len(rel) != len(self.relation_coef):
                raise ValueError("this model weighs the question's vector: pass its relation()")
            z += float(self.relation_coef @ rel)
        return float(1.0 / (1.0 + math.exp(-z)))

    def to_json(self) -> dict:
        out = {"features": list(self.names), "mean": self.mean.round(6).tolist(),
               "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
               "intercept": round(self.intercept, 6), "threshold": round(self.threshold, 4)}
        if self.relation_coef is not None:
            out |= {"embedding": self.embedding, "relation_coef": self.relation_coef.round(5).tolist()}
        return out

    @classmethod
    def from_json(cls, d: dict) -> "Calibrated":
        rel = np.array(d["relation_coef"], float) if "relation_coef" in d else None
        return cls(tuple(d["features"]), np.array(d["mean"], float), np.array(d["scale"], float),
                   np.array(d["coef"], float), float(d["intercept"]), float(d["threshold"]), rel,
                   d.get("embedding", ""))


# With the 768 relation dimensions, a much stronger penalty: of C = 0.01, 0.02, 0.05, 0.1 and 0.2
# compared out-of-fold on dev + blind2–15 (2,776 questions), 0.05 answered and refused best.
RELATION_C = 0.05


def fit(X: np.ndarray, y: np.ndarray, C: float = 2.0, rel: np.ndarray | None = None, embedding: str = "") -> Calibrated:
    """Standardise, then an L2 logistic regression with balanced classes (few out-of-scope items).
    C = 2: of 0.1, 0.5, 1, 2 and 5 compared out-of-fold on the development set, 1–5 answer and
    refuse alike (0.5 refused more near misses but answered 1 % fewer answerable questions).
    With ``rel`` (one relation() row per question) the model weighs those too, at RELATION_C."""
    from sklearn.linear_model import LogisticRegression

    full = X if rel is None else np.hstack([X, rel])
    mean = full.mean(axis=0)
    scale = full.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=C if rel is None else RELATION_C, class_weight="balanced", max_iter=5000)
    model.fit((full - mean) / scale, y)
    w, b, n = model.coef_[0].copy(), float(model.intercept_[0]), X.shape[1]
    if rel is None:
        return Calibrated(FEATURES, mean, scale, w, b, 0.5)
    # Fold the relation's standardisation into its weights: w·(r − m)/s = (w/s)·r − Σ w·m/s.
    v = w[n:] / scale[n:]
    b -= float(v @ mean[n:])
    return Calibrated(FEATURES, mean[:n], scale[:n], w[:n], b, 0.5, v, embedding)


def choose_threshold(p: np.ndarray, y: np.ndarray, kept: np.ndarray | None = None) -> float:
    """The operating point: the probability cut that maximises the *worse* of the two rates
    (in-scope answered, out-of-scope refused) of the whole decision (``kept`` rule acceptances
    included), ties broken by their sum: neither error is free."""
    kept = np.zeros(len(p), bool) if kept is None else kept
    best, best_key = 0.5, (-1.0, -1.0)
    for t in np.unique(np.concatenate([np.linspace(0.05, 0.95, 91), p])):
        found = (p >= t) | kept
        answered = float(np.mean(found[y == 1])) if (y == 1).any() else 1.0
        refused = float(np.mean(~found[y == 0])) if (y == 0).any() else 1.0
        key = (min(answered, refused), answered + refused)
        if key > best_key:
            best, best_key = float(t), key
    return best


# The evidence rules' refusals the model never overturns: a question whose every word is generic
# or a function word and that names no term (「AWSの機械学習サービスとは何ですか」) points at no
# entry, so an answer would be a guess; one whose only specific words are a name the glossary
# mentions in passing, or that asks what such a name is (「Amazon Kinesisとは？」), has no entry
# about it. The development set holds (almost) none of these, so the model has learnt nothing about
# them and must not override them by extrapolation.
KEPT_REFUSALS = ("no-specific-words", "only-names-match", "defines-other-name")


def answers(model: "Calibrated", feats: dict[str, float], rules_found: bool, rules_reason: str,
            rel: np.ndarray | None = None) -> tuple[bool, float]:
    """The decision: the model's probability at its operating point, or a kept rule acceptance,
    unless the rules found nothing specific to look for."""
    if model.relation_coef is not None and rel is None and model.fallback is not None:
        model = model.fallback  # its own operating point too
    p = model.probability(feats, rel)
    if rules_reason in KEPT_REFUSALS or knows_nothing_asked(feats):
        return False, p
    return bool(p >= model.threshold or kept_rule(feats, rules_found, rules_reason)), p


def knows_nothing_asked(feats: dict[str, float]) -> bool:
    """It names no glossary term and uses no content word the glossary has (「阪神今年優勝する思う？」,
    "SQL の JOIN の種類"): there is nothing in the glossary to answer from, whatever the question's
    vector is near. A refusal the model does not overturn."""
    return not feats.get("names_term") and not feats.get("known_share")


def kept_rule(feats: dict[str, float], rules_found: bool, rules_reason: str) -> bool:
    """A rule acceptance the model does not overturn: a question naming a term and asking nothing
    the glossary lacks (no unknown word), some of whose words are in the sections the answer would
    quote; never for a question asking for a quantity (a price, a limit, how many). The rules'
    coverage acceptances of questions naming no term are no longer kept: with the model fitted on
    ~4,000 questions they answered more near misses than the model does (out-of-fold, dev +
    blind2–23: answered .878 → .885, refused .877 → .889)."""
    if not rules_found or feats.get("asks_quantity"):
        return False  # the glossary states no numbers: the model decides, rules alone cannot
    # Words the glossary uses, but none in the sections the answer would quote: a covered term with
    # a fact it does not state (「SageMaker Pipelines の料金体系は？」: billing is under EventBridge
    # only), or a chat's term carried into a question about something else (「早期停止とは？」 after
    # an EventBridge question, once answered with EventBridge's 概要). The model decides those.
    return rules_reason == "names-term" and not feats.get("n_unknown_concepts") and feats.get("coverage", 0.0) > 0


def embedding_id(model_name: str, dim: int) -> str:
    """Which vectors a relation model was fitted on: the model's folder or hub name (a local copy
    and the hub id of one model give the same vectors) and their dimension."""
    return f"{Path(model_name).name}/{dim}"


def load_models(path: str | Path = MODEL_FILE, embedding: str | None = None) -> dict[str, Calibrated]:
    """Mode → fitted model; {} when there is no file (the evidence rules decide alone). The models
    that weigh the question's vector are used only under the ``embedding`` they were fitted on."""
    path = Path(path)
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    models = {mode: Calibrated.from_json(d) for mode, d in raw.get("modes", {}).items()}
    with_vectors = {mode: Calibrated.from_json(d) for mode, d in raw.get("modes_with_vectors", {}).items()}
    return served(models, {m: c for m, c in with_vectors.items() if c.embedding == embedding})


def served(base: dict[str, Calibrated], with_vectors: dict[str, Calibrated]) -> dict[str, Calibrated]:
    """Mode → the model that decides: the one weighing vectors where there is one, with the same
    mode's word-feature model as its fallback, else the word-feature model."""
    for mode, model in with_vectors.items():
        model.fallback = base.get(mode)
    return {**base, **with_vectors}


def save_models(models: dict[str, Calibrated], meta: dict, path: str | Path = MODEL_FILE,
                with_vectors: dict[str, Calibrated] | None = None) -> None:
    data = {"about": "p(in scope) per retriever mode; fitted by python -m qa.eval --fit", **meta,
            "modes": {m: c.to_json() for m, c in models.items()},
            "modes_with_vectors": {m: c.to_json() for m, c in (with_vectors or {}).items()}}
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
