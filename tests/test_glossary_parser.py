"""The parser on the seed glossary and on the mistakes editors actually make."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.chunks import make_chunks
from indexer.glossary import GlossaryError, load_glossary, parse_file, parse_text

from .conftest import SEED

SEED_LINES = SEED.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def seed():
    return load_glossary(SEED.parent)


def test_seed_has_the_five_terms_in_order(seed):
    assert seed.term_names == [
        "過学習（overfitting）",
        "Amazon SageMaker Debugger",
        "TensorBoard",
        "Amazon SageMaker Pipelines",
        "Amazon EventBridge",
    ]


def test_every_position_points_at_its_own_line(seed):
    """Citations show file:line, so each line number must land on the exact Markdown line."""
    for term in seed.terms:
        assert SEED_LINES[term.line - 1] == f"## {term.name}"
        assert SEED_LINES[term.intro_line - 1] == term.intro
        for section in term.sections:
            assert SEED_LINES[section.line - 1] == f"### {section.heading}"
            for entry in section.entries:
                assert SEED_LINES[entry.line - 1] == f"- **{entry.label}**: {entry.text}"
                assert entry.file == "aws_ml_glossary.ja.md"


def test_sections_and_entries_of_a_term(seed):
    eb = seed.term("Amazon EventBridge")
    assert [s.heading for s in eb.sections] == [
        "基本概念", "主な特徴", "機械学習との統合", "イベントソース", "ターゲットタイプ", "利点", "機械学習での一般的なユースケース",
    ]
    features = eb.section("主な特徴")
    assert [e.label for e in features.entries][:3] == ["イベントバス", "イベントルール", "イベントパターンマッチング"]
    assert features.entries[2].text == "特定のパターンに一致するイベントのフィルタリング"
    total = sum(len(s.entries) for t in seed.terms for s in t.sections)
    assert total == sum(1 for line in SEED_LINES if line.startswith("- **"))


def test_term_found_by_either_half_of_its_name(seed):
    assert seed.term("overfitting") is seed.term("過学習") is seed.terms[0]


def test_chunks_are_one_per_section_plus_intros_and_stand_alone(seed):
    chunks = make_chunks(seed)
    sections = sum(len(t.sections) for t in seed.terms)
    assert len(chunks) == sections + len(seed.terms)
    assert len({c.id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert chunk.text.startswith(f"{chunk.term} › {chunk.section}\n")
        assert chunk.entries, chunk.id
        for entry in chunk.entries:
            assert entry.text in chunk.text


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("- **a**: b\n## T\n", 1, "before any '## term'"),
        ("## T\n\n### S\n- **a**: b\n## T\n### S\n- **c**: d\n", 5, "duplicate term 'T'"),
        ("## T\nintro\n### S\n\n### S2\n- **a**: b\n", 3, "section '### S' has no entries"),
        ("## T\n### S\n- **a** b\n", 3, "must be followed by ':'"),
        ("## T\n### S\n- **a**: \n", 3, "no description"),
        ("### S\n- **a**: b\n", 1, "before any '## term'"),
        ("## T\nintro\n- **a**: b\n", 3, "before any '### section'"),
        ("## T\n### S\n- **a**: b\nstray prose\n", 4, "must be a '- **label**: text' bullet"),
        ("## T\n### S\n- **a**: b\n#### deep\n", 4, "heading level 4"),
        ("## T\n", 1, "neither an intro nor sections"),
        ("## T\n### S\n- **a**: b\n### S\n- **c**: d\n", 4, "duplicate section"),
    ],
)
def test_malformed_glossary_names_file_and_line(text, line, words):
    with pytest.raises(GlossaryError) as err:
        parse_text(text, "broken.md")
    assert err.value.line == line
    assert str(err.value).startswith(f"broken.md:{line}: ")
    assert words in str(err.value)


def test_non_utf8_file_names_the_line(tmp_path: Path):
    bad = tmp_path / "latin.md"
    bad.write_bytes("## T\n### S\n- **a**: b\n".encode() + "- **c**: caf\xe9\n".encode("latin-1"))
    with pytest.raises(GlossaryError) as err:
        parse_file(bad)
    assert str(err.value).startswith("latin.md:4: ") and "UTF-8" in str(err.value)


def test_term_defined_in_two_files_is_an_error(tmp_path: Path):
    (tmp_path / "a.md").write_text("## T\n### S\n- **a**: b\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("\n## T\n### S\n- **c**: d\n", encoding="utf-8")
    with pytest.raises(GlossaryError) as err:
        load_glossary(tmp_path)
    assert str(err.value).startswith("b.md:2: ") and "a.md:1" in str(err.value)


def test_extra_files_join_the_glossary_and_continuation_lines_join_their_bullet(tmp_path: Path):
    (tmp_path / "a.md").write_text("## T\nintro one. intro two.\n### S\n- **a**: b\n  continued\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("## U\n### S\n- plain bullet\n", encoding="utf-8")
    g = load_glossary(tmp_path)
    assert g.term_names == ["T", "U"]
    assert g.term("T").sections[0].entries[0].text == "b continued"
    assert g.term("U").sections[0].entries[0].file == "sub/b.md"
    assert [e.text for e in g.term("T").intro_entries] == ["intro one. intro two."]


def test_empty_knowledge_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(GlossaryError, match="no \\*.md glossary files"):
        load_glossary(tmp_path)
