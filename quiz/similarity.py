"""The similarity provider the generator ranks and vetoes distractors with.

The protocol is one method, ``vectors(texts) -> np.ndarray`` of L2-normalised rows, so anything
that embeds passages plugs in: ``Resources.embed_passages`` (cached E5), an ``Embedder``, or a
plain callable. The threshold above which two entries count as "saying the same thing" belongs to
the vector space, not to the generator, so a provider may carry its own ``near_duplicate``.
"""
from __future__ import annotations

import hashlib
from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

# Cosine above which two glossary entries count as the same fact for the local multilingual-e5-small
# (4-bit weights expanded by indexer.convert_model). Its scores are compressed: across terms the
# median pair is 0.897 and the 99th percentile 0.939. At ≥ 0.95 pairs are nearly always the same
# fact (Lambda ステップ / AWS Lambda 0.981, モデル再トレーニング / 自動モデル再トレーニング 0.976);
# 0.94–0.95 mixes real overlaps (チーム協業 / コミュニケーション促進, Model Monitor / モデルドリフト
# 検出時のアラート) with near misses, and half of the distractors the generator would pick sit in
# 0.93–0.94, where 透明性の向上 (Debugger; true of TensorBoard too) scores 0.937. Rejecting a good
# distractor costs little (55–85 candidates remain per topic), accepting a true one teaches something
# false, so the line is drawn at 0.935. Shared labels (プロファイリング 0.949, フレームワーク互換性,
# リアルタイム…) are caught by the label rules whatever their score.
E5_NEAR_DUPLICATE = 0.935


@runtime_checkable
class Similarity(Protocol):
    def vectors(self, texts: Sequence[str]) -> np.ndarray: ...


class CallableSimilarity:
    """Wraps ``embed(texts) -> matrix`` (e.g. ``Resources.embed_passages``) and memoises per text,
    because the generator asks for the same entry many times while building the bank."""

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray], near_duplicate: float = E5_NEAR_DUPLICATE):
        self._embed = embed
        self._memo: dict[str, np.ndarray] = {}
        self.near_duplicate = near_duplicate

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        todo = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if todo:
            vecs = np.asarray(self._embed(todo), dtype=np.float32)
            if vecs.shape[0] != len(todo):
                raise ValueError(f"similarity provider returned {vecs.shape[0]} vectors for {len(todo)} texts")
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.where(norms == 0, 1, norms)
            self._memo.update(zip(todo, vecs))
        if not texts:
            return np.zeros((0, 1), np.float32)
        return np.vstack([self._memo[t] for t in texts])


class CharNgramSimilarity:
    """Hashed character bigram/trigram vectors: no model, deterministic, for tests of the logic and
    for a machine without the model. Far weaker than E5 at ranking plausibility, so not a default."""

    near_duplicate = 0.80

    def __init__(self, dim: int = 2048):
        self.dim = dim

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        from indexer.text import compact_form

        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            t = compact_form(text)
            for n in (2, 3):
                for j in range(len(t) - n + 1):
                    h = int.from_bytes(hashlib.blake2b(t[j : j + n].encode(), digest_size=4).digest(), "little")
                    out[i, h % self.dim] += 1.0
            norm_ = np.linalg.norm(out[i])
            if norm_:
                out[i] /= norm_
        return out


def as_similarity(provider) -> Similarity:
    """Accept a Similarity, an object with ``embed_passages`` (Resources, Embedder) or a callable."""
    if isinstance(provider, CallableSimilarity):
        return provider
    if hasattr(provider, "embed_passages"):
        return CallableSimilarity(provider.embed_passages)
    if hasattr(provider, "vectors"):
        near = getattr(provider, "near_duplicate", E5_NEAR_DUPLICATE)
        return CallableSimilarity(provider.vectors, near)
    if callable(provider):
        return CallableSimilarity(provider)
    raise TypeError(f"not a similarity provider: {type(provider).__name__} (needs vectors(texts) or embed_passages)")
