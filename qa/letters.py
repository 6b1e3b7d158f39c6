"""Latin letters said aloud → the letters: エーダブリューエス is AWS.

Voice input writes an initialism the way it is pronounced, in katakana (エーダブリューエス, エスエルエー,
エムエル). Read as Japanese it is one unknown katakana word, so a name the glossary lacks, and the
question was refused. A katakana run made *entirely* of at least two letter names is spelt back in
Latin capitals, and the alias table then meets AWS, ML or EB as typed. A run with anything else in
it (エムエルオプス, エース, アイデア) is left alone: only a whole run is a spelling.
"""
from __future__ import annotations

import re

from .identifiers import Changes, replace_words

# The usual Japanese names of the letters, with their common variants.
LETTER_NAMES = {
    "エー": "A", "エイ": "A", "ビー": "B", "シー": "C", "ディー": "D", "デー": "D", "イー": "E", "エフ": "F",
    "ジー": "G", "エイチ": "H", "エッチ": "H", "アイ": "I", "ジェー": "J", "ジェイ": "J", "ケー": "K", "ケイ": "K",
    "エル": "L", "エム": "M", "エヌ": "N", "オー": "O", "ピー": "P", "キュー": "Q", "アール": "R", "エス": "S",
    "ティー": "T", "ユー": "U", "ブイ": "V", "ヴィー": "V", "ダブリュー": "W", "ダブリュ": "W", "エックス": "X",
    "ワイ": "Y", "ゼット": "Z", "ズィー": "Z",
}
_LONGEST = max(len(name) for name in LETTER_NAMES)
_KATAKANA_RUN = re.compile(r"[\u30a1-\u30faー]{4,}")
MAX_RUN = 40  # ten letters said aloud at most; a longer run is a word, not an initialism


def spelled_letters(run: str) -> str | None:
    """The Latin letters a katakana run spells out, or None when it is not only letter names
    (longest name first at each position) or names fewer than two."""
    if len(run) > MAX_RUN:
        return None
    letters: list[str] = []
    i = 0
    while i < len(run):
        for size in range(min(_LONGEST, len(run) - i), 1, -1):
            letter = LETTER_NAMES.get(run[i:i + size])
            if letter:
                letters.append(letter)
                i += size
                break
        else:
            return None
    return "".join(letters) if len(letters) >= 2 else None


def spell_out(text: str) -> tuple[str, Changes]:
    """``text`` with letters said aloud spelt in Latin, and the (as typed, as searched) pairs."""
    return replace_words(_KATAKANA_RUN, text, spelled_letters)
