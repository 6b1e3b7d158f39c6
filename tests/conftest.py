"""Shared fixtures: the real model is loaded once per test session, and every test that builds an
index does it in a temporary copy of the project's knowledge, never in the project's own data/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.config import PROJECT_ROOT, Config, load_config

SEED = PROJECT_ROOT / "knowledge" / "aws_ml_glossary.ja.md"


@pytest.fixture(scope="session")
def project_config() -> Config:
    return load_config(PROJECT_ROOT / "config.yaml")


@pytest.fixture(scope="session")
def embedder(project_config):
    from indexer.convert_model import ensure_model
    from indexer.embedder import Embedder

    if project_config.model.name_or_path.startswith("models/"):
        ensure_model(Path(project_config.model_path))
    return Embedder(project_config)


def make_workspace(root: Path, project_config: Config, shared_cache: Path | None = None) -> Config:
    """A private copy of knowledge/ with its own index and history paths under ``root``."""
    knowledge = root / "knowledge"
    shutil.copytree(project_config.knowledge_dir, knowledge)
    return Config(
        knowledge_dir=knowledge,
        aliases_file=knowledge / "aliases.yaml",
        model=project_config.model,
        index_dir=root / "data" / "index",
        cache_file=shared_cache or root / "data" / "embedding_cache.sqlite",
        qa=project_config.qa,
        quiz=type(project_config.quiz)(history_db=root / "data" / "quiz_history.sqlite", default_n=project_config.quiz.default_n),
        root=project_config.root,
    )


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One embedding cache for the whole session: unchanged chunks are embedded once."""
    return tmp_path_factory.mktemp("cache") / "embedding_cache.sqlite"


@pytest.fixture(scope="session")
def built_config(tmp_path_factory, project_config, embedder, shared_cache) -> Config:
    """A workspace whose index is built from the seed glossary, read-only for the tests that use it."""
    from indexer.store import build_index

    config = make_workspace(tmp_path_factory.mktemp("built"), project_config, shared_cache)
    build_index(config, embedder_factory=lambda: embedder)
    return config


@pytest.fixture(scope="session")
def resources(built_config, embedder):
    from indexer.loader import open_resources

    return open_resources(built_config, embedder=embedder)


@pytest.fixture
def workspace(tmp_path, project_config, shared_cache) -> Config:
    """A fresh, writable workspace for tests that edit the glossary or the history."""
    return make_workspace(tmp_path, project_config, shared_cache)
