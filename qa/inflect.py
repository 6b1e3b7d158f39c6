"""Regular English inflections of a lexicon word: "define" in ``aliases.yaml`` also finds
"defined" and "defining" in a question, "retry" finds "retried", "stop" finds "stopped".

The lexicon lists base forms; learners write whatever the sentence needs ("which service gets
triggered", "the job failed"). Plural s/es is already part of name matching (qa/aliases.py);
these are the verb forms. Irregular verbs are few in this vocabulary and stay listed by hand.
"""
from __future__ import annotations

_VOWELS = set("aeiou")
MIN_LETTERS = 3  # "ml", "ai": initialisms, never inflected


def _doubles_final(word: str) -> bool:
    """stop → stopped, log → logging: one syllable ending consonant-vowel-consonant (not w, x, y)."""
    if len(word) > 4 or len(word) < 3:
        return False
    a, b, c = word[-3], word[-2], word[-1]
    vowels = sum(ch in _VOWELS for ch in word)
    return vowels == 1 and a not in _VOWELS and b in _VOWELS and c not in _VOWELS and c not in "wxy"


def inflections(word: str) -> tuple[str, ...]:
    """Past and -ing forms of a lower-case Latin word (empty for anything else)."""
    if len(word) < MIN_LETTERS or not (word.isascii() and word.isalpha() and word.islower()):
        return ()
    if word.endswith("ee"):  # agree → agreed, agreeing
        return word + "d", word + "ing"
    if word.endswith("e"):  # define → defined, defining
        return word + "d", word[:-1] + "ing"
    if word.endswith("y") and word[-2] not in _VOWELS:  # retry → retried, retrying
        return word[:-1] + "ied", word + "ing"
    if _doubles_final(word):
        return word + word[-1] + "ed", word + word[-1] + "ing", word + "ed", word + "ing"
    return word + "ed", word + "ing"
