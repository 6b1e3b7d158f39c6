"""Japanese typed in Latin letters (``kagakushuu tte nani?``) → kana, so the readings can find it.

A learner whose keyboard is in Latin mode types Japanese as romaji. Nothing else reads it: Sudachi
sees unknown Latin words and E5 sees noise. ``to_kana`` turns such a question into hiragana with
jaconv (a maintained converter: Hepburn and kunrei, っ from doubled consonants, n'), keeping the
words the glossary writes in Latin letters (TensorBoard, SageMaker, tool) as they are; the reading
lexicon then meets the kana as it meets any hiragana a learner types (かがくしゅう → 過学習).

Only questions that are romaji as a whole are converted: no Japanese script at all, at least one
Japanese particle or copula, and most of the words the glossary does not know spell out as romaji
syllables. An English question has at most a few words that happen to be syllables (``made``,
``to``) and no particles, so it passes untouched.
"""
from __future__ import annotations

import re
from typing import Iterable

import jaconv

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z\u0100-\u017f']+")
_MACRONS = str.maketrans({"ā": "aa", "ē": "ee", "ī": "ii", "ō": "ou", "ū": "uu", "â": "aa", "ê": "ee",
                          "î": "ii", "ô": "ou", "û": "uu"})
# One syllable: an optional doubled consonant (っ), an onset, a vowel; or a syllabic n.
_SYLLABLE = (r"(?:(?:(?P<c>[kgsztdhbpmrfj])(?=(?P=c))|t(?=ch))?"
             r"(?:ky|gy|sh|sy|zy|ch|cy|ty|dy|ts|ny|hy|by|py|my|ry|[kgsztdnhbpmyrwfjv])?[aiueo]|n'?)")
_ROMAJI_WORD = re.compile(rf"(?:{_SYLLABLE})+")
# Particles, copulas and question words: a question in romaji has one of these; English has none.
_MARKERS = frozenset({"no", "wa", "wo", "ga", "ni", "de", "tte", "te", "ha", "mo", "ka", "to", "toha", "towa",
                      "nani", "nan", "desu", "desuka", "masu", "masuka", "dekiru", "dekimasu", "oshiete",
                      "dou", "donna", "dore", "dono", "naze", "ne", "yo", "kana", "nano", "nanno"})


# Standalone particles written as pronounced: "wa" is the topic particle は, "e" the direction へ.
_PARTICLE_KANA = {"wa": "は", "e": "へ"}
_DOUBLE_N = re.compile(r"nn(?=[aiueoy])")


def _kana(word: str) -> str:
    """Hepburn "nn" before a vowel is ん + n (nanno なんの, donna どんな); jaconv would read ん + o."""
    return _PARTICLE_KANA.get(word) or jaconv.alphabet2kana(_DOUBLE_N.sub("n'n", word))


def is_romaji_word(word: str) -> bool:
    return bool(_ROMAJI_WORD.fullmatch(word.lower().translate(_MACRONS)))


def name_index(names: Iterable[str]) -> dict[str, list[str]]:
    """Lower-case Latin names by their first three letters, longest first: peeling a word looks at
    the few names that could start it, not at every name of a large glossary."""
    index: dict[str, list[str]] = {}
    for name in sorted({n.lower() for n in names if len(n) >= 3}, key=len, reverse=True):
        index.setdefault(name[:3], []).append(name)
    return index


def _split_known(word: str, names: dict[str, list[str]]) -> list[str]:
    """Peel glossary names off a run typed without spaces (tensorboardnorogu → tensorboard, norogu)."""
    low, parts = word.lower(), []
    if low in names.get(low[:3], ()):
        return [word]
    while True:
        name = next((n for n in names.get(low[:3], ()) if low.startswith(n) and len(low) > len(n)), None)
        if name is None:
            return parts + [word[len(word) - len(low):]] if low else parts
        parts.append(word[len(word) - len(low):len(word) - len(low) + len(name)])
        low = low[len(name):]


def to_kana(text: str, known: frozenset[str], names: dict[str, list[str]] | Iterable[str]
            ) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with its romaji words in hiragana when the whole question is romaji, else as it was.
    ``known``: lower-case Latin words the glossary uses (kept); ``names``: Latin names (peeled off
    words typed without spaces), as ``name_index`` groups them or as a plain list."""
    if _JAPANESE.search(text):
        return text, []
    if not isinstance(names, dict):
        names = name_index(names)
    words = [w for m in _WORD.finditer(text) for w in _split_known(m.group(), names)]
    unknown = [w for w in words if w.lower() in _MARKERS or w.lower().translate(_MACRONS).replace("'", "") not in known]
    if not unknown or not any(w.lower() in _MARKERS for w in words):
        return text, []
    if sum(is_romaji_word(w) for w in unknown) < 0.7 * len(unknown):
        return text, []
    changes: list[tuple[str, str]] = []

    def convert(m: re.Match) -> str:
        out = []
        for part in _split_known(m.group(), names):
            plain = part.lower().translate(_MACRONS)
            if (plain not in _MARKERS and plain.replace("'", "") in known) or not is_romaji_word(part):
                out.append(part)
            else:
                out.append(_kana(plain))
                changes.append((part, out[-1]))
        return " ".join(out)

    return _WORD.sub(convert, text), changes
