"""Sidebar status, rebuild and the friendly error screens (AppTest): a glossary editor edits the
Markdown, sees that the index is stale, rebuilds from the sidebar and gets the new text answered;
a missing index or a broken glossary gives a message (with file:line), never a traceback; the
model and index are loaded once per process, not per session, and a rebuild does not reload the
model."""
from __future__ import annotations

import re

from app_shared import text as app
from tests.e2e.workspace import (  # noqa: F401 — fixtures
    app_cache,
    app_model,
    app_test,
    app_workspace,
    built_app_workspace,
    glossary_file,
    open_page,
    sidebar_text,
    sources,
    texts,
    write_workspace,
)

NEW_ENTRY = "- **量子焼きなまし正則化**: 架空の手法で、重みに揺らぎを加えて過学習を抑える（テスト用）"
ANCHOR = "- **データ拡張**: 既存データから新しいサンプルを生成して多様性を増加"


def _stats(at) -> tuple[int, int]:
    caption = next(c.value for c in at.sidebar.caption if c.value.startswith("モデル読み込み"))
    model, index = re.findall(r"読み込み: (\d+) 回", caption)
    return int(model), int(index)


def test_sidebar_shows_model_chunks_build_time_and_sync(app_workspace):
    at = app_test().run()
    side = sidebar_text(at)
    assert "モデル: multilingual\\-e5\\-small" in side
    assert re.search(r"チャンク数: \d+", side)
    assert re.search(r"作成: 20\d\d\\-\d\d\\-\d\d \d\d\\:\d\d", side)
    assert "用語集と同期しています" in side
    assert at.sidebar.button(key="rebuild").label == "再構築"


def test_second_session_reuses_model_and_index(app_workspace):
    first = app_test().run()
    before = _stats(first)
    second = app_test().run()  # another browser session in the same server process
    assert not second.exception
    assert _stats(second) == before


def test_edit_rebuild_and_the_new_text_is_answered(app_workspace):
    path = glossary_file(app_workspace)
    at = app_test().run()
    models_before, index_before = _stats(at)
    path.write_text(path.read_text(encoding="utf-8").replace(ANCHOR, ANCHOR + "\n" + NEW_ENTRY), encoding="utf-8")
    at.run()
    side = sidebar_text(at)
    assert "用語集が変更されています" in side and "変更: aws_ml_glossary.ja.md" in side.replace("\\", "")
    assert at.sidebar.button(key="rebuild").proto.type == "primary"
    at.sidebar.button(key="rebuild").click().run()
    assert not at.exception, at.exception
    side = sidebar_text(at)
    assert "インデックスを更新しました" in side and "変更 1" in side, side
    assert "用語集と同期しています" in side
    models_after, index_after = _stats(at)
    assert models_after == models_before, "a rebuild never reloads the model"
    assert index_after == index_before + 1, "the rebuilt index is loaded once"
    at.chat_input(key="chat_input").set_value("量子焼きなまし正則化とは？").run()
    reply = [m for m in at.chat_message if m.name == "assistant"][-1]
    assert any("量子焼きなまし正則化" in t for t in texts(reply)), texts(reply)
    assert sources(reply)[0].startswith("［1］ 過学習（overfitting） › 防止策と対策")


def test_index_rebuilt_outside_the_app_is_picked_up(app_workspace):
    """An editor runs ``python -m indexer`` while the app is up: the next rerun serves the new index
    (keyed by its build id) without a restart and without reloading the model."""
    from indexer.config import load_config
    from indexer.store import build_index

    at = app_test().run()
    models_before, _ = _stats(at)
    assert "チャンク数: 35" in sidebar_text(at)
    path = glossary_file(app_workspace)
    text = path.read_text(encoding="utf-8")
    start = text.index("### 一般的なユースケース")
    end = text.index("## Amazon SageMaker Debugger")
    path.write_text(text[:start] + text[end:], encoding="utf-8")  # a section removed: nothing to embed

    def no_model():
        raise AssertionError("removing a section needs no embedding")

    build_index(load_config(app_workspace), embedder_factory=no_model)
    at.run()
    side = sidebar_text(at)
    assert "チャンク数: 34" in side and "用語集と同期しています" in side
    assert _stats(at)[0] == models_before
    at = open_page(at, "go-glossary")
    assert "一般的なユースケース" not in [e.label for e in at.expander]


def test_missing_index_welcomes_and_builds(tmp_path, app_model, app_cache, monkeypatch):
    monkeypatch.setenv("STUDY_CONFIG", str(write_workspace(tmp_path, app_model, app_cache)))
    at = app_test().run()
    assert not at.exception
    assert "ようこそ" in at.info[0].value
    assert "インデックスはまだありません" in sidebar_text(at)
    at.button(key="build-index").click().run()  # the cache makes this quick: nothing to embed
    assert not at.exception
    assert any("インデックスを更新しました" in s.value for s in at.success)
    assert at.chat_input(key="chat_input") is not None


def _break(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    n = lines.index("- **定義**: トレーニングデータに特化しすぎて汎化能力が失われる現象") + 1
    lines[n - 1] = "- **定義** コロンのない説明"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n


def test_broken_glossary_at_start_is_a_friendly_error_with_file_and_line(tmp_path, app_model, monkeypatch):
    config = write_workspace(tmp_path, app_model)
    line = _break(glossary_file(config))
    monkeypatch.setenv("STUDY_CONFIG", str(config))
    at = app_test().run()
    assert not at.exception, "no traceback"
    assert f"aws\\_ml\\_glossary\\.ja\\.md の {line} 行目" in at.error[0].value
    assert at.code[0].value.startswith(f"aws_ml_glossary.ja.md:{line}: ")
    assert at.button(key="retry-glossary").label == "読み込み直す"


def test_glossary_broken_while_serving_keeps_the_old_index(app_workspace):
    at = app_test().run()
    line = _break(glossary_file(app_workspace))
    at.run()
    side = sidebar_text(at)
    assert f"aws\\_ml\\_glossary\\.ja\\.md\\:{line}\\:" in side, side  # file:line shown to the editor at once
    at.sidebar.button(key="rebuild").click().run()
    assert not at.exception
    errors = [e.value for e in at.sidebar.error]
    assert any("再構築できませんでした" in e for e in errors), errors
    at.chat_input(key="chat_input").set_value("過学習とは？").run()  # the previous index still answers
    assert sources([m for m in at.chat_message if m.name == "assistant"][-1])


def test_hostile_text_never_reaches_html(app_workspace):
    at = app_test().run()
    at.chat_input(key="chat_input").set_value("<img src=x onerror=alert(1)>").run()
    assert app.md_escape("<img src=x onerror=alert(1)>") in texts(at.chat_message[0])
    assert not at.get("html") and not any(m.proto.allow_html for m in at.markdown)


def test_corrupt_index_offers_a_full_rebuild(app_workspace):
    from indexer.config import load_config

    index_dir = load_config(app_workspace).index_dir
    (index_dir / "index.faiss").write_bytes(b"not a faiss index")
    at = app_test().run()
    assert not at.exception
    assert "壊れている" in at.warning[0].value
    assert at.button(key="rebuild-full").label == "インデックスを作り直す"


def test_a_restart_with_a_broken_glossary_still_answers_from_the_last_build(app_workspace):
    """The issue-13 repro in the app: a broken file on disk when the server (re)starts."""
    import streamlit as st

    line = _break(glossary_file(app_workspace))
    st.cache_resource.clear()  # what a restart does: nothing loaded yet
    at = app_test().run()
    assert not at.exception
    side = sidebar_text(at)
    assert f"aws\\_ml\\_glossary\\.ja\\.md\\:{line}\\:" in side, side
    at.chat_input(key="chat_input").set_value("過学習とは？").run()
    assert not at.exception
    assert sources([m for m in at.chat_message if m.name == "assistant"][-1])
