"""What a build stores besides the FAISS index: the parsed glossary, the merged aliases and one
vector per entry, so answering never reads ``knowledge/`` again.

Why: the files on disk are the editors' working copy. A syntax error in them must be reported, not
take answering down; and work that grows with the glossary (embedding every entry, reading the
aliases) belongs to the build, not to the start of every process that answers.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .aliases import Aliases
from .chunks import Chunk
from .glossary import Entry, Glossary, Section, Term

GLOSSARY_FILE = "glossary.json"
ALIASES_FILE = "aliases.json"
ENTRY_VECTORS_FILE = "entries.npy"


def entry_passage(chunk: Chunk, index: int) -> str:
    """An entry with its term and section, so ``開発元: AWS`` is embedded as what it is about."""
    return f"{chunk.term} › {chunk.section}\n{chunk.entries[index].display}"


def entry_passages(chunks: list[Chunk]) -> list[str]:
    """Every entry of every chunk, in index order (chunk by chunk, entry by entry)."""
    return [entry_passage(c, i) for c in chunks for i in range(len(c.entries))]


def term_passages(glossary: Glossary) -> list[str]:
    """Each term's own description (its intro, or its name when it has none): what the quiz ranks
    definition distractors by. The build embeds these too, so the embedding cache holds them and
    the first quiz after a build never runs the model (at 5,000 terms it did, for 160 s)."""
    return [t.intro or t.name for t in glossary.terms]


def glossary_to_json(glossary: Glossary) -> dict:
    return {"files": list(glossary.files), "terms": [asdict(t) for t in glossary.terms]}


def glossary_from_json(data: dict) -> Glossary:
    def section(s: dict) -> Section:
        return Section(s["term"], s["heading"], tuple(Entry(**e) for e in s["entries"]), s["file"], s["line"])

    terms = tuple(Term(name=t["name"], intro=t["intro"], intro_line=t["intro_line"],
                       sections=tuple(section(s) for s in t["sections"]), file=t["file"], line=t["line"])
                  for t in data["terms"])
    return Glossary(terms, tuple(data["files"]))


def write_snapshot(folder: Path, glossary: Glossary, aliases: Aliases, entry_vectors: np.ndarray) -> None:
    (folder / GLOSSARY_FILE).write_text(json.dumps(glossary_to_json(glossary), ensure_ascii=False), encoding="utf-8")
    (folder / ALIASES_FILE).write_text(json.dumps(aliases.to_json(), ensure_ascii=False), encoding="utf-8")
    np.save(folder / ENTRY_VECTORS_FILE, np.ascontiguousarray(entry_vectors, dtype=np.float32), allow_pickle=False)


def read_snapshot(folder: Path) -> tuple[Glossary, Aliases, np.ndarray]:
    """Raises OSError / ValueError / KeyError / TypeError when a file is missing or damaged."""
    glossary = glossary_from_json(json.loads((folder / GLOSSARY_FILE).read_text(encoding="utf-8")))
    aliases = Aliases.from_json(json.loads((folder / ALIASES_FILE).read_text(encoding="utf-8")))
    vectors = np.load(folder / ENTRY_VECTORS_FILE, allow_pickle=False)
    return glossary, aliases, np.ascontiguousarray(vectors, dtype=np.float32)
