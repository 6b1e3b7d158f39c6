"""The benchmark's synthetic glossaries are real glossaries: they parse, hold the asked number of
terms in the seed's format, say varied things (not one bullet copied), and term i is the same text
whatever the size (so sizes differ only in how much there is)."""
from __future__ import annotations

import sys
from pathlib import Path

from indexer.chunks import make_chunks
from indexer.config import PROJECT_ROOT
from indexer.glossary import load_glossary

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from synth_glossary import term_markdown, write_glossary  # noqa: E402


def test_sizes_parse_in_the_seed_format(tmp_path):
    for size in (5, 260):
        folder = write_glossary(size, tmp_path / f"g{size}")
        glossary = load_glossary(folder)
        assert len(glossary.terms) == size
        assert len(list(Path(folder).glob("glossary_*.md"))) == (size + 249) // 250
        chunks = make_chunks(glossary)
        assert all(t.intro and 2 <= len(t.sections) for t in glossary.terms)
        assert len(chunks) == 3 * size
    text = (tmp_path / "g5" / "glossary_000.md").read_text(encoding="utf-8")
    assert "\n## " in text and "\n### " in text and "\n- **" in text


def test_text_is_varied_not_copied(tmp_path):
    glossary = load_glossary(write_glossary(200, tmp_path / "g"))
    bullets = [e.text for t in glossary.terms for s in t.sections for e in s.entries]
    assert len(set(bullets)) >= 0.95 * len(bullets)
    words = {w for b in bullets for w in b.replace("、", " ").split()}
    assert len(words) > 100


def test_a_term_is_the_same_in_every_size(tmp_path):
    small = load_glossary(write_glossary(5, tmp_path / "s"))
    large = load_glossary(write_glossary(60, tmp_path / "l"))
    assert [t.name for t in small.terms] == [t.name for t in large.terms[:5]]
    assert term_markdown(3) == term_markdown(3)
