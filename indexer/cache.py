"""Embedding cache keyed by (model, side, text hash), in one SQLite file.

Why: editing one bullet should re-embed one chunk, not the glossary (the idea of simonw/llm's
content hashes). The key includes the model id so switching models never mixes vector spaces,
and the side (passage/query) because E5 embeds the two with different prefixes.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .chunks import text_hash

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    side TEXT NOT NULL,
    hash TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, side, hash)
)
"""


class EmbeddingCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute(_SCHEMA)
        return conn

    def get_many(self, model: str, side: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        if not hashes:
            return found
        try:
            with closing(self._connect()) as conn:
                wanted = list(dict.fromkeys(hashes))
                for start in range(0, len(wanted), 500):
                    part = wanted[start : start + 500]
                    marks = ",".join("?" * len(part))
                    rows = conn.execute(
                        f"SELECT hash, vector FROM embeddings WHERE model=? AND side=? AND hash IN ({marks})",
                        [model, side, *part],
                    )
                    for h, blob in rows:
                        found[h] = np.frombuffer(blob, dtype=np.float32).copy()
        except sqlite3.DatabaseError:
            return {}  # a corrupt cache only costs time: everything is embedded again
        return found

    def put_many(self, model: str, side: str, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        try:
            with closing(self._connect()) as conn, conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?)",
                    [(model, side, h, int(v.shape[0]), np.asarray(v, np.float32).tobytes()) for h, v in items.items()],
                )
        except sqlite3.DatabaseError:
            pass


def embed_with_cache(
    texts: Sequence[str],
    embed: Callable[[list[str]], np.ndarray],
    cache: EmbeddingCache | None,
    model: str,
    side: str = "passage",
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` in order, embedding only the ones the cache lacks.

    Returns the matrix and how many texts were actually embedded.
    """
    hashes = [text_hash(t) for t in texts]
    known = cache.get_many(model, side, hashes) if cache else {}
    missing = [i for i, h in enumerate(hashes) if h not in known]
    fresh: dict[str, np.ndarray] = {}
    if missing:
        todo = list(dict.fromkeys(texts[i] for i in missing))
        vecs = embed(todo)
        fresh = {text_hash(t): v for t, v in zip(todo, vecs)}
        if cache:
            cache.put_many(model, side, fresh)
    rows = [known.get(h) if h in known else fresh[h] for h in hashes]
    dim = rows[0].shape[0] if rows else 0
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
    return matrix, len({hashes[i] for i in missing})
