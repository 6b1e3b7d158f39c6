"""The one contract between the packages and their front ends: every error meant for a person is
a KnowledgeError with a kind; ``open_resources`` opens what a front end needs; build progress is
data (stage, done, total) that each front end words itself."""
from __future__ import annotations

import pytest

from indexer.aliases import AliasError
from indexer.config import load_config
from indexer.embedder import ModelMissingError
from indexer.errors import ConfigError, ErrorKind, KnowledgeError
from indexer.glossary import GlossaryError
from indexer.loader import open_resources
from indexer.progress import Stage
from indexer.store import IndexCorruptError, IndexMissingError, build_index
from quiz.history import HistoryError

SMALL = """## 試験用語

試験のための用語です。二つ目の文です。

### 特徴

- **速さ**: とても速い
- **軽さ**: とても軽い
"""


def test_every_error_for_a_person_is_a_knowledge_error_with_its_own_kind():
    classes = [ConfigError, GlossaryError, AliasError, IndexMissingError, IndexCorruptError, ModelMissingError,
               HistoryError]
    assert all(issubclass(c, KnowledgeError) for c in classes)
    kinds = [c.kind for c in classes]
    assert len(set(kinds)) == len(kinds) and all(isinstance(k, ErrorKind) for k in kinds)
    assert GlossaryError("a.md", 3, "bad").kind is ErrorKind.GLOSSARY


def test_an_unreadable_config_is_a_config_error_naming_the_file(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("model: [unclosed", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_config(bad)
    assert err.value.kind is ErrorKind.CONFIG and str(bad) in str(err.value)
    bad.write_text("model: {no_such_setting: 1}", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(bad)


def test_open_resources_without_an_index(workspace):
    with pytest.raises(IndexMissingError):
        open_resources(workspace)

    def no_model():
        raise AssertionError("opening resources must not load the model")

    resources = open_resources(workspace, embedder=no_model, require_index=False)
    assert resources.index is None and resources.chunks == [] and resources.staleness.missing
    assert [t.name for t in resources.glossary.terms][:1] == ["過学習（overfitting）"]


def test_build_progress_is_a_sequence_of_events(tmp_path, workspace, embedder):
    for md in workspace.knowledge_dir.glob("*.md"):
        md.unlink()
    (workspace.knowledge_dir / "small.md").write_text(SMALL, encoding="utf-8")
    config = workspace.with_paths(cache_file=tmp_path / "own_cache.sqlite")  # nothing cached: it embeds
    events = []
    build_index(config, progress=events.append, embedder_factory=lambda: embedder)
    stages = [e.stage for e in events]
    assert stages[0] is Stage.READING and stages[-1] is Stage.DONE
    assert stages.index(Stage.LOADING_MODEL) < stages.index(Stage.EMBEDDING) < stages.index(Stage.WRITING)
    embedding = [e for e in events if e.stage is Stage.EMBEDDING]
    assert embedding[-1].done == embedding[-1].total > 0
    assert [e.fraction for e in events] == sorted(e.fraction for e in events)
    events.clear()
    build_index(config, progress=events.append, embedder_factory=lambda: embedder)
    assert [e.stage for e in events] == [Stage.READING, Stage.UP_TO_DATE]
