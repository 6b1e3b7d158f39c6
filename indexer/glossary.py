"""Markdown glossary → Term → Section → Entry, every piece with its file and line.

The glossary is written by people, so the parser is strict where a mistake would silently change
meaning (a bullet outside any term, a duplicate term, an empty section, bad encoding) and reports
each problem as ``file:line: what is wrong`` instead of a traceback. Line numbers are 1-based and
counted as an editor counts them: only ``\n``, ``\r\n`` and ``\r`` end a line (``str.splitlines``
also breaks at U+0085, U+2028, form feed… and would shift every later ``file:line``).

Names are taken literally (``## C#`` is the term ``C#``; only a closing ``#`` run after a space is
Markdown syntax) and must be unique after NFKC, so ``ＴｅｎｓｏｒＢｏａｒｄ`` cannot sit beside
``TensorBoard``. Sizes are capped here, at build time, so one pasted megabyte never turns into
minutes of work when the Q&A starts or answers.
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

# Bounds on what one entry can cost downstream (tokenising, embedding, quoting). The seed
# glossary's longest intro is ~120 characters and its longest bullet ~50.
MAX_NAME_CHARS = 200
MAX_ENTRY_CHARS = 2000
MAX_INTRO_CHARS = 6000

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Characters Python treats as line breaks but editors show inside a line: read as a space.
_INLINE_BREAKS = str.maketrans({c: " " for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def editor_lines(text: str) -> list[str]:
    """``text`` cut into lines exactly where an editor starts a new line number."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last line, it does not open a new one
    return lines


def name_key(name: str) -> str:
    """Two names an editor would take for the same: NFKC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


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


_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")  # CommonMark: '## T ##' is T, '## C#' is C#
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
    if len(label) > MAX_NAME_CHARS:
        raise GlossaryError(file, lineno, f"bullet label is {len(label)} characters long (at most {MAX_NAME_CHARS})")
    return Entry(label, text.strip(), file, lineno)


def _check_length(text: str, limit: int, file: str, lineno: int, what: str) -> None:
    if len(text) > limit:
        raise GlossaryError(file, lineno, f"{what} is {len(text):,} characters long (at most {limit:,}); split it up")


class _Parser:
    """One file's lines → terms. State: the term and the section being read."""

    def __init__(self, file: str):
        self.file = file
        self.terms: list[Term] = []
        self.keys: dict[str, Term] = {}  # name_key → term, for NFKC-duplicate checks
        self.cur: dict | None = None  # name, line, intro lines, first intro line, sections
        self.sec: dict | None = None  # heading, line, entries

    def error(self, lineno: int, message: str) -> GlossaryError:
        return GlossaryError(self.file, lineno, message)

    def close_section(self) -> None:
        sec, cur = self.sec, self.cur
        if sec is None:
            return
        if not sec["entries"]:
            raise self.error(sec["line"], f"section '### {sec['heading']}' has no entries")
        for e in sec["entries"]:
            _check_length(e.text, MAX_ENTRY_CHARS, self.file, e.line, "this bullet")
        cur["sections"].append(Section(cur["name"], sec["heading"], tuple(sec["entries"]), self.file, sec["line"]))
        self.sec = None

    def close_term(self) -> None:
        cur = self.cur
        if cur is None:
            return
        self.close_section()
        intro = " ".join(cur["intro"]).strip()
        if not intro and not cur["sections"]:
            raise self.error(cur["line"], f"term '## {cur['name']}' has neither an intro nor sections")
        _check_length(intro, MAX_INTRO_CHARS, self.file, cur["intro_line"] or cur["line"], "the intro")
        term = Term(cur["name"], intro, cur["intro_line"] or cur["line"], tuple(cur["sections"]), self.file, cur["line"])
        self.terms.append(term)
        self.keys[name_key(term.name)] = term
        self.cur = None

    def heading(self, lineno: int, level: int, title: str) -> None:
        if not title:
            raise self.error(lineno, "heading has no text")
        if level in (2, 3) and len(title) > MAX_NAME_CHARS:
            raise self.error(lineno, f"heading is {len(title)} characters long (at most {MAX_NAME_CHARS})")
        if level == 1:
            if self.cur is not None:
                raise self.error(lineno, "a '# title' may only stand before the first '## term'")
        elif level == 2:
            self.close_term()
            first = self.keys.get(name_key(title))
            if first is not None:
                same = "" if first.name == title else f" as '{first.name}'"
                raise self.error(lineno, f"duplicate term '{title}' (first defined{same} at line {first.line})")
            self.cur = {"name": title, "line": lineno, "intro": [], "intro_line": 0, "sections": []}
        elif level == 3:
            if self.cur is None:
                raise self.error(lineno, f"section '### {title}' comes before any '## term'")
            self.close_section()
            if title == INTRO or any(name_key(s.heading) == name_key(title) for s in self.cur["sections"]):
                what = f"'### {INTRO}' is the name of the intro" if title == INTRO else "duplicate section"
                raise self.error(lineno, f"{what} '### {title}' in term '{self.cur['name']}'")
            self.sec = {"heading": title, "line": lineno, "entries": []}
        else:
            raise self.error(lineno, f"heading level {level} is not supported (use ## for terms, ### for sections)")

    def text_line(self, lineno: int, raw: str, line: str) -> None:
        cur, sec = self.cur, self.sec
        indented = raw.startswith(("  ", "\t"))
        bullet = _BULLET.match(line.lstrip()) if not indented or sec is None else None
        if bullet:
            if cur is None:
                raise self.error(lineno, "bullet comes before any '## term'")
            if sec is None:
                raise self.error(lineno, f"bullet in term '{cur['name']}' comes before any '### section'")
            sec["entries"].append(_parse_bullet(bullet.group(1), self.file, lineno))
        elif cur is None:
            return  # prose under the '# title' is the document's preface, not a term
        elif sec is None:
            cur["intro"].append(line.strip())
            cur["intro_line"] = cur["intro_line"] or lineno
        elif sec["entries"] and indented:
            # An indented line continues the previous bullet; other prose inside a section is an
            # error because it would otherwise be silently dropped from answers and quizzes.
            last = sec["entries"][-1]
            sec["entries"][-1] = Entry(last.label, f"{last.text} {line.strip()}", last.file, last.line)
        else:
            raise self.error(lineno, f"text in section '### {sec['heading']}' must be a '- **label**: text' bullet")


def parse_text(text: str, file: str | Path = "<text>") -> list[Term]:
    """Parse one file's Markdown. ``file`` is only used for positions and error messages."""
    parser = _Parser(str(file))
    in_fence, fence_line = False, 0
    for lineno, raw in enumerate(editor_lines(text), start=1):
        raw = raw.translate(_INLINE_BREAKS)
        line = unicodedata.normalize("NFC", raw.rstrip())
        if line.lstrip().startswith("```"):
            in_fence, fence_line = not in_fence, lineno
            continue
        if in_fence or not line.strip() or line.lstrip().startswith("<!--"):
            continue
        heading = _HEADING.match(line)
        if heading:
            title = _CLOSING_HASHES.sub("", (heading.group(2) or "").strip()).strip()
            parser.heading(lineno, len(heading.group(1)), title)
        else:
            parser.text_line(lineno, raw, line)
    if in_fence:
        raise GlossaryError(str(file), fence_line, "code fence is never closed")
    parser.close_term()
    return parser.terms


def parse_file(path: str | Path, display_name: str | None = None) -> list[Term]:
    path = Path(path)
    name = display_name or path.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = data[: e.start].decode("utf-8", errors="replace")
        raise GlossaryError(name, len(_LINE_BREAK.findall(before)) + 1, "file is not valid UTF-8") from None
    return parse_text(text, name)


def knowledge_files(knowledge_dir: str | Path, strict: bool = True) -> list[Path]:
    """Every Markdown file of the glossary, in a stable order (sub-folders included).

    A file (or a folder on its path) that is a symlink leading outside ``knowledge_dir`` is refused:
    whatever it points at would otherwise be quoted to learners as glossary text. With
    ``strict=False`` such files are listed anyway (the staleness check hashes names, not contents).
    """
    root = Path(knowledge_dir)
    real_root = root.resolve()
    files = sorted(p for p in root.rglob("*.md") if p.is_file() and not p.name.startswith("."))
    if strict:
        for p in files:
            if not p.resolve().is_relative_to(real_root):
                raise GlossaryError(p.relative_to(root).as_posix(), 0,
                                    f"resolves outside the knowledge folder ({p.resolve()}); "
                                    "only files inside it are read: copy the file in instead of linking it")
    return files


def inside(path: Path, knowledge_dir: str | Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(knowledge_dir).resolve())


def load_glossary(knowledge_dir: str | Path) -> Glossary:
    """All files of ``knowledge_dir`` as one glossary; a term defined in two files is an error."""
    root = Path(knowledge_dir)
    files = knowledge_files(root)
    if not files:
        raise GlossaryError(str(root), 0, "no *.md glossary files found")
    terms: list[Term] = []
    keys: dict[str, Term] = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        for term in parse_file(path, rel):
            clash = keys.get(name_key(term.name))
            if clash:
                same = "" if clash.name == term.name else f" as '{clash.name}'"
                raise GlossaryError(rel, term.line, f"duplicate term '{term.name}' (already defined{same} at {clash.file}:{clash.line})")
            keys[name_key(term.name)] = term
            terms.append(term)
    if not terms:
        raise GlossaryError(str(root), 0, "the glossary has no '## term' headings")
    return Glossary(tuple(terms), tuple(p.relative_to(root).as_posix() for p in files))


def iter_entries(glossary: Glossary) -> Iterable[tuple[Term, Section, Entry]]:
    for term in glossary.terms:
        for section in term.sections:
            for entry in section.entries:
                yield term, section, entry
