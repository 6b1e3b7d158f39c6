"""``knowledge/aliases.yaml`` → the other names of terms and words, found in a question.

A learner writes イベントブリッジ, ``eventbridge`` or ＥｖｅｎｔＢｒｉｄｇｅ; the glossary writes
Amazon EventBridge. Tokens alone cannot bridge a katakana reading and a Latin name, so names are
matched as spans of the folded question, and each span says both *which term* it names (a strong
hint for ranking and for abstention) and *which words* to add to the keyword query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from indexer.aliases import AliasError, read_aliases  # noqa: F401 (AliasError is part of this API)
from indexer.text import match_form


# "・" is a separator too, but it is replaced by a space in the question before matching (same
# length, same spans): a non-ASCII character inside the class made every pattern ~20x slower to compile.
_SEP = r"[\s\-_]*"
_SEP_CHARS = re.compile(r"[\s・\-_]+")
_LATIN = re.compile(r"[a-z0-9]")


def _core(name: str) -> str:
    """The folded name without spacing/punctuation: what a pattern is built from."""
    return _SEP_CHARS.sub("", match_form(name))


@lru_cache(maxsize=None)
def _compiled(core: str) -> re.Pattern:
    """A name's core → a regex that ignores spacing/punctuation between letters and, for Latin
    names, only matches whole words (so ``debugger`` is not found inside ``debuggers2``, but plural
    is). Compiled on first use, only for questions holding the core's first character."""
    body = _SEP.join(re.escape(c) for c in core)
    head = r"(?<![a-z0-9])" if _LATIN.match(core[0]) else ""
    tail = r"(?:s|es)?(?![a-z0-9])" if _LATIN.match(core[-1]) else ""
    return re.compile(head + body + tail)


def _pattern(name: str) -> re.Pattern | None:
    core = _core(name)
    return _compiled(core) if core else None


@dataclass(frozen=True)
class Mention:
    """A span of the folded question that names a term or a word group."""

    start: int
    end: int
    term: str | None  # glossary term named, or None for a word group
    expansion: tuple[str, ...]  # texts whose tokens join the keyword query


@dataclass
class AliasTable:
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term → names
    groups: list[tuple[str, ...]] = field(default_factory=list)
    # (core, term or group index, name length); a core's regex is compiled when a question first
    # holds the core's first character (every match starts with it), so neither start-up nor a
    # question pays for the names it cannot contain
    _term_patterns: list[tuple[str, str, int]] = field(default_factory=list, repr=False)
    _group_patterns: list[tuple[str, int, int]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for term, names in self.terms.items():
            for name in names:
                core = _core(name)
                if core:
                    self._term_patterns.append((core, term, len(name)))
        for gi, group in enumerate(self.groups):
            for name in group:
                core = _core(name)
                if core:
                    self._group_patterns.append((core, gi, len(name)))
        # Longest names first, so "SageMaker Debugger" claims its span before "SageMaker" does.
        self._term_patterns.sort(key=lambda x: -x[2])
        self._group_patterns.sort(key=lambda x: -x[2])

    def find(self, folded: str) -> list[Mention]:
        """Non-overlapping mentions in ``folded`` (already in ``match_form``), term names first."""
        taken = [False] * len(folded)
        found: list[Mention] = []
        folded = folded.replace("・", " ")
        present = set(folded)

        def claim(core: str) -> Iterable[re.Match]:
            if core[0] not in present:
                return
            for m in _compiled(core).finditer(folded):
                if m.end() > m.start() and not any(taken[m.start() : m.end()]):
                    for i in range(m.start(), m.end()):
                        taken[i] = True
                    yield m

        for pattern, term, _ in self._term_patterns:
            for m in claim(pattern):
                found.append(Mention(start=m.start(), end=m.end(), term=term, expansion=(term,) + self.terms[term]))
        for pattern, gi, _ in self._group_patterns:
            for m in claim(pattern):
                found.append(Mention(start=m.start(), end=m.end(), term=None, expansion=self.groups[gi]))
        return sorted(found, key=lambda m: m.start)

    def terms_in(self, folded: str) -> list[str]:
        return list(dict.fromkeys(m.term for m in self.find(folded) if m.term))


def load_aliases(path: str | Path | None, term_names: dict[str, Iterable[str]]) -> AliasTable:
    """The aliases file (read by the knowledge layer) compiled into patterns for questions."""
    aliases = read_aliases(path, term_names)
    return AliasTable(dict(aliases.terms), list(aliases.groups))
