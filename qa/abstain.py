"""Should we answer at all? Evidence that separates "the glossary covers this" from "it doesn't".

E5 cosines of an off-topic question (カレーの作り方) and an on-topic one sit in the same 0.80–0.90
band, so a cosine threshold cannot decide. What does separate them:

* the question names a glossary term (by any alias)                → in scope;
* it names something the glossary never mentions (Redshift, Rust)  → out of scope;
* it names something the glossary only mentions in passing (S3, Kinesis, Lambda): in scope only
  when the best section holds that name *and* something else the question asks about
  ("パイプラインで Lambda 関数を呼ぶ" yes, "S3の料金" no);
* otherwise: the idf-weighted share of the question's concepts found in the best section or
  entry (coverage), with agreement between the dense and keyword retrievers as tie-breaker.

Generic words (サービス, AWS, 機械学習, とは, 特徴…) are not concepts, so they never count.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .query import Concept
from .retriever import Retrieval, RetrievalMode, Retriever


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on the train split of qa/eval_questions.yaml (python -m qa.eval --sweep)."""

    coverage: float = 0.6  # accept on keyword evidence alone
    coverage_agree: float = 0.35  # accept when dense and keyword agree on the term
    dense_cosine: float = 0.87  # the dense-only baseline's one knob
    entry_pool: int = 3  # sections whose entries may supply the evidence


@dataclass
class Verdict:
    found: bool
    reason: str
    coverage: float = 0.0
    features: dict = field(default_factory=dict)


def _coverage(concepts: list[Concept], terms: set[str]) -> float:
    total = sum(c.weight for c in concepts)
    if total <= 0:
        return 0.0
    return sum(c.weight for c in concepts if c.terms & terms) / total


def decide(r: Retrieval, retriever: Retriever, th: Thresholds | None = None) -> Verdict:
    th = th or Thresholds()
    q = r.query
    feats: dict = {"terms": q.terms, "intents": q.intents, "concepts": [c.label for c in q.concepts],
                   "unknown_names": q.unknown_names}
    if r.dense_chunk is not None:
        d = np.sort(r.dense_chunk)[::-1]
        feats["dense_top"] = float(d[0])
        feats["dense_margin"] = float(d[0] - d[1]) if len(d) > 1 else 0.0
    if q.empty:
        return Verdict(False, "empty", features=feats)

    if r.mode is RetrievalMode.DENSE:
        ok = feats["dense_top"] >= th.dense_cosine
        return Verdict(ok, "dense-cosine" if ok else "dense-low", features=feats)

    kw = retriever.keyword
    top = r.top
    top_terms = kw.chunk_terms[top]
    # The best entry among the top sections: one bullet holding the question's words is
    # stronger evidence than the words scattered over a whole section.
    pool = set(int(i) for i in r.order[: th.entry_pool])
    best_entry_cov = max((_coverage(q.concepts, kw.entry_terms[ei] | retriever.heading_terms[ref.chunk])
                          for ei, ref in enumerate(kw.entry_refs) if ref.chunk in pool), default=0.0)
    chunk_cov = _coverage(q.concepts, top_terms)
    coverage = max(chunk_cov, best_entry_cov)
    feats.update(chunk_coverage=round(chunk_cov, 3), entry_coverage=round(best_entry_cov, 3))
    agree = None
    if r.dense_chunk is not None:
        dense_top = int(np.argmax(r.dense_chunk))
        agree = retriever.chunks[dense_top].term == retriever.chunks[top].term
        feats["agree"] = agree

    if q.terms:
        return Verdict(True, "names-term", coverage, feats)
    if not q.concepts:
        return Verdict(False, "no-specific-words", coverage, feats)
    if q.unknown_names:
        return Verdict(False, "unknown-name", coverage, feats)
    names_verdict = _names_verdict(r, retriever, th, coverage, feats)
    if names_verdict is not None:
        return names_verdict
    if coverage >= th.coverage:
        return Verdict(True, "coverage", coverage, feats)
    if agree and coverage >= th.coverage_agree:
        return Verdict(True, "coverage+agreement", coverage, feats)
    return Verdict(False, "low-coverage", coverage, feats)


def _names_verdict(r: Retrieval, retriever: Retriever, th: Thresholds, coverage: float, feats: dict) -> Verdict | None:
    """A name the glossary only mentions in passing (S3, Lambda, Kinesis) must appear in one of
    the sections the answer would quote, together with something else the question asks; several
    names may be spread over those sections ("MLOps の CI/CD": ユースケース + 概要). None: no objection."""
    q, kw = r.query, retriever.keyword
    names = [c for c in q.concepts if c.name]
    others = [c for c in q.concepts if not c.name]
    if not names:
        return None
    holding_ids = [int(i) for i in r.order[: th.entry_pool] if any(c.terms & kw.chunk_terms[int(i)] for c in names)]
    holding = [kw.chunk_terms[i] for i in holding_ids]
    if not all(any(c.terms & t for t in holding) for c in names):
        return Verdict(False, "name-not-in-answer", coverage, feats)
    # Where the glossary does mention the name, so the "not found" message can point there.
    feats["names"] = [c.label for c in names]
    feats["mentioned_in"] = [f"{retriever.chunks[i].term} › {retriever.chunks[i].section}" for i in holding_ids]
    if others and not any(c.terms & t for t in holding for c in others):
        return Verdict(False, "only-names-match", coverage, feats)  # S3の料金
    if not others and (not q.intents or q.intents[0] == "definition"):
        return Verdict(False, "defines-other-name", coverage, feats)  # Kinesisとは
    return None
