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

from .inflect import inflections
from .initialisms import derive


# "・" is a separator too, but it is replaced by a space in the question before matching (same
# length, same spans): a non-ASCII character inside the class made every pattern ~20x slower to compile.
_SEP = r"[\s\-_]*"
_SEP_CHARS = re.compile(r"[\s・\-_]+")
_LATIN = re.compile(r"[a-z0-9]")
_AFTER_NUMBER = re.compile(r"[0-9][\s.,]*$")
UNIT_LIKE = 3  # a Latin name this short may be a unit after a number: 10 TB, 2 EB


def _unit_like(core: str) -> bool:
    """A short Latin name (tb, eb) may be a unit after a number: 「10 TB のログ」 is ten terabytes,
    not TensorBoard. Only Latin letters: 「L2正則化」 still names 正則化."""
    return len(core) <= UNIT_LIKE and core.isascii() and core.isalpha()


def _after_number(folded: str, start: int) -> bool:
    return bool(_AFTER_NUMBER.search(folded[max(0, start - 8):start]))


def _core(name: str) -> str:
    """The folded name without spacing/punctuation: what a pattern is built from."""
    return _SEP_CHARS.sub("", match_form(name))


def _compact(folded: str) -> tuple[str, list[int]]:
    """The question without separators, and where each kept character sits in it: a name matches
    across spacing and punctuation (``sage maker`` / ``sage-maker``) as a plain substring here."""
    keep = [i for i, ch in enumerate(folded) if not _SEP_CHARS.fullmatch(ch)]
    return "".join(folded[i] for i in keep), keep


def _word_follows(text: str, at: int) -> bool:
    return at < len(text) and bool(_LATIN.match(text[at]))


def _spans(core: str, folded: str, compact: str, keep: list[int]) -> Iterable[tuple[int, int]]:
    """Where ``core`` occurs in ``folded``, separators allowed between its letters, left to right
    and non-overlapping. A Latin name only matches whole words (``debugger`` is not found inside
    ``debuggers2``), plural ``s``/``es`` included. Substring search, no regex: a glossary of
    thousands of names costs a question microseconds per name, with nothing to compile."""
    latin_head, latin_tail = bool(_LATIN.match(core[0])), bool(_LATIN.match(core[-1]))
    unit_like = _unit_like(core)
    p = compact.find(core)
    while p >= 0:
        start, end = keep[p], keep[p + len(core) - 1] + 1
        if (latin_head and start > 0 and _LATIN.match(folded[start - 1])) or (unit_like and _after_number(folded, start)):
            p = compact.find(core, p + 1)
            continue
        if latin_tail:
            end = next((end + len(x) for x in ("s", "es", "") if folded.startswith(x, end)
                        and not _word_follows(folded, end + len(x))), -1)
        if end < 0:
            p = compact.find(core, p + 1)
            continue
        yield start, end
        while p < len(keep) and keep[p] < end:  # the next match starts after this one
            p += 1
        p = compact.find(core, p)


# A katakana spelling this short (long vowel marks aside) is left out: ログ or データ inside a longer
# word (ブログ, メタデータ) would be read as the lexicon word.
MIN_SPELLING_KANA = 4


def _with_spellings(groups: list[tuple[str, ...]], readings: dict[str, str], in_use: set[str],
                    spelt: dict[str, str]) -> list[tuple[str, ...]]:
    """Each group with the katakana spellings of its English words (feature → フィーチャー), unless
    a spelling is short or already a name in use (the file's own spelling wins). ``spelt`` gets
    each spelling's core → the English word it spells."""
    out = []
    for group in groups:
        extra = []
        for name in group:
            word = match_form(name).strip()
            spelling = readings.get(word)
            core = _core(spelling) if spelling else ""
            if len(core.replace("ー", "")) >= MIN_SPELLING_KANA and core not in in_use:
                in_use.add(core)
                spelt[core] = word
                extra.append(spelling)
        out.append(tuple(group) + tuple(extra))
    return out


def _by_first(patterns: list[tuple]) -> dict[str, list[int]]:
    """Opening pair of characters (or the one character of a one-character name) → positions."""
    index: dict[str, list[int]] = {}
    for i, (core, *_) in enumerate(patterns):
        index.setdefault(core[:2], []).append(i)
    return index


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
    readings: dict[str, str] = field(default_factory=dict)  # English word → katakana (the build's)
    # a spelling added from ``readings`` (its core) → the English word it spells
    spelt: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    # (core, term or group index, name length), longest first; a core is only searched for when the
    # question holds its first two characters side by side (every match starts with them, separators
    # aside): ``_by_first`` lists, per opening pair, the positions of the patterns that open with it
    _term_patterns: list[tuple[str, str, int]] = field(default_factory=list, repr=False)
    _group_patterns: list[tuple[str, int, int]] = field(default_factory=list, repr=False)
    _term_by_first: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _group_by_first: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Names in use are compared as the matcher folds them (ＴＢ, "t-b" and tb are one name).
        in_use = [*self.terms, *(n for names in self.terms.values() for n in names), *(w for g in self.groups for w in g)]
        in_use_cores = {_core(n) for n in in_use}
        of_terms, of_words = derive(self.terms, in_use_cores)
        self.groups = _with_spellings(self.groups, self.readings, in_use_cores, self.spelt)
        self.groups += [(word, initials) for initials, word in of_words.items()]
        for initials, term in of_terms.items():
            self._term_patterns.append((_core(initials), term, len(initials)))
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
                # A lexicon word's verb forms find it too (define: defined, defining), unless
                # another name already spells that form.
                for form in inflections(core) if core == match_form(name) else ():
                    if form not in in_use_cores:
                        self._group_patterns.append((form, gi, len(form)))
        # Longest names first, so "SageMaker Debugger" claims its span before "SageMaker" does.
        self._term_patterns.sort(key=lambda x: -x[2])
        self._group_patterns.sort(key=lambda x: -x[2])
        self._term_by_first = _by_first(self._term_patterns)
        self._group_by_first = _by_first(self._group_patterns)

    def find(self, folded: str) -> list[Mention]:
        """Non-overlapping mentions in ``folded`` (already in ``match_form``), term names first."""
        taken = [False] * len(folded)
        found: list[Mention] = []
        folded = folded.replace("・", " ")
        compact, keep = _compact(folded)
        present = set(compact) | {compact[i:i + 2] for i in range(len(compact) - 1)}  # characters and pairs

        def claim(core: str) -> Iterable[tuple[int, int]]:
            for start, end in _spans(core, folded, compact, keep):
                if not any(taken[start:end]):
                    taken[start:end] = [True] * (end - start)
                    yield start, end

        # Only the patterns whose opening pair the question holds, in their longest-first order:
        # the work grows with the question, not with the number of names (thousands at 5,000 terms).
        for i in sorted(i for ch in present for i in self._term_by_first.get(ch, ())):
            core, term, _ = self._term_patterns[i]
            for start, end in claim(core):
                found.append(Mention(start=start, end=end, term=term, expansion=(term,) + self.terms[term]))
        for i in sorted(i for ch in present for i in self._group_by_first.get(ch, ())):
            core, gi, _ = self._group_patterns[i]
            for start, end in claim(core):
                found.append(Mention(start=start, end=end, term=None, expansion=self.groups[gi]))
        return sorted(found, key=lambda m: m.start)

    def spelling_source(self, text: str) -> str | None:
        """The English word ``text`` is the build's katakana spelling of (ベネフィット → benefit)."""
        return self.spelt.get(_core(text))

    def terms_in(self, folded: str) -> list[str]:
        return list(dict.fromkeys(m.term for m in self.find(folded) if m.term))


def load_aliases(path: str | Path | None, term_names: dict[str, Iterable[str]]) -> AliasTable:
    """The aliases file (read by the knowledge layer) compiled into patterns for questions."""
    aliases = read_aliases(path, term_names)
    return AliasTable(dict(aliases.terms), list(aliases.groups), dict(aliases.readings))
