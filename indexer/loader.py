"""What the Q&A, the quiz and the app share: the glossary, the index and the model, loaded once.

The loader compares the glossary on disk with the index's manifest on every load, so a stale
index is reported (and the app can offer a rebuild) instead of silently serving old answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from .cache import EmbeddingCache, embed_with_cache
from .chunks import Chunk
from .config import Config, load_config
from .embedder import Embedder
from .glossary import Glossary, load_glossary
from .store import GlossaryIndex, Staleness, check_staleness


@dataclass
class Resources:
    config: Config
    glossary: Glossary
    index: GlossaryIndex
    embedder: Embedder
    staleness: Staleness

    @property
    def chunks(self) -> list[Chunk]:
        return self.index.chunks

    @property
    def stale(self) -> bool:
        return self.staleness.stale

    @cached_property
    def _cache(self) -> EmbeddingCache:
        return EmbeddingCache(self.config.cache_file)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors through the shared cache: the quiz embeds single entries this way."""
        vectors, _ = embed_with_cache(list(texts), self.embedder.embed_passages, self._cache, self.embedder.model_id, "passage")
        return vectors

    def check(self) -> Staleness:
        """Re-read the knowledge hashes (cheap) so a long-running app notices edits."""
        self.staleness = check_staleness(self.config, self.index.manifest)
        return self.staleness


def load_resources(config: Config | None = None, embedder: Embedder | None = None) -> Resources:
    """Raises GlossaryError, IndexMissingError, IndexCorruptError or ModelMissingError with a
    message meant for a person; the callers show it rather than a traceback."""
    config = config or load_config()
    glossary = load_glossary(config.knowledge_dir)
    index = GlossaryIndex.load(config.index_dir)
    embedder = embedder or Embedder(config)
    return Resources(config, glossary, index, embedder, check_staleness(config, index.manifest))
