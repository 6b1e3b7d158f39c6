"""Katakana spellings of the lexicon's English words: the real e2k model, made once per word."""
from __future__ import annotations

import json
from pathlib import Path

from indexer.readings import katakana_readings, spellable_words
from indexer.snapshot import ALIASES_FILE
from indexer.store import build_index


def test_only_english_words_are_spelt():
    groups = [("Feature", "機能"), ("UI", "インターフェース"), ("s3", "S3"), ("early stopping", "早期停止"),
              ("built-in", "組み込み"), ("feature", "特徴")]
    assert spellable_words(groups) == ["feature", "early stopping", "built-in"]


def test_the_model_spells_loanwords_as_learners_write_them():
    spelt = katakana_readings([("feature", "benefit", "function", "detection", "early stopping")])
    assert spelt == {"feature": "フィーチャー", "benefit": "ベネフィット", "function": "ファンクション",
                     "detection": "ディテクション", "early stopping": "アーリーストッピング"}


def test_a_previous_spelling_is_reused_not_recomputed():
    # "feature" keeps the spelling it was given (even a made-up one); only "benefit" is new.
    assert katakana_readings([("feature", "benefit")], {"feature": "ＸＸ", "gone": "ゴーン"}) == \
        {"feature": "ＸＸ", "benefit": "ベネフィット"}


def test_the_build_stores_the_spellings_and_a_rebuild_keeps_them(workspace, embedder):
    build_index(workspace, embedder_factory=lambda: embedder)
    stored = json.loads((Path(workspace.index_dir) / ALIASES_FILE).read_text(encoding="utf-8"))["readings"]
    assert stored["dropout"] == "ドロップアウト" and stored["benefit"] == "ベネフィット"
    path = Path(workspace.knowledge_dir) / "aws_ml_glossary.ja.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    build_index(workspace, embedder_factory=lambda: embedder)
    again = json.loads((Path(workspace.index_dir) / ALIASES_FILE).read_text(encoding="utf-8"))["readings"]
    assert again == stored
