"""Index round trip, incremental rebuild, staleness and crash safety, on the real model and FAISS."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from indexer.config import PROJECT_ROOT
from indexer.glossary import GlossaryError
from indexer.cli_text import staleness_text
from indexer.loader import open_resources
from indexer.store import GlossaryIndex, IndexMissingError, build_index, check_staleness

OLD = "- **イベントパターンマッチング**: 特定のパターンに一致するイベントのフィルタリング"
NEW = "- **イベントパターンマッチング**: JSON形式のパターンでイベントの属性を照合し、該当イベントだけを転送"


class CountingEmbedder:
    """The real embedder, counting what it is asked to embed (not a mock: every vector is real)."""

    def __init__(self, embedder):
        self.inner = embedder
        self.model_id = embedder.model_id
        self.embedded: list[str] = []

    def embed_passages(self, texts, show_progress=False):
        self.embedded.extend(texts)
        return self.inner.embed_passages(texts)


def _search(index: GlossaryIndex, embedder, text: str):
    return index.search(embedder.embed_query(text), k=3)


def _edit(config, old: str, new: str) -> None:
    path = Path(config.knowledge_dir) / "aws_ml_glossary.ja.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_round_trip_finds_the_section_of_a_seed_phrase(built_config, embedder):
    index = GlossaryIndex.load(built_config.index_dir)
    assert index.manifest["chunk_count"] == len(index.chunks) == 35
    assert index.manifest["dim"] == 384
    assert set(index.manifest["files"]) == {"aws_ml_glossary.ja.md", "aliases.yaml"}  # aliases are knowledge
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-4)
    top = _search(index, embedder, "イベントをルーティングする中央ハブ")[0]
    assert (top.chunk.term, top.chunk.section) == ("Amazon EventBridge", "主な特徴")
    top = _search(index, embedder, "ドロップアウトや早期停止で過学習を防ぐ")[0]
    assert (top.chunk.term, top.chunk.section) == ("過学習（overfitting）", "防止策と対策")


def test_all_scores_are_every_chunks_cosine_in_chunk_order(built_config, embedder):
    index = GlossaryIndex.load(built_config.index_dir)
    q = embedder.embed_query("イベントをルーティングする中央ハブ")
    scores = index.all_scores(q)
    assert scores.shape == (len(index.chunks),)
    assert np.allclose(scores, index.vectors @ q, atol=1e-5)  # the plain matrix product, chunk by chunk
    by_id = {hit.chunk.id: hit.score for hit in index.search(q, len(index.chunks))}
    assert np.allclose(scores, [by_id[c.id] for c in index.chunks], atol=1e-6)


def test_manifest_records_model_versions_and_build_time(built_config):
    manifest = json.loads((Path(built_config.index_dir) / "manifest.json").read_text())
    assert manifest["model"].endswith("multilingual-e5-small")
    assert {"faiss-cpu", "sentence-transformers"} <= set(manifest["versions"])
    assert manifest["built_at"] and manifest["build_seconds"] > 0


def test_one_bullet_edit_embeds_exactly_one_chunk(workspace, embedder, tmp_path):
    config = replace(workspace, cache_file=tmp_path / "own_cache.sqlite")
    first = CountingEmbedder(embedder)
    report = build_index(config, embedder_factory=lambda: first)
    entries = sum(len(c.entries) for c in GlossaryIndex.load(config.index_dir).chunks)
    # Every chunk and every entry (the entry vectors are stored with the index), and each term's
    # description (for the quiz, through the embedding cache).
    terms = len(GlossaryIndex.load(config.index_dir).glossary.terms)
    assert report.added == report.chunk_count == 35 and len(first.embedded) == 35 + entries + terms

    _edit(config, OLD, NEW)
    counting = CountingEmbedder(embedder)
    report = build_index(config, embedder_factory=lambda: counting)
    assert (report.changed, report.added, report.removed, report.embedded) == (1, 0, 0, 2)  # its chunk, its entry
    assert len(counting.embedded) == 2 and all("JSON形式のパターン" in t for t in counting.embedded)

    index = GlossaryIndex.load(config.index_dir)
    hit = _search(index, embedder, "JSON形式のパターンでイベントの属性を照合")[0]
    assert (hit.chunk.term, hit.chunk.section) == ("Amazon EventBridge", "主な特徴")
    assert "JSON形式のパターン" in hit.chunk.text
    assert not any("一致するイベントのフィルタリング" in c.text for c in index.chunks)


def test_removed_section_disappears_and_unchanged_rebuild_loads_no_model(workspace, embedder):
    build_index(workspace, embedder_factory=lambda: embedder)
    path = Path(workspace.knowledge_dir) / "aws_ml_glossary.ja.md"
    text = path.read_text(encoding="utf-8")
    start = text.index("### イベントソース")
    end = text.index("### ターゲットタイプ")
    path.write_text(text[:start] + text[end:], encoding="utf-8")

    def no_model():
        raise AssertionError("the model must not be loaded when every text is cached")

    report = build_index(workspace, embedder_factory=no_model)
    assert report.removed == 1 and report.embedded == 0
    assert all(c.section != "イベントソース" for c in GlossaryIndex.load(workspace.index_dir).chunks)
    again = build_index(workspace, embedder_factory=no_model)
    assert again.up_to_date and again.embedded == 0


def test_staleness_is_noticed_and_described(workspace, embedder):
    assert check_staleness(workspace).missing
    build_index(workspace, embedder_factory=lambda: embedder)
    assert not check_staleness(workspace).stale
    _edit(workspace, OLD, NEW)
    (Path(workspace.knowledge_dir) / "extra.md").write_text("## SageMaker Clarify\nバイアス検出のサービス。\n", encoding="utf-8")
    state = check_staleness(workspace)
    assert state.stale and state.changed == ["aws_ml_glossary.ja.md"] and state.added == ["extra.md"]
    assert "aws_ml_glossary.ja.md" in staleness_text(state)
    resources = open_resources(workspace, embedder=embedder)
    assert resources.stale
    build_index(workspace, embedder_factory=lambda: embedder)
    assert resources.check().stale, "resources loaded before the rebuild must know they are out of date"
    assert not open_resources(workspace, embedder=embedder).stale


def test_broken_glossary_leaves_the_previous_index_serving(workspace, embedder):
    build_index(workspace, embedder_factory=lambda: embedder)
    before = GlossaryIndex.load(workspace.index_dir)
    path = Path(workspace.knowledge_dir) / "aws_ml_glossary.ja.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## TensorBoard\n重複です。\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"aws_ml_glossary\.ja\.md:\d+: duplicate term 'TensorBoard'"):
        build_index(workspace, embedder_factory=lambda: embedder)
    after = GlossaryIndex.load(workspace.index_dir)
    assert after.manifest == before.manifest and len(after.chunks) == len(before.chunks)


def test_crash_while_writing_leaves_the_previous_index_serving(workspace, embedder, monkeypatch):
    build_index(workspace, embedder_factory=lambda: embedder)
    before = GlossaryIndex.load(workspace.index_dir).manifest
    _edit(workspace, OLD, NEW)
    import faiss

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(faiss, "write_index", disk_full)
    with pytest.raises(OSError):
        build_index(workspace, embedder_factory=lambda: embedder)
    monkeypatch.undo()
    assert GlossaryIndex.load(workspace.index_dir).manifest == before
    builds = Path(str(workspace.index_dir) + ".builds")
    assert len([p for p in builds.iterdir() if p.is_dir()]) == 1, "the half-written build must be cleaned up"
    assert build_index(workspace, embedder_factory=lambda: embedder).changed == 1


def test_concurrent_builds_leave_one_loadable_index(workspace, embedder, monkeypatch):
    """The app's rebuild button and `python -m indexer` may run at once; a slow disk (a pause
    after writing the vectors) widens the window in which one build's clean-up could remove
    another's half-written folder."""
    from concurrent.futures import ThreadPoolExecutor

    import faiss

    build_index(workspace, embedder_factory=lambda: embedder)
    _edit(workspace, OLD, NEW)
    real_write = faiss.write_index

    def slow_write(*args):
        real_write(*args)
        time.sleep(0.3)

    monkeypatch.setattr(faiss, "write_index", slow_write)
    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda full: build_index(workspace, full=full, embedder_factory=lambda: embedder),
                                [True, False, True, False]))
    assert all(r.chunk_count == 35 for r in reports)
    index = GlossaryIndex.load(workspace.index_dir)
    assert any("JSON形式のパターン" in c.text for c in index.chunks)
    builds = Path(str(workspace.index_dir) + ".builds")
    assert [p for p in builds.iterdir() if p.is_dir()] == [Path(workspace.index_dir).resolve()]


def test_missing_index_is_a_clear_error(workspace):
    with pytest.raises(IndexMissingError, match="python -m indexer"):
        GlossaryIndex.load(workspace.index_dir)


def _cli(*args: str, config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", "--config", str(config), *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )


def test_cli_builds_checks_and_reports_errors(workspace, embedder, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"knowledge_dir: {workspace.knowledge_dir}\nindex_dir: {workspace.index_dir}\n"
        f"cache_file: {workspace.cache_file}\nmodel:\n  name_or_path: {embedder.model_id}\n",
        encoding="utf-8",
    )
    stale = _cli("--check", config=cfg)
    assert stale.returncode == 1 and "no index" in stale.stdout
    built = _cli("--quiet", config=cfg)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("index built: 35 chunks")
    assert _cli("--check", config=cfg).returncode == 0
    again = _cli("--quiet", config=cfg)
    assert "up to date" in again.stdout
    (Path(workspace.knowledge_dir) / "bad.md").write_text("- **x**: y\n", encoding="utf-8")
    broken = _cli("--quiet", config=cfg)
    assert broken.returncode == 2 and "bad.md:1:" in broken.stderr and "Traceback" not in broken.stderr


def test_kill_9_during_full_builds_always_leaves_a_loadable_index(workspace, embedder, tmp_path):
    """The attack run's 25 kill -9 during builds, in small: the index is always loadable after."""
    import signal

    build_index(workspace, embedder_factory=lambda: embedder)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"knowledge_dir: {workspace.knowledge_dir}\naliases_file: {workspace.aliases_file}\n"
        f"index_dir: {workspace.index_dir}\ncache_file: {workspace.cache_file}\n"
        f"model:\n  name_or_path: {embedder.model_id}\n", encoding="utf-8")
    for delay in (0.3, 1.5, 4.0):
        proc = subprocess.Popen([sys.executable, "-m", "indexer", "--full", "--quiet", "--config", str(cfg)],
                                cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)  # only the process this test started
        proc.wait()
        index = GlossaryIndex.load(workspace.index_dir)
        assert len(index.chunks) == 35 and index.glossary is not None and index.entry_vectors is not None
