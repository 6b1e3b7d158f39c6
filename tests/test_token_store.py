"""The token store: a restart reads the glossary's tokens from disk, and what it reads is exactly
what the tokenizer would have said; a damaged, foreign or unwritable file costs time, never answers."""
from __future__ import annotations

import json

from qa import build_answerer
from qa.token_store import TokenStore
from qa.tokenize import get_tokenizer


def _texts(resources) -> list[str]:
    texts = [c.text for c in resources.chunks]
    texts += [e.display for c in resources.chunks for e in c.entries]
    return texts


def test_stored_tokens_equal_fresh_tokens(resources, tmp_path):
    tokenizer = get_tokenizer()
    first = TokenStore(tokenizer, tmp_path / "qa_tokens.json")
    for text in _texts(resources):
        first.tokens(text)
    assert first.misses == len(set(_texts(resources)))
    first.save()
    again = TokenStore(tokenizer, tmp_path / "qa_tokens.json")
    for text in _texts(resources):
        assert again.tokens(text) == tokenizer.tokens(text)
    assert again.misses == 0


def test_restart_reads_the_store_and_answers_the_same(resources):
    path = resources.config.cache_file.with_name("qa_tokens.json")
    path.unlink(missing_ok=True)
    cold = build_answerer(resources)
    assert path.exists()
    warm = build_answerer(resources)
    assert warm.retriever.keyword.chunk_tokens == cold.retriever.keyword.chunk_tokens
    assert warm.retriever.keyword.entry_tokens == cold.retriever.keyword.entry_tokens
    question = "EventBridge の利点は？"
    assert warm.ask(question).to_json() == cold.ask(question).to_json()


def test_damaged_or_foreign_files_are_ignored(tmp_path):
    tokenizer = get_tokenizer()
    path = tmp_path / "qa_tokens.json"
    text = "過学習は訓練データに適合しすぎた状態です。"
    for body in ("{not json", json.dumps({"version": "other", "texts": {text: [["x", "", "名詞", 0]]}}),
                 json.dumps({"version": TokenStore(tokenizer).version, "texts": {text: [["only-two", 1]]}})):
        path.write_text(body, encoding="utf-8")
        store = TokenStore(tokenizer, path)
        assert store.tokens(text) == tokenizer.tokens(text)
        assert store.misses == 1


def test_an_unwritable_place_is_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    store = TokenStore(get_tokenizer(), blocker / "sub" / "qa_tokens.json")  # parent is a file
    store.tokens("TensorBoard の主要機能")
    store.save()
    assert not (blocker / "sub").exists()
