"""Code identifiers and run-together words → the words they are made of: `ConditionStep` is
条件ステップ, "whatisoverfitting" is "what is overfitting".

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

Words typed without spaces ("whatisoverfittingandhowdoidetectit", "sagemakerdebugger") are
the same problem without the capitals that mark where words begin: a run of letters the glossary
does not know is cut into the fewest words it does know (dynamic programming over the glossary's,
the lexicon's and the stop words' spellings), under the same rule: every piece known, not all of
them stop words. A one-letter piece must be a stop word ("a", "i"), so a misspelt word is not cut
into letters ("debuger" stays whole and goes to the speller).
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
# Run-together words: a run shorter than this is more likely a typo or an unknown name than
# several words ("cloudy"); a longer one is not cut at all, and no word is longer than MAX_WORD.
MIN_RUN = 7
MAX_RUN = 80
MAX_WORD = 24


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


def _english_word(word: str) -> bool:
    """One English word, not several run together: wordninja (unigram frequencies of English
    Wikipedia) leaves it whole. Imported only here: most questions never get this far."""
    import wordninja

    return len(wordninja.split(word)) == 1


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

    def segment(self, run: str) -> list[str] | None:
        """``run`` (letters only) cut into the fewest known words, or None when it cannot be or
        should not be: an English word of its own (default, runtime: wordninja's 125,000 words
        would not split it), or a stop word before one word (underfitting, outbound), which is how
        English makes words, not a missing space."""
        low = run.lower()
        if not (MIN_RUN <= len(low) <= MAX_RUN) or not low.isalpha() or low in self.known:
            return None
        best: list[list[str] | None] = [[]] + [None] * len(low)  # best[i]: the words of low[:i]
        for end in range(1, len(low) + 1):
            for start in range(max(0, end - MAX_WORD), end):
                head, piece = best[start], low[start:end]
                if head is None or piece not in self.known or (len(piece) == 1 and piece not in self.stopwords):
                    continue
                if best[end] is None or len(head) + 1 < len(best[end]):
                    best[end] = head + [run[start:end]]
        words = best[-1]
        if words is None or sum(w.lower() not in self.stopwords for w in words) < 2 and len(words) < 3:
            return None
        return None if _english_word(low) else words

    def split_word(self, word: str) -> str | None:
        """The identifier's words, space-separated, or None when it is not split."""
        if word.lower() in self.known:
            return None
        if "_" in word or _CAMEL.search(word):
            pieces = [p for part in word.split("_") for p in _PIECE.findall(part)]
            units = None if len(pieces) > MAX_PIECES else self._units(pieces)
        else:
            units = self.segment(word)
        if not units or len(units) < 2:
            return None
        if all(u.lower() in self.stopwords or u.isdigit() for u in units):
            return None
        return " ".join(u if u[1:] != u[1:].lower() else u.lower() for u in units)

    def split(self, text: str) -> tuple[str, Changes]:
        """``text`` with its identifiers split, and the (as typed, as searched) pairs."""
        return replace_words(_WORD, text, self.split_word)
