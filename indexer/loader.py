"""``open_resources(config)``: the one way every front end (the app, ``python -m qa``,
``python -m quiz``, the benchmarks) opens the glossary, the index and the model.

The built index is what answers: the glossary, the aliases and the entry vectors come from the
build (snapshot.py), never from parsing ``knowledge/`` again, so an editor's half-written file
cannot take answering down. The loader compares the files on disk with the manifest (hashes only)
and, when they differ, validates them, so a stale index and a broken file are *reported* (``stale``,
``problem``) while the last good build keeps serving. Only without an index is ``knowledge/``
parsed (the quiz and the glossary page work before the first build).
Everything that can go wrong is a ``KnowledgeError`` with a message for a person.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Sequence, Union

import numpy as np

from .cache import EmbeddingCache, embed_with_cache
from .chunks import Chunk
from .config import Config, load_config
from .embedder import Embedder
from .runtimes import limit_blas_threads
from .aliases import AliasError, Aliases
from .glossary import Glossary, GlossaryError, load_glossary
from .store import GlossaryIndex, IndexCorruptError, IndexMissingError, Staleness, check_staleness, validate_knowledge

EmbedderSource = Union[Embedder, Callable[[], Embedder], None]


@dataclass
class Resources:
    """The glossary, its index (None when opened with ``require_index=False`` and there is none)
    and the model, which is loaded on first use: listing topics or checking a request needs no model."""

    config: Config
    glossary: Glossary
    index: GlossaryIndex | None
    staleness: Staleness
    embedder_factory: Callable[[], Embedder] = field(repr=False)
    _embedder: Embedder | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    problem: GlossaryError | AliasError | None = None  # what is wrong in knowledge/ on disk, if anything

    @property
    def embedder(self) -> Embedder:
        """The model, loaded once (raises ModelMissingError when the set-up has not run)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = self.embedder_factory()
            return self._embedder

    @property
    def aliases(self) -> Aliases | None:
        """The aliases the index was built with (None without an index: read them from the file)."""
        return self.index.aliases if self.index is not None else None

    @property
    def chunks(self) -> list[Chunk]:
        return self.index.chunks if self.index is not None else []

    @property
    def manifest(self) -> dict | None:
        return self.index.manifest if self.index is not None else None

    @property
    def stale(self) -> bool:
        return self.staleness.stale

    @cached_property
    def _cache(self) -> EmbeddingCache:
        return EmbeddingCache(self.config.cache_file)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors through the shared cache: the quiz embeds single entries this way, and
        only texts the cache lacks load the model."""
        embedder = None

        def embed(todo: list[str]) -> np.ndarray:
            nonlocal embedder
            embedder = embedder or self.embedder
            return embedder.embed_passages(todo)

        vectors, _ = embed_with_cache(list(texts), embed, self._cache, self.config.model_path, "passage")
        return vectors

    def check(self) -> Staleness:
        """Re-read the knowledge hashes (cheap) so a long-running app notices edits."""
        before = self.staleness
        self.staleness = check_staleness(self.config, self.manifest)
        if self.staleness != before:
            self.problem = validate_knowledge(self.config) if self.staleness.stale else None
        return self.staleness


def _factory(config: Config, embedder: EmbedderSource) -> Callable[[], Embedder]:
    if embedder is None:
        return lambda: Embedder(config)
    if callable(embedder):
        return embedder
    return lambda: embedder  # an already-loaded model (tests pass look-alikes too)


def open_resources(config: Config | None = None, *, embedder: EmbedderSource = None,
                   require_index: bool = True) -> Resources:
    """The built index (with the glossary it was built from) + (lazily) the model.

    ``embedder`` is a loaded model or a function that loads one (the app passes its cached model);
    by default the configured model is loaded on first use. With ``require_index=False`` a missing
    or unreadable index is not an error (the quiz needs only the glossary and the model): the
    glossary is then parsed from ``knowledge/``. A broken glossary or aliases file next to a good
    index is not an error either: it is ``problem``, and the index keeps answering.
    Raises KnowledgeError: IndexMissingError, IndexCorruptError, ConfigError (GlossaryError only
    when there is no index to fall back on).
    """
    config = config or load_config()
    limit_blas_threads()
    try:
        index = GlossaryIndex.load(config.index_dir)
    except (IndexMissingError, IndexCorruptError):
        if require_index:
            raise
        index = None
    if index is None:
        glossary, staleness, problem = load_glossary(config.knowledge_dir), Staleness(missing=True), None
    else:
        glossary, staleness = index.glossary, check_staleness(config, index.manifest)
        problem = validate_knowledge(config) if staleness.stale else None
    return Resources(config=config, glossary=glossary, index=index, staleness=staleness,
                     embedder_factory=_factory(config, embedder), problem=problem)
