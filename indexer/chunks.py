"""Glossary → chunks: the units that are embedded, searched and cited.

One chunk per section plus one per term intro. Each chunk's text starts with ``term › section`` so
it stands alone (a bullet like ``開発元: AWS`` means nothing without its term), and keeps its entries
so an answer can quote a single bullet with its own line number.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .glossary import INTRO, Entry, Glossary, Section, Term


@dataclass(frozen=True)
class Chunk:
    id: str
    term: str
    section: str
    kind: str  # "intro" or "section"
    text: str
    entries: tuple[Entry, ...]
    file: str
    line: int

    @property
    def title(self) -> str:
        return f"{self.term} › {self.section}"

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def content_hash(self) -> str:
        return text_hash(self.text)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace("›", "\\›")


def chunk_id(term: str, section: str) -> str:
    """Stable across edits of the text, so a changed section is 'changed', not 'removed + added'.

    The separator is escaped inside names, so term ``A›B`` + section ``C`` and term ``A`` +
    section ``B›C`` get different ids (the parser keeps ``### 概要`` from meeting the intro's)."""
    return f"{_escape(term)}›{_escape(section)}"


def intro_chunk(term: Term) -> Chunk:
    return Chunk(
        id=chunk_id(term.name, INTRO),
        term=term.name,
        section=INTRO,
        kind="intro",
        text=f"{term.name} › {INTRO}\n{term.intro}",
        entries=term.intro_entries,
        file=term.file,
        line=term.intro_line,
    )


def section_chunk(term: Term, section: Section) -> Chunk:
    body = "\n".join(e.display for e in section.entries)
    return Chunk(
        id=chunk_id(term.name, section.heading),
        term=term.name,
        section=section.heading,
        kind="section",
        text=f"{term.name} › {section.heading}\n{body}",
        entries=section.entries,
        file=section.file,
        line=section.line,
    )


def make_chunks(glossary: Glossary) -> list[Chunk]:
    chunks: list[Chunk] = []
    for term in glossary.terms:
        if term.intro:
            chunks.append(intro_chunk(term))
        chunks.extend(section_chunk(term, s) for s in term.sections)
    return chunks
