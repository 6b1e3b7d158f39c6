"""Temporary workspaces for the app's tests (AppTest in tests/test_app_*.py and the browser test).

A workspace is a folder with its own copy of the glossary, index, embedding cache and quiz history,
and a ``config.yaml`` naming them, so ``$STUDY_CONFIG`` points the whole app at it; the model is
the project's own folder, named by absolute path. Nothing here touches the project's data/.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from indexer.config import PROJECT_ROOT, Config, load_config

APP = PROJECT_ROOT / "app.py"
GLOSSARY_NAME = "aws_ml_glossary.ja.md"


def project_model_path() -> Path:
    """The project's converted model folder (converted first if it is missing; cheap otherwise)."""
    config = load_config(PROJECT_ROOT / "config.yaml")
    path = Path(config.model_path)
    if config.model.name_or_path.startswith("models/"):
        from indexer.convert_model import ensure_model

        ensure_model(path, log=lambda *a, **k: None)
    return path


def write_workspace(root: Path, model_path: Path, cache_file: Path | None = None,
                    knowledge_from: Path | None = None) -> Path:
    """A fresh workspace under ``root`` (no index yet); returns its config.yaml."""
    root = Path(root)
    knowledge = root / "knowledge"
    if not knowledge.exists():
        shutil.copytree(knowledge_from or PROJECT_ROOT / "knowledge", knowledge)
    project = load_config(PROJECT_ROOT / "config.yaml")
    config = {
        "knowledge_dir": str(knowledge),
        "aliases_file": str(knowledge / "aliases.yaml"),
        "index_dir": str(root / "data" / "index"),
        "cache_file": str(cache_file or root / "data" / "embedding_cache.sqlite"),
        "model": {**project.model.__dict__, "name_or_path": str(model_path)},
        "qa": dict(project.qa.__dict__),
        "quiz": {"history_db": str(root / "data" / "quiz_history.sqlite"), "default_n": project.quiz.default_n},
    }
    (root / "data").mkdir(parents=True, exist_ok=True)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def copy_workspace(src: Path, dst: Path) -> Path:
    """A writable copy of a built workspace (the index link is relative, so it stays valid)."""
    shutil.copytree(src, dst, symlinks=True)
    config_path = Path(dst) / "config.yaml"
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for key in ("knowledge_dir", "aliases_file", "index_dir"):
        raw[key] = raw[key].replace(str(src), str(dst))
    raw["quiz"]["history_db"] = raw["quiz"]["history_db"].replace(str(src), str(dst))
    config_path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config_path


def glossary_file(config_path: Path) -> Path:
    return Path(load_config(config_path).knowledge_dir) / GLOSSARY_NAME


def config_of(config_path: Path) -> Config:
    return load_config(config_path)


# --- pytest fixtures for the AppTest modules (imported by name into each tests/test_app_*.py) ----

import contextlib  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402

import pytest  # noqa: E402

APP_TIMEOUT = 180  # seconds per AppTest run: the first one loads the model (~10 s, more on a busy machine)
_built: dict[str, Path] = {}
_built_lock = threading.Lock()


def app_test():
    """A fresh AppTest (one browser session) of app.py; each run reads $STUDY_CONFIG, which the
    test sets with monkeypatch (see ``app_workspace``) so it never leaks into other tests."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT)


@contextlib.contextmanager
def study_config(config_path: Path):
    before = os.environ.get("STUDY_CONFIG")
    os.environ["STUDY_CONFIG"] = str(config_path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("STUDY_CONFIG", None)
        else:
            os.environ["STUDY_CONFIG"] = before


def build_through_app(config_path: Path):
    """Build the index the way a first-time user does: the welcome screen's button."""
    with study_config(config_path):
        at = app_test().run()
        assert not at.exception, at.exception
        assert "インデックスを作成" in [b.label for b in at.button], [b.label for b in at.button]
        at.button(key="build-index").click().run()
        assert not at.exception, at.exception
    return at


@pytest.fixture(scope="session")
def app_model() -> Path:
    return project_model_path()


@pytest.fixture(scope="session")
def app_cache(tmp_path_factory) -> Path:
    """One embedding cache for every app test in the process (the modules that import this
    fixture each get their own FixtureDef, hence the memo): unchanged chunks are embedded once."""
    with _built_lock:
        if "cache" not in _built:
            _built["cache"] = tmp_path_factory.mktemp("app-cache") / "embedding_cache.sqlite"
    return _built["cache"]


@pytest.fixture(scope="session")
def built_app_workspace(tmp_path_factory, app_model, app_cache) -> Path:
    """A workspace whose index the app itself built (once per test process); never edited."""
    with _built_lock:
        if "config" not in _built:
            config_path = write_workspace(tmp_path_factory.mktemp("app-built"), app_model, app_cache)
            at = build_through_app(config_path)
            assert not at.error, [e.value for e in at.error]
            _built["config"] = config_path
            _built["first_run"] = at
    return _built["config"]


@pytest.fixture
def app_workspace(tmp_path, built_app_workspace, monkeypatch) -> Path:
    """A private, writable copy of the built workspace; $STUDY_CONFIG points at it."""
    config_path = copy_workspace(built_app_workspace.parent, tmp_path / "ws")
    monkeypatch.setenv("STUDY_CONFIG", str(config_path))
    return config_path


# --- small AppTest helpers ---------------------------------------------------------------------


def texts(block) -> list[str]:
    """Every Markdown / caption body under ``block`` (an AppTest or one of its blocks)."""
    return [m.value for m in block.markdown] + [c.value for c in block.caption]


def sources(block) -> list[str]:
    """The citation lines under a chat answer, unescaped (``［1］ term › section（file:line）``);
    empty when the answer cites nothing (a refusal)."""
    captions = [c.value for c in block.caption if c.value.startswith("出典（")]
    if not captions:
        return []
    return [re.sub(r"\\(.)", r"\1", line) for line in captions[0].split("  \n")[1:]]


def open_page(at, key: str):
    """Go to the quiz or glossary page through the chat page's welcome buttons, as a user would."""
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def sidebar_text(at) -> str:
    sb = at.sidebar
    parts = [m.value for m in sb.markdown] + [c.value for c in sb.caption]
    parts += [e.value for e in sb.success] + [e.value for e in sb.warning] + [e.value for e in sb.error]
    return "\n".join(parts)
