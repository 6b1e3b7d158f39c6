"""Code identifiers → the words they are made of: `ConditionStep` is 条件ステップ.

Learners who read pipelines in code ask about `ConditionStep`, `TransformStep` or `training_step`;
the glossary says 条件ステップ and 変換ステップ. Typed whole, such an identifier is one Latin word the
glossary never uses, so it counts as a name the glossary lacks and the question is refused. Split
into its words (condition, step), each meets the glossary through the lexicon like any English word.

Only identifiers made *entirely* of words or names the glossary knows are split: `QuickSight`,
`CacheConfig` or `ParameterString` keep an unknown piece, and an unknown product stays a name
(refusing "QuickSightとは" depends on it). Known names are never split (SageMaker, DynamoDB,
TensorBoard). A piece keeps its spelling when it has a capital past its first letter (SageMaker,
AWS); the others are lower-cased (`LambdaStep` → "lambda step"): in an identifier a leading
capital only marks where a word begins, and would otherwise make every piece look like a name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# A Latin word with digits and underscores, not touching another Latin letter, digit or "_".
_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?![A-Za-z0-9_])")
_CAMEL = re.compile(r"[a-z0-9][A-Z]|[A-Z][A-Z][a-z]")
# The pieces of one underscore-free part: XMLParser → XML, Parser; step2 → step, 2.
_PIECE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# Bounds that keep the work per word small whatever is pasted: real identifiers have a handful of
# pieces (CreateModelStep: 3), and a known word is at most a few of them (SageMaker: 2).
MAX_PIECES = 12
MAX_PIECES_PER_WORD = 4


Changes = list[tuple[str, str]]  # (as typed, as searched)


def replace_words(pattern: re.Pattern, text: str, replace: Callable[[str], str | None]) -> tuple[str, Changes]:
    """``text`` with each match of ``pattern`` that ``replace`` maps to a string replaced by it,
    and the (as typed, as searched) pairs: every repair of a question reports what it changed."""
    changes: Changes = []

    def fix(m: re.Match) -> str:
        new = replace(m.group())
        if new is None:
            return m.group()
        changes.append((m.group(), new))
        return new

    return pattern.sub(fix, text), changes


@dataclass(frozen=True)
class IdentifierSplitter:
    """Splits identifiers whose every piece is in ``known`` (lower case: the glossary's and the
    lexicon's Latin words and names), unless all are ``stopwords`` (get_it)."""

    known: frozenset[str]
    stopwords: frozenset[str] = frozenset()

    def _units(self, pieces: list[str]) -> list[str] | None:
        """Pieces joined back into the longest known words (Sage + Maker → SageMaker), or None
        when any unit is unknown."""
        units: list[str] = []
        i = 0
        while i < len(pieces):
            for j in range(min(len(pieces), i + MAX_PIECES_PER_WORD), i, -1):
                unit = "".join(pieces[i:j])
                if unit.lower() in self.known or unit.isdigit():
                    break
            else:
                return None
            units.append(unit)
            i = j
        return units

    def split_word(self, word: str) -> str | None:
        """The identifier's words, space-separated, or None when it is not split."""
        if word.lower() in self.known or not ("_" in word or _CAMEL.search(word)):
            return None
        pieces = [p for part in word.split("_") for p in _PIECE.findall(part)]
        if len(pieces) > MAX_PIECES:
            return None
        units = self._units(pieces)
        if not units or len(units) < 2:
            return None
        if all(u.lower() in self.stopwords or u.isdigit() for u in units):
            return None
        return " ".join(u if u[1:] != u[1:].lower() else u.lower() for u in units)

    def split(self, text: str) -> tuple[str, Changes]:
        """``text`` with its identifiers split, and the (as typed, as searched) pairs."""
        return replace_words(_WORD, text, self.split_word)
