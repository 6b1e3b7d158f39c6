"""``knowledge/aliases.yaml`` → the other names of terms and words, found in a question.

A learner writes イベントブリッジ, ``eventbridge`` or ＥｖｅｎｔＢｒｉｄｇｅ; the glossary writes
Amazon EventBridge. Tokens alone cannot bridge a katakana reading and a Latin name, so names are
matched as spans of the folded question, and each span says both *which term* it names (a strong
hint for ranking and for abstention) and *which words* to add to the keyword query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from indexer.aliases import AliasError, read_aliases  # noqa: F401 (AliasError is part of this API)
from indexer.text import match_form


_SEP = r"[\s・\-_]*"
_SEP_CHARS = re.compile(r"[\s・\-_]+")
_LATIN = re.compile(r"[a-z0-9]")


def _pattern(name: str) -> re.Pattern | None:
    """A name → a regex that ignores spacing/punctuation between letters and, for Latin names,
    only matches whole words (so ``debugger`` is not found inside ``debuggers2``, but plural is)."""
    core = _SEP_CHARS.sub("", match_form(name))
    if not core:
        return None
    body = _SEP.join(re.escape(c) for c in core)
    head = r"(?<![a-z0-9])" if _LATIN.match(core[0]) else ""
    tail = r"(?:s|es)?(?![a-z0-9])" if _LATIN.match(core[-1]) else ""
    return re.compile(head + body + tail)


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
    _term_patterns: list[tuple[re.Pattern, str, int]] = field(default_factory=list, repr=False)
    _group_patterns: list[tuple[re.Pattern, int, int]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for term, names in self.terms.items():
            for name in names:
                p = _pattern(name)
                if p:
                    self._term_patterns.append((p, term, len(name)))
        for gi, group in enumerate(self.groups):
            for name in group:
                p = _pattern(name)
                if p:
                    self._group_patterns.append((p, gi, len(name)))
        # Longest names first, so "SageMaker Debugger" claims its span before "SageMaker" does.
        self._term_patterns.sort(key=lambda x: -x[2])
        self._group_patterns.sort(key=lambda x: -x[2])

    def find(self, folded: str) -> list[Mention]:
        """Non-overlapping mentions in ``folded`` (already in ``match_form``), term names first."""
        taken = [False] * len(folded)
        found: list[Mention] = []

        def claim(pattern: re.Pattern) -> Iterable[re.Match]:
            for m in pattern.finditer(folded):
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
