"""The built index answers: a broken glossary or aliases file on disk is reported (file:line) while
the last good build keeps answering; aliases are knowledge (validated, hashed, rebuilt); a hostile
YAML file fails at once."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from indexer.__main__ import main as indexer_main
from indexer.aliases import AliasError, read_aliases
from indexer.loader import open_resources as load_resources
from indexer.store import build_index, check_staleness
from qa import build_answerer

# Malformed Markdown an editor may save, each with the line the report must name.
MALFORMED = [
    ("- **x**: stray\n", 1),
    ("## T\n\n### S\n- **a**: b\n## T\n### S\n- **c**: d\n", 5),
    ("## T\nintro\n### S\n\n### S2\n- **a**: b\n", 3),
    ("## T\n### S\n- **a** b\n", 3),
    ("## T\n### S\n- **a**: \n", 3),
    ("### S\n- **a**: b\n", 1),
    ("## T\nintro\n- **a**: b\n", 3),
    ("## T\n### S\n- **a**: b\nstray prose\n", 4),
    ("## T\n### S\n- **a**: b\n#### deep\n", 4),
    ("## T\n", 1),
    ("## T\n### S\n- **a**: b\n### S\n- **c**: d\n", 4),
    ("## T\n```\ncode\n", 2),
    ("## 過学習（overfitting）\nagain.\n", 1),  # duplicates a term of the seed file
    ("## ＴｅｎｓｏｒＢｏａｒｄ\nlook-alike.\n", 1),
    ("## T\nintro.\n### 概要\n- **a**: b\n", 3),
    ("##\n", 1),
    ("## T\n### S\n- **a**：\n", 3),
    ("## T\r### S\r- **a**: b\rprose\r", 4),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory, project_config, embedder, shared_cache):
    from .conftest import make_workspace

    config = make_workspace(tmp_path_factory.mktemp("guard"), project_config, shared_cache)
    build_index(config, embedder_factory=lambda: embedder)
    return config


@pytest.mark.parametrize("text, line", MALFORMED)
def test_a_broken_file_is_reported_and_the_last_build_answers(built, embedder, text, line):
    bad = Path(built.knowledge_dir) / "zz_bad.md"
    bad.write_text(text, encoding="utf-8", newline="")
    try:
        resources = load_resources(built, embedder=embedder)
        assert resources.problem is not None
        assert str(resources.problem).startswith(f"zz_bad.md:{line}: ")
        assert resources.stale and "zz_bad.md" in resources.staleness.added
        answer = build_answerer(resources).ask("過学習とは？")
        assert answer.found and answer.citations[0].term == "過学習（overfitting）"
        with pytest.raises(Exception) as err:  # a rebuild refuses and leaves the index alone
            build_index(built, embedder_factory=lambda: embedder)
        assert str(err.value).startswith(f"zz_bad.md:{line}: ")
        assert load_resources(built, embedder=embedder).index.manifest == resources.index.manifest
    finally:
        bad.unlink()


def test_check_names_the_broken_line_and_fixing_it_clears_the_problem(built, embedder, capsys, tmp_path):
    bad = Path(built.knowledge_dir) / "zz_bad.md"
    bad.write_text("## T\n### S\n- **a** b\n", encoding="utf-8")
    try:
        resources = load_resources(built, embedder=embedder)
        config_file = _config_file(tmp_path, built)
        assert indexer_main(["--config", str(config_file), "--check"]) == 2
        assert "zz_bad.md:3:" in capsys.readouterr().err
        bad.write_text("## T\n### S\n- **a**: b\n", encoding="utf-8")
        resources.check()
        assert resources.problem is None and resources.stale
        assert indexer_main(["--config", str(config_file), "--check"]) == 1
    finally:
        bad.unlink()
    assert indexer_main(["--config", str(config_file), "--check"]) == 0


def _config_file(tmp_path: Path, config) -> Path:
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "knowledge_dir": str(config.knowledge_dir), "aliases_file": str(config.aliases_file),
        "model": {"name_or_path": config.model_path}, "index_dir": str(config.index_dir),
        "cache_file": str(config.cache_file)}, allow_unicode=True), encoding="utf-8")
    return path


# -- aliases -------------------------------------------------------------------------------

NAMES = {"TensorBoard": ("TensorBoard",), "Amazon EventBridge": ("Amazon EventBridge",)}


@pytest.mark.parametrize("text, line, words", [
    ("terms: [unclosed\n", 1, "not valid YAML"),
    ("terms:\n  TensorBoard:\n    - TB\n  Removed:\n    - [x]\n", 5, "plain, non-empty"),
    ("terms:\n  TensorBoard: tb\n", 2, "list"),
    ("terms:\n  TensorBoard:\n    - [a, b]\n", 3, "plain, non-empty"),
    ("words:\n  - [solo]\n", 2, "at least two"),
    ("wrods:\n  - [a, b]\n", 1, "unknown key"),
    ("words:\n  - &a [x, y]\n  - *a\n", 2, "anchors"),
    ("- just\n- a list\n", 1, "mapping"),
])
def test_alias_errors_name_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "aliases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AliasError) as err:
        read_aliases(path, NAMES)
    assert str(err.value).startswith(f"aliases.yaml:{line}: "), str(err.value)
    assert words in str(err.value)


def test_billion_laughs_fails_at_the_first_anchor(tmp_path):
    lol = ['words:', '  - &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lol.append(f"  - &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    path = tmp_path / "aliases.yaml"
    path.write_text("\n".join(lol) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(AliasError, match="anchors") as err:
        read_aliases(path, NAMES)
    assert err.value.line == 2
    assert time.perf_counter() - started < 2.0  # generous; expanding it would take gigabytes


def test_huge_flat_alias_file_is_capped(tmp_path):
    path = tmp_path / "aliases.yaml"
    path.write_text("words:\n" + "  - [a, b]\n" * 30_000, encoding="utf-8")
    with pytest.raises(AliasError, match="nodes"):
        read_aliases(path, NAMES)


def test_an_alias_edit_makes_the_index_stale_and_a_rebuild_serves_it(workspace, embedder):
    build_index(workspace, embedder_factory=lambda: embedder)
    question = "ぴよぴよボードの利点は？"
    before = build_answerer(load_resources(workspace, embedder=embedder)).ask(question)
    assert not before.found or before.citations[0].term != "TensorBoard"
    path = Path(workspace.aliases_file)
    path.write_text(path.read_text(encoding="utf-8").replace("  TensorBoard:\n", "  TensorBoard:\n    - ぴよぴよボード\n", 1),
                    encoding="utf-8")
    assert check_staleness(workspace).changed == ["aliases.yaml"]
    report = build_index(workspace, embedder_factory=lambda: embedder)
    assert not report.up_to_date and report.embedded == 0  # no text changed, only names
    after = build_answerer(load_resources(workspace, embedder=embedder)).ask(question)
    assert after.found and after.citations[0].term == "TensorBoard"


def test_a_typo_in_aliases_keeps_the_last_build_answering(workspace, embedder):
    build_index(workspace, embedder_factory=lambda: embedder)
    path = Path(workspace.aliases_file)
    path.write_text(path.read_text(encoding="utf-8") + "  - [only-one]\n", encoding="utf-8")
    resources = load_resources(workspace, embedder=embedder)
    assert isinstance(resources.problem, AliasError) and str(resources.problem).startswith("aliases.yaml:")
    assert build_answerer(resources).ask("イベントブリッジの利点は？").citations[0].term == "Amazon EventBridge"
    with pytest.raises(AliasError):
        build_index(workspace, embedder_factory=lambda: embedder)
