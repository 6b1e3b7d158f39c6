"""Everything a page needs for one script run, loaded through cached resources.

Caching (one server process, every browser session):

* the embedding model is cached on its own (``get_embedder``), keyed by the model settings;
* the glossary + index + answerer are cached by the index's *build id* (a hash of its manifest),
  so a rebuild — from the sidebar or from ``python -m indexer`` — is picked up on the next rerun,
  and it never reloads the model.

A known problem (no index, a broken glossary, no model) is returned as ``AppContext.problem``,
never raised, so every page can show it as a message.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, TypeVar

import streamlit as st

from indexer.config import Config, load_config
from indexer.embedder import Embedder
from indexer.errors import ErrorKind, KnowledgeError
from indexer.glossary import Glossary, load_glossary
from indexer.loader import Resources, open_resources
from indexer.store import read_manifest

if TYPE_CHECKING:  # qa is imported when the first answerer is built, after the page is drawn
    from qa import Answerer

T = TypeVar("T")


@dataclass
class LoadCounter:
    count: int = 0
    seconds: float = 0.0


@dataclass
class LoadStats:
    """Process-wide counters, shown in the sidebar's 技術情報 (and read by the browser test)."""

    model: LoadCounter = field(default_factory=LoadCounter)
    index: LoadCounter = field(default_factory=LoadCounter)
    answerer: LoadCounter = field(default_factory=LoadCounter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, counter: LoadCounter, make: Callable[[], T]) -> T:
        """``make()``, counted and timed on ``counter`` (one of this object's three)."""
        started = time.perf_counter()
        value = make()
        with self.lock:
            counter.count += 1
            counter.seconds += time.perf_counter() - started
        return value


@st.cache_resource(show_spinner=False)
def load_stats() -> LoadStats:
    return LoadStats()


def _model_key(config: Config) -> str:
    return json.dumps([config.model_path, config.model.runtime, config.model.threads, config.model.query_prompt,
                       config.model.passage_prompt, config.model.batch_size])


@st.cache_resource(show_spinner="埋め込みモデルを読み込んでいます…（サーバー起動後の初回のみ）", max_entries=2)
def _embedder(key: str, _config: Config) -> Embedder:
    stats = load_stats()
    return stats.timed(stats.model, lambda: Embedder(_config))


def get_embedder(config: Config) -> Embedder:
    """The model for these settings, loaded once per server process."""
    return _embedder(_model_key(config), config)


@st.cache_resource(show_spinner="インデックスを読み込んでいます…", max_entries=3)
def _resources(config_key: str, index_build: str, _config: Config, _embedder: Embedder) -> Resources:
    """Keyed by the build id: a rebuilt index is a new entry, the model is passed in, not reloaded."""
    stats = load_stats()
    return stats.timed(stats.index, lambda: open_resources(_config, embedder=_embedder))


@st.cache_resource(show_spinner="回答エンジンを準備しています…", max_entries=3)
def _answerer(config_key: str, index_build: str, _resources: Resources) -> Answerer:
    from qa import build_answerer  # its imports (bm25s, Sudachi, scipy) wait until a page needs it

    stats = load_stats()
    return stats.timed(stats.answerer, lambda: build_answerer(_resources))


def build_id(manifest: dict) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass
class Problem:
    kind: ErrorKind
    message: str
    error: BaseException | None = None


@dataclass
class AppContext:
    config: Config | None
    glossary: Glossary | None = None
    resources: Resources | None = None
    build: str | None = None
    manifest: dict | None = None
    problem: Problem | None = None

    @property
    def config_key(self) -> str:
        return repr(self.config)

    def answerer(self) -> Answerer:
        """The cached answerer of the loaded index (only when ``resources`` is set)."""
        return _answerer(self.config_key, self.build, self.resources)


def problem_of(error: Exception) -> Problem:
    """A package's error as a problem screen: known ones by kind, anything else as unexpected."""
    if isinstance(error, KnowledgeError):
        return Problem(error.kind, str(error), error)
    return Problem(ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}", error)


def load_context() -> AppContext:
    """Everything a page needs, or the reason it cannot have it (never raises for known errors)."""
    try:
        ctx = AppContext(load_config())
    except KnowledgeError as e:
        return AppContext(None, problem=problem_of(e))
    try:
        _open(ctx)
    except Exception as e:  # noqa: BLE001 — shown to the user instead of a bare traceback
        ctx.problem = problem_of(e)
    return ctx


def _open(ctx: AppContext) -> None:
    config = ctx.config
    manifest = read_manifest(config.index_dir)
    if manifest is None:
        # No index yet: the glossary page still works, and a broken file is reported first.
        ctx.glossary = load_glossary(config.knowledge_dir)
        ctx.problem = Problem(ErrorKind.INDEX_MISSING, "インデックスがまだ作成されていません。")
        return
    ctx.manifest = manifest
    ctx.build = build_id(manifest)
    ctx.resources = _resources(ctx.config_key, ctx.build, config, get_embedder(config))
    ctx.glossary = ctx.resources.glossary
