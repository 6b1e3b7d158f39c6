"""Code identifiers → the words they are made of: `ConditionStep` is 条件ステップ.

Learners who read pipelines in code ask about `ConditionStep`, `TransformStep` or `training_step`;
the glossary says 条件ステップ and 変換ステップ. Typed whole, such an identifier is one Latin word the
glossary never uses, so it counts as a name the glossary lacks and the question is refused. Split
into its words (condition, step), each meets the glossary through the lexicon like any English word.

Only identifiers made *entirely* of words or names the glossary knows are split: `QuickSight`,
`CacheConfig` or `ParameterString` keep an unknown piece, and an unknown product stays a name
(refusing "QuickSightとは" depends on it). Known names are never split (SageMaker, DynamoDB,
TensorBoard). A piece keeps its spelling when it has a capital past its first letter (SageMaker,
AWS); the others are words and go to lower case (`LambdaStep` → "lambda step"), so a capital says
nothing about being a name that the writer did not say (matching ignores case either way).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# A Latin word with digits and underscores, not touching another Latin letter, digit or "_".
_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?![A-Za-z0-9_])")
_CAMEL = re.compile(r"[a-z0-9][A-Z]|[A-Z][A-Z][a-z]")
# The pieces of one underscore-free part: XMLParser → XML, Parser; step2 → step, 2.
_PIECE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


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
            for j in range(len(pieces), i, -1):
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
        units = self._units(pieces)
        if not units or len(units) < 2 or all(u.lower() in self.stopwords or u.isdigit() for u in units):
            return None
        return " ".join(u if u[1:] != u[1:].lower() else u.lower() for u in units)

    def split(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """``text`` with its identifiers split, and the (as typed, as searched) pairs."""
        changes: list[tuple[str, str]] = []

        def fix(m: re.Match) -> str:
            words = self.split_word(m.group())
            if words is None:
                return m.group()
            changes.append((m.group(), words))
            return words

        return _WORD.sub(fix, text), changes
