"""Katakana spellings of the lexicon's English words (feature → フィーチャー), made by the build.

Why: learners write English loanwords in katakana (「キーフィーチャー」「ベネフィット」「ディテクション」).
The lexicon (the ``words`` groups of ``knowledge/aliases.yaml``) already links the English word to
the glossary's Japanese one (feature ↔ 機能, 特徴), but only for the spellings an editor wrote out;
a katakana spelling nobody listed found nothing, and the question was refused as asking about words
the glossary lacks. Each English word of a group now brings its usual katakana spelling, so an
editor who adds "prevention" to a group also gets プリベンション-like spellings for free.

The spellings come from e2k's character model (English → katakana, an RNN trained on Wiktionary
and JMdict, run with NumPy; its weights ship in its wheel, so nothing is downloaded). At about 5 ms a
word it belongs to the build, not to answering: the snapshot stores the spellings, and a rebuild
reuses the previous build's, so an edit to the Markdown alone never loads the model.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from .text import match_form

# A lexicon word e2k can spell: Latin letters, with spaces or hyphens between words. Initialisms
# (UI, CI/CD) and names with digits are left alone: they are read letter by letter, not spelt.
_SPELLABLE = re.compile(r"^[a-z][a-z \-]*[a-z]$")
MIN_LETTERS = 3


def spellable_words(groups: Iterable[Iterable[str]]) -> list[str]:
    """The groups' English words (in ``match_form``) that get a katakana spelling, in file order."""
    words = (match_form(w).strip() for group in groups for w in group)
    return list(dict.fromkeys(w for w in words if len(w) >= MIN_LETTERS and _SPELLABLE.match(w)))


def katakana_readings(groups: Iterable[Iterable[str]], previous: Mapping[str, str] | None = None) -> dict[str, str]:
    """word → katakana for every spellable word of ``groups``; a word ``previous`` already spells
    is taken from it, and the model is loaded only if some word is new."""
    previous = previous or {}
    words = spellable_words(groups)
    spelt = {w: previous[w] for w in words if previous.get(w)}
    missing = [w for w in words if w not in spelt]
    if missing:
        spelt.update(zip(missing, _spell(missing)))
    return {w: spelt[w] for w in words}


def _spell(words: list[str]) -> list[str]:
    from e2k import C2K

    model = C2K()  # greedy decoding: the same word always gets the same spelling
    return [model(w.replace("-", " ")) for w in words]
