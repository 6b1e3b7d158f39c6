"""Markdown glossary → Term → Section → Entry, every piece with its file and line.

The glossary is written by people, so the parser is strict where a mistake would silently change
meaning (a bullet outside any term, a duplicate term, an empty section, bad encoding) and reports
each problem as ``file:line: what is wrong`` instead of a traceback. Line numbers are 1-based so
they match what an editor shows.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .errors import ErrorKind, KnowledgeError
from .text import contains

INTRO = "概要"  # the name a term's intro paragraph goes by when cited or quizzed


class GlossaryError(KnowledgeError, ValueError):
    """A problem in a glossary file, pointing at the line an editor has to fix."""

    kind = ErrorKind.GLOSSARY

    def __init__(self, file: str | Path, line: int, message: str):
        self.file = str(file)
        self.line = line
        self.message = message
        super().__init__(f"{self.file}:{line}: {message}")


@dataclass(frozen=True)
class Entry:
    """One bullet (``- **label**: text``) or one intro sentence: the smallest quotable unit."""

    label: str
    text: str
    file: str
    line: int

    @property
    def display(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text


@dataclass(frozen=True)
class Section:
    """A ``### heading`` inside a term, with its entries in reading order."""

    term: str
    heading: str
    entries: tuple[Entry, ...]
    file: str
    line: int


@dataclass(frozen=True)
class Term:
    """A ``## name`` with its intro paragraph and sections."""

    name: str
    intro: str
    intro_line: int
    sections: tuple[Section, ...]
    file: str
    line: int

    @property
    def intro_entries(self) -> tuple[Entry, ...]:
        """The intro split into sentences, so an answer can quote one sentence and not the paragraph."""
        sentences = [s for s in re.split(r"(?<=。)", self.intro) if s.strip()]
        return tuple(Entry(label="", text=s.strip(), file=self.file, line=self.intro_line) for s in sentences)

    @property
    def names(self) -> tuple[str, ...]:
        """The heading and, for ``過学習（overfitting）``, both halves, so either finds the term."""
        found = [self.name]
        m = re.match(r"^(.*?)[（(]\s*(.+?)\s*[)）]$", self.name)
        if m:
            found += [m.group(1).strip(), m.group(2).strip()]
        return tuple(dict.fromkeys(n for n in found if n))

    def section(self, heading: str) -> Section | None:
        return next((s for s in self.sections if s.heading == heading), None)


def _section_has(section: Section, query: str) -> bool:
    return any(contains(text, query) for text in [section.heading, *(f"{e.label} {e.text}" for e in section.entries)])


@dataclass(frozen=True)
class TermMatch:
    """A term found by ``Glossary.search`` and the sections of it that contain the words."""

    term: Term
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    files: tuple[str, ...] = field(default=())

    def term(self, name: str) -> Term | None:
        return next((t for t in self.terms if name in t.names), None)

    def search(self, query: str) -> list[TermMatch]:
        """Terms whose name, intro, headings or entries contain ``query`` (case and width ignored),
        in glossary order; an empty query matches every term and marks no section."""
        query = query.strip()
        if not query:
            return [TermMatch(t, ()) for t in self.terms]
        found = []
        for term in self.terms:
            sections = tuple(s for s in term.sections if _section_has(s, query))
            if sections or contains(term.name, query) or contains(term.intro, query):
                found.append(TermMatch(term, sections))
        return found

    @property
    def term_names(self) -> list[str]:
        return [t.name for t in self.terms]


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_LABELLED = re.compile(r"^\*\*(.+?)\*\*\s*(.*)$")


def _parse_bullet(body: str, file: str, lineno: int) -> Entry:
    m = _LABELLED.match(body)
    if not m:
        return Entry("", body.strip(), file, lineno)
    label, rest = m.group(1).strip(), m.group(2)
    rest = rest.lstrip()
    if label.endswith((":", "：")):  # **label:** text
        label, text = label[:-1].strip(), rest
    elif rest.startswith((":", "：")):
        text = rest[1:].strip()
    else:
        raise GlossaryError(file, lineno, f"bullet label '**{label}**' must be followed by ':' and a description")
    if not label:
        raise GlossaryError(file, lineno, "bullet has an empty label")
    if not text.strip():
        raise GlossaryError(file, lineno, f"bullet '**{label}**' has no description after ':'")
    return Entry(label, text.strip(), file, lineno)


def parse_text(text: str, file: str | Path = "<text>") -> list[Term]:
    """Parse one file's Markdown. ``file`` is only used for positions and error messages."""
    file = str(file)
    terms: list[Term] = []
    # The term being read: name, line, intro lines, first intro line, finished sections.
    cur: dict | None = None
    sec: dict | None = None  # the section being read: heading, line, entries

    def close_section() -> None:
        nonlocal sec
        if sec is None:
            return
        if not sec["entries"]:
            raise GlossaryError(file, sec["line"], f"section '### {sec['heading']}' has no entries")
        cur["sections"].append(Section(cur["name"], sec["heading"], tuple(sec["entries"]), file, sec["line"]))
        sec = None

    def close_term() -> None:
        nonlocal cur
        if cur is None:
            return
        close_section()
        intro = " ".join(cur["intro"]).strip()
        if not intro and not cur["sections"]:
            raise GlossaryError(file, cur["line"], f"term '## {cur['name']}' has neither an intro nor sections")
        terms.append(Term(cur["name"], intro, cur["intro_line"] or cur["line"], tuple(cur["sections"]), file, cur["line"]))
        cur = None

    in_fence = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFC", raw.rstrip())
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip() or line.lstrip().startswith("<!--"):
            continue
        heading = _HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip()
            if not title:
                raise GlossaryError(file, lineno, "heading has no text")
            if level == 1:
                if cur is not None:
                    raise GlossaryError(file, lineno, "a '# title' may only stand before the first '## term'")
                continue
            if level == 2:
                close_term()
                if any(t.name == title for t in terms):
                    first = next(t for t in terms if t.name == title)
                    raise GlossaryError(file, lineno, f"duplicate term '{title}' (first defined at line {first.line})")
                cur = {"name": title, "line": lineno, "intro": [], "intro_line": 0, "sections": []}
                continue
            if level == 3:
                if cur is None:
                    raise GlossaryError(file, lineno, f"section '### {title}' comes before any '## term'")
                close_section()
                if any(s.heading == title for s in cur["sections"]):
                    raise GlossaryError(file, lineno, f"duplicate section '### {title}' in term '{cur['name']}'")
                sec = {"heading": title, "line": lineno, "entries": []}
                continue
            raise GlossaryError(file, lineno, f"heading level {level} is not supported (use ## for terms, ### for sections)")
        bullet = _BULLET.match(line.lstrip()) if not raw.startswith(("  ", "\t")) or sec is None else None
        if bullet:
            if cur is None:
                raise GlossaryError(file, lineno, "bullet comes before any '## term'")
            if sec is None:
                raise GlossaryError(file, lineno, f"bullet in term '{cur['name']}' comes before any '### section'")
            sec["entries"].append(_parse_bullet(bullet.group(1), file, lineno))
            continue
        if cur is None:
            continue  # prose under the '# title' is the document's preface, not a term
        if sec is None:
            cur["intro"].append(line.strip())
            cur["intro_line"] = cur["intro_line"] or lineno
            continue
        # An indented line continues the previous bullet; other prose inside a section is an error
        # because it would otherwise be silently dropped from answers and quizzes.
        if sec["entries"] and raw.startswith(("  ", "\t")):
            last = sec["entries"][-1]
            sec["entries"][-1] = Entry(last.label, f"{last.text} {line.strip()}", last.file, last.line)
            continue
        raise GlossaryError(file, lineno, f"text in section '### {sec['heading']}' must be a '- **label**: text' bullet")
    if in_fence:
        raise GlossaryError(file, lineno if text else 1, "code fence is never closed")
    close_term()
    return terms


def parse_file(path: str | Path, display_name: str | None = None) -> list[Term]:
    path = Path(path)
    name = display_name or path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        data = path.read_bytes()
        line = data[: e.start].count(b"\n") + 1
        raise GlossaryError(name, line, "file is not valid UTF-8") from None
    return parse_text(text, name)


def knowledge_files(knowledge_dir: str | Path) -> list[Path]:
    """Every Markdown file of the glossary, in a stable order (sub-folders included)."""
    root = Path(knowledge_dir)
    return sorted(p for p in root.rglob("*.md") if p.is_file() and not p.name.startswith("."))


def load_glossary(knowledge_dir: str | Path) -> Glossary:
    """All files of ``knowledge_dir`` as one glossary; a term defined in two files is an error."""
    root = Path(knowledge_dir)
    files = knowledge_files(root)
    if not files:
        raise GlossaryError(str(root), 0, "no *.md glossary files found")
    terms: list[Term] = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        for term in parse_file(path, rel):
            clash = next((t for t in terms if t.name == term.name), None)
            if clash:
                raise GlossaryError(rel, term.line, f"duplicate term '{term.name}' (already defined at {clash.file}:{clash.line})")
            terms.append(term)
    if not terms:
        raise GlossaryError(str(root), 0, "the glossary has no '## term' headings")
    return Glossary(tuple(terms), tuple(p.relative_to(root).as_posix() for p in files))


def iter_entries(glossary: Glossary) -> Iterable[tuple[Term, Section, Entry]]:
    for term in glossary.terms:
        for section in term.sections:
            for entry in section.entries:
                yield term, section, entry
