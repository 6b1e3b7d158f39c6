"""Initialisms of the glossary's product names: TB, EB, SMD, SMP, and SM for SageMaker.

Learners shorten CamelCase and multi-word product names to their capitals (「TB、PyTorchでも使える？」,
"SM Debugger rules?", "EB→SFN→SM の構成"); four of the question sets written independently of this
code do. The initialisms are derived from the names the glossary and ``aliases.yaml`` already give a
term, so a term an editor adds gets its own without anyone listing it. One that would be ambiguous
(two terms share it, or it already is a name of something) is not derived at all.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Mapping

VENDORS = frozenset({"amazon", "aws"})  # "Amazon SageMaker Debugger" is shortened to SMD, not ASMD
MIN_LETTERS, MAX_LETTERS = 2, 5
_PART = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|[0-9]+")  # SageMaker → Sage, Maker; AWS → AWS
_WORD = re.compile(r"[A-Za-z0-9]+")
_SPLIT = re.compile(r"[\s\-_・]+")


def _initials(parts: list[str]) -> str | None:
    letters = "".join(p[0] for p in parts).upper()
    return letters if len(parts) >= 2 and MIN_LETTERS <= len(letters) <= MAX_LETTERS else None


def name_initialism(name: str) -> str | None:
    """SMD for "Amazon SageMaker Debugger", TB for "TensorBoard"; None for a name that is not a
    capitalised Latin name of at least two parts ("overfitting", "Debugger", 過学習)."""
    words = [w for w in _SPLIT.split(name.strip()) if w]
    if not words or not all(w.isascii() and w.isalnum() and w[0].isupper() for w in words):
        return None
    while len(words) > 1 and words[0].lower() in VENDORS:
        words = words[1:]
    return _initials([p for w in words for p in _PART.findall(w)])


def word_initialism(word: str) -> str | None:
    """SM for the single CamelCase word "SageMaker" (a word many names share)."""
    if not (word.isascii() and word[:1].isupper()) or word.lower() in VENDORS:
        return None
    return _initials(_PART.findall(word))


def _unique(found: Mapping[str, dict[str, str]], taken: set[str]) -> dict[str, str]:
    """Initialisms with one owner that shadow no name in use."""
    return {i: next(iter(owners.values())) for i, owners in sorted(found.items())
            if len(owners) == 1 and i.lower() not in taken}


def derive(terms: Mapping[str, Iterable[str]], taken: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(initialism → term, initialism → the CamelCase word it shortens). ``taken`` are the names
    and words already in use, folded, which no initialism may shadow."""
    taken = {t.lower() for t in taken}
    of_terms: dict[str, dict[str, str]] = defaultdict(dict)  # initials → {term: term}
    of_words: dict[str, dict[str, str]] = defaultdict(dict)  # initials → {folded word: as written}
    for term, names in terms.items():
        for name in (term, *names):
            initials = name_initialism(name)
            if initials:
                of_terms[initials][term] = term
            for word in _WORD.findall(name):
                initials = word_initialism(word)
                if initials:
                    of_words[initials].setdefault(word.lower(), word)
    term_initialisms = _unique(of_terms, taken)
    return term_initialisms, _unique(of_words, taken | {i.lower() for i in term_initialisms})
