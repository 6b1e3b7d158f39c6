"""What editors throw at the parser: foreign line breaks, odd headings, look-alike names, colliding
ids, symlinks out of the folder, and (property-based) anything at all."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.chunks import chunk_id, make_chunks
from indexer.glossary import GlossaryError, load_glossary, parse_file, parse_text


def editor_line_of(text: str, needle: str) -> int:
    """The 1-based line an editor shows ``needle`` on, counted char by char (no regex, no
    splitlines): only \\n, \\r\\n and \\r start a new line."""
    at = text.index(needle)
    line, i = 1, 0
    while i < at:
        if text[i] == "\r":
            line += 1
            if i + 1 < len(text) and text[i + 1] == "\n":
                i += 1
        elif text[i] == "\n":
            line += 1
        i += 1
    return line


@pytest.mark.parametrize("odd", ["\x85", "\u2028", "\u2029", "\x0b", "\x0c"])
def test_characters_python_breaks_at_do_not_shift_line_numbers(odd):
    text = f"## T\nintro{odd}more.\n### S\n- **a**: one{odd}two\n- **b**: three\n"
    term = parse_text(text, "f.md")[0]
    entries = term.sections[0].entries
    assert [e.line for e in entries] == [4, 5]
    assert entries[0].text == "one two"  # shown inside its line, as an editor shows it
    assert term.intro == "intro more."


@pytest.mark.parametrize("odd", ["\x85", "\u2028", "\x0b", "\x0c"])
def test_an_error_after_an_odd_character_names_the_editors_line(odd):
    text = f"## T\n### S\n- **a**: one{odd}two\nstray prose\n"
    with pytest.raises(GlossaryError) as err:
        parse_text(text, "f.md")
    assert err.value.line == 4


def test_crlf_and_cr_count_one_line_each():
    for nl in ("\r\n", "\r"):
        text = nl.join(["## T", "### S", "- **a**: b", "- **c** d"]) + nl
        with pytest.raises(GlossaryError) as err:
            parse_text(text, "f.md")
        assert err.value.line == 4, repr(nl)


def test_non_utf8_line_counts_cr_only_lines(tmp_path: Path):
    bad = tmp_path / "mac.md"
    bad.write_bytes(b"## T\r### S\r- **a**: b\r- **c**: caf\xe9\r")
    with pytest.raises(GlossaryError) as err:
        parse_file(bad)
    assert err.value.line == 4


@pytest.mark.parametrize("heading, name", [
    ("## C#", "C#"), ("## F# ##", "F#"), ("## C++", "C++"), ("## T ###", "T"), ("## #hash", "#hash"),
])
def test_headings_are_taken_literally(heading, name):
    term = parse_text(f"{heading}\nintro.\n", "f.md")[0]
    assert term.name == name


def test_names_equal_after_nfkc_are_duplicates(tmp_path: Path):
    with pytest.raises(GlossaryError) as err:
        parse_text("## TensorBoard\nintro.\n## ＴｅｎｓｏｒＢｏａｒｄ\nintro.\n", "f.md")
    assert err.value.line == 3 and "duplicate term" in str(err.value)
    (tmp_path / "a.md").write_text("## TensorBoard\nintro.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("## ＴｅｎｓｏｒＢｏａｒｄ\nintro.\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"^b\.md:1: duplicate term .*a\.md:1"):
        load_glossary(tmp_path)
    with pytest.raises(GlossaryError, match="duplicate section"):
        parse_text("## T\n### Ｓ\n- **a**: b\n### S\n- **c**: d\n", "f.md")


def test_chunk_ids_never_collide():
    assert chunk_id("A›B", "C") != chunk_id("A", "B›C")
    assert chunk_id("A\\", "›C") != chunk_id("A", "\\›C")
    terms = parse_text("## A›B\n### C\n- **x**: y\n## A\n### B›C\n- **x**: y\n", "f.md")
    from indexer.glossary import Glossary

    chunks = make_chunks(Glossary(tuple(terms)))
    assert len({c.id for c in chunks}) == len(chunks) == 2
    # A section named like the intro would share the intro's title and id: refused.
    with pytest.raises(GlossaryError, match="概要"):
        parse_text("## T\nintro.\n### 概要\n- **x**: y\n", "f.md")


def test_a_symlink_leading_outside_knowledge_is_refused(tmp_path: Path):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "a.md").write_text("## T\nintro.\n", encoding="utf-8")
    secret = tmp_path / "secret.md"
    secret.write_text("## 社外秘\n社外秘のパスワードは hunter2 です。\n", encoding="utf-8")
    os.symlink(secret, knowledge / "leak.md")
    with pytest.raises(GlossaryError) as err:
        load_glossary(knowledge)
    assert str(err.value).startswith("leak.md:") and "outside the knowledge folder" in str(err.value)
    (knowledge / "leak.md").unlink()
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    (outside_dir / "x.md").write_text("## 社外秘\nhunter2.\n", encoding="utf-8")
    os.symlink(outside_dir, knowledge / "linked")
    files_read = [t.name for t in _load_or_error(knowledge)]
    assert "社外秘" not in files_read


def _load_or_error(knowledge: Path):
    try:
        return load_glossary(knowledge).terms
    except GlossaryError as e:
        assert "outside the knowledge folder" in str(e)
        return ()


def test_a_symlink_inside_knowledge_is_fine(tmp_path: Path):
    (tmp_path / "a.md").write_text("## T\nintro.\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "real.md").write_text("## U\nintro.\n", encoding="utf-8")
    os.symlink(tmp_path / "sub" / "real.md", tmp_path / "b.md")
    with pytest.raises(GlossaryError, match="duplicate term 'U'"):  # read twice, once per name
        load_glossary(tmp_path)


@pytest.mark.parametrize("what, text, line", [
    ("intro", "## T\n" + "文。" * 4000 + "\n", 2),
    ("bullet", "## T\n### S\n- **a**: " + "x" * 3000 + "\n", 3),
    ("heading", "## " + "T" * 300 + "\nintro.\n", 1),
])
def test_oversized_pieces_are_refused_at_build_time(what, text, line):
    with pytest.raises(GlossaryError) as err:
        parse_text(text, "big.md")
    assert err.value.line == line and "at most" in str(err.value), what


# -- properties ------------------------------------------------------------------------------

FRAGMENTS = ["## ", "### ", "# ", "- ", "* ", "**", ":", "：", "  ", "\t", "```", "<!--", "#", "T", "S",
             "ラベル", "説明", "。", "C#", "Ｔ", "\x85", "\u2028", "\x0b", "\x0c", "\ufeff", "\x00", "\ud7ff"]
BREAKS = ["\n", "\r\n", "\r"]
any_markdown = st.lists(st.one_of(st.sampled_from(FRAGMENTS + BREAKS), st.text(max_size=5)), max_size=80).map("".join)


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(any_markdown)
def test_any_text_parses_or_raises_only_a_glossary_error_on_a_real_line(text):
    started = time.perf_counter()
    try:
        terms = parse_text(text, "f.md")
    except GlossaryError as e:
        n_lines = editor_line_of(text + "\x00end", "\x00end")  # lines an editor shows
        assert 1 <= e.line <= n_lines, (e.line, n_lines)
        assert str(e).startswith(f"f.md:{e.line}: ")
    else:
        for t in terms:
            assert t.name and t.name == t.name.strip()
    assert time.perf_counter() - started < 1.0  # generous: the parser is linear


words = st.text(alphabet=st.sampled_from("abcあいうアイウ漢字 C#+\x85\u2028\x0b\x0c"), min_size=1, max_size=12)


@st.composite
def documents(draw):
    """A valid glossary with random line breaks and odd in-line characters, plus where each bullet is."""
    lines, bullets = [], []
    for ti in range(draw(st.integers(1, 3))):
        lines.append(f"## term{ti} {draw(words).strip()}x")
        for si in range(draw(st.integers(1, 3))):
            lines.append(f"### sec{si}")
            for bi in range(draw(st.integers(1, 3))):
                marker = f"m{ti}_{si}_{bi}"
                lines.append(f"- **{marker}**: {draw(words)}z")
                bullets.append(marker)
    seps = [draw(st.sampled_from(BREAKS)) for _ in lines]
    return "".join(line + sep for line, sep in zip(lines, seps)), bullets


@settings(max_examples=200, deadline=1000)
@given(documents())
def test_every_bullet_is_on_the_line_an_editor_shows(doc):
    text, markers = doc
    terms = parse_text(text, "f.md")
    found = {e.label: e.line for t in terms for s in t.sections for e in s.entries}
    assert set(found) == set(markers)
    for marker, line in found.items():
        assert line == editor_line_of(text, f"**{marker}**")
