"""E5 vectors: sections through the project's FAISS index, entries through a small matrix.

Sections come from the index the indexer built (so Q&A searches exactly what was indexed). Entry
vectors are computed once per index through the shared embedding cache: they let the answer pick
the bullet closest in meaning inside a section, which keyword overlap cannot do for paraphrases.
"""
from __future__ import annotations

import numpy as np

from indexer.chunks import Chunk


def entry_passage(chunk: Chunk, index: int) -> str:
    """An entry with its term and section, so ``開発元: AWS`` is embedded as what it is about."""
    return f"{chunk.term} › {chunk.section}\n{chunk.entries[index].display}"


class DenseIndex:
    """Built once per index; ``encode`` is the only model call a question costs."""

    def __init__(self, resources, entry_refs) -> None:
        self.index = resources.index
        self.embedder = resources.embedder
        self.n = len(self.index.chunks)
        self._pos = {c.id: i for i, c in enumerate(self.index.chunks)}
        texts = [entry_passage(self.index.chunks[r.chunk], r.entry) for r in entry_refs]
        self.entry_vectors = np.ascontiguousarray(resources.embed_passages(texts), dtype=np.float32) if texts else (
            np.zeros((0, self.index.vectors.shape[1]), np.float32))

    def encode(self, text: str) -> np.ndarray:
        """The E5 query vector (``query: `` prompt, normalised); the one model call per question."""
        return self.embedder.embed_query(text)

    def encode_many(self, texts: list[str]) -> np.ndarray:
        """Query vectors for many questions in one batch (the evaluation encodes its set at once)."""
        return self.embedder.embed_queries(texts)

    def chunk_scores(self, qvec: np.ndarray) -> np.ndarray:
        """Cosine of every section, in index order, from a FAISS search over all of them."""
        scores = np.full(self.n, -1.0, dtype=np.float32)
        for hit in self.index.search(qvec, self.n):
            scores[self._pos[hit.chunk.id]] = hit.score
        return scores

    def entry_scores(self, qvec: np.ndarray) -> np.ndarray:
        return self.entry_vectors @ np.asarray(qvec, np.float32)
