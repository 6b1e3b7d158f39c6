"""E5 vectors: sections through the project's FAISS index, entries through a small matrix.

Sections come from the index the indexer built (so Q&A searches exactly what was indexed). Entry
vectors are computed by the build and stored with the index: they let the answer pick the bullet
closest in meaning inside a section, which keyword overlap cannot do for paraphrases.
"""
from __future__ import annotations

import numpy as np

from indexer.snapshot import entry_passage  # noqa: F401 (the evaluation embeds entries the same way)

DENSE_QUERY_CHARS = 200  # part of the per-question budget; eval questions are under 80 characters


class DenseIndex:
    """Built once per index; ``encode`` is the only model call a question costs."""

    def __init__(self, resources, entry_refs) -> None:
        self.index = resources.index
        self.embedder = resources.embedder
        self.n = len(self.index.chunks)
        stored = self.index.entry_vectors
        if entry_refs and stored is not None and len(stored) == len(entry_refs):
            self.entry_vectors = stored  # in the same order: chunk by chunk, entry by entry
        elif entry_refs:  # an index built without them (tests may pass look-alikes)
            texts = [entry_passage(self.index.chunks[r.chunk], r.entry) for r in entry_refs]
            self.entry_vectors = np.ascontiguousarray(resources.embed_passages(texts), dtype=np.float32)
        else:
            self.entry_vectors = np.zeros((0, self.index.vectors.shape[1]), np.float32)

    def encode(self, text: str) -> np.ndarray:
        """The E5 query vector (``query: `` prompt, normalised); the one model call per question.
        Only the first DENSE_QUERY_CHARS characters are encoded: the encoder's cost grows faster
        than the length (a 1,000-character question cost ~10 encodes of a normal one) and what a
        question asks is said long before that."""
        return self.embedder.embed_query(text[:DENSE_QUERY_CHARS])

    def encode_many(self, texts: list[str]) -> np.ndarray:
        """Query vectors for many questions in one batch (the evaluation encodes its set at once)."""
        return self.embedder.embed_queries(texts)

    def chunk_scores(self, qvec: np.ndarray) -> np.ndarray:
        """Cosine of every section, in index order, from a FAISS search over all of them."""
        return self.index.all_scores(qvec)

    def entry_scores(self, qvec: np.ndarray) -> np.ndarray:
        return self.entry_vectors @ np.asarray(qvec, np.float32)
