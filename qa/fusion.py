"""Reciprocal rank fusion: combine rankings whose scores live on different scales.

E5 cosines bunch between 0.8 and 0.9 while BM25 scores are unbounded, so adding raw scores lets
one side drown the other. RRF only uses each list's ranks (Cormack et al., 2009).
"""
from __future__ import annotations

import numpy as np


def ranks(scores: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """0-based rank of each item (best = 0); items not ``valid`` (e.g. BM25 score 0) get -1."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty(len(scores), dtype=np.int64)
    out[order] = np.arange(len(scores))
    if valid is not None:
        out[~valid] = -1
    return out


def rrf(rankings: list[tuple[np.ndarray, float]], k: float, n: int) -> np.ndarray:
    """Σ weight / (k + rank + 1) over the rankings that rank the item."""
    fused = np.zeros(n, dtype=np.float64)
    for rank, weight in rankings:
        ok = rank >= 0
        fused[ok] += weight / (k + rank[ok] + 1.0)
    return fused


def max_by_group(values: np.ndarray, groups: np.ndarray, n: int, fill: float = 0.0) -> np.ndarray:
    """Best value per group: an entry's score lifting its section."""
    out = np.full(n, fill, dtype=np.float64)
    np.maximum.at(out, groups, values)
    return out
