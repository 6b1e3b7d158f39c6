"""How people type → how the glossary writes: kana variants and misspelt Latin names.

A learner types いべんとぶりっじ, ｲﾍﾞﾝﾄﾌﾞﾘｯｼﾞ, かがくしゅう or TensorBorad; the glossary writes
EventBridge, 過学習 and TensorBoard. These bridges, applied to the question before anything else
reads it (so the dense side, the keyword side and the abstention all see the repaired text):

* NFKC folds half-width katakana and full-width Latin (done by the caller's ``fold``); Japanese
  written entirely in katakana (telegram style, ｶｶﾞｸｼｭｳ ﾉ ﾎﾞｳｼｻｸ) is then read as hiragana;
* hiragana and katakana meet through *readings*: every name in the alias table and every
  word of the glossary is also known by its Sudachi reading (カガクシュウ), and a question's kana
  runs are compared in katakana, so かがくしゅう finds 過学習 and でばっがー finds Debugger;
* a Latin word the glossary does not know, within a small edit distance (scaled by length) of a
  Latin name it does know, is that name misspelt (Debuger, pipleines, TensorBorad);
* a code identifier made of words the glossary knows is those words (`ConditionStep` → "condition
  step", which meets 条件ステップ; qa/identifiers.py), split first so the other bridges see words;
  letters said aloud (エーダブリューエス, from voice input) are spelt back in Latin (qa/letters.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import jaconv
from rapidfuzz.distance import OSA
from rapidfuzz import process

from .identifiers import IdentifierSplitter, replace_words
from .letters import spell_out
from .romaji import name_index, to_kana

_HIRA = re.compile(r"[\u3041-\u3096]")
_KANA_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30faー]{3,}")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_KANJI = re.compile(r"[\u3400-\u9fff]")


def to_katakana(text: str) -> str:
    """Hiragana → katakana, one character for one, so spans stay aligned with the input."""
    return _HIRA.sub(lambda m: chr(ord(m.group()) + 0x60), text)


def max_edits(length: int) -> int:
    """Edits allowed for a word of this length: none below 5 letters (too many real words lie one
    edit apart: lamda/lambda is fine, but s3/s4 is not), one up to 7, two from 8 on."""
    if length < 5:
        return 0
    return 1 if length < 8 else 2


@dataclass
class Speller:
    """Corrects Latin words that are not in ``known`` but lie close to one of ``names``."""

    names: list[str]  # Latin names as the glossary writes them (SageMaker, Debugger, …)
    known: frozenset[str] = frozenset()  # lower-case words never corrected (the glossary's own)
    _lower: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.names = sorted(dict.fromkeys(n for n in self.names if len(n) >= 5))
        self._lower = [n.lower() for n in self.names]

    def correct_word(self, word: str) -> str | None:
        low = word.lower()
        if low in self.known or low.rstrip("s") in self.known or low in self._lower:
            return None
        limit = max_edits(len(low))
        if not limit:
            return None
        hit = process.extractOne(low, self._lower, scorer=OSA.distance, score_cutoff=limit)
        if hit is None:
            return None
        name = self.names[hit[2]]
        # A plural of a name (pipleines → pipelines) is still that name.
        return name

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """``text`` with misspelt names replaced, and the (wrong, right) pairs."""
        return replace_words(_LATIN_WORD, text, self.correct_word)


_PARTICLES = set("ノハヲガトデニモヘヤカ")
_KATAKANA_WORD = re.compile(r"[\u30a1-\u30faー]{6,}")
_KANJI_RUN = re.compile(r"[\u3400-\u9fff]{2,8}")


def _bounded(run: str, kata: str, i: int, j: int) -> bool:
    """The span stands alone in its kana run: at the run's edges, next to a particle or where the
    script changes (Debugger の|りてん, りてん|は, かしか|ツール), so the three kana of 利点 are not
    found inside another word."""
    def edge(a: int, b: int) -> bool:  # between positions a and b of the run
        return kata[a] in _PARTICLES or kata[b] in _PARTICLES or bool(_HIRA.match(run[a])) != bool(_HIRA.match(run[b]))

    before = i == 0 or edge(i - 1, i)
    after = j == len(kata) or edge(j - 1, j) or kata[j:j + 2] == "ッテ"
    return before and after


@lru_cache(maxsize=512)
def _vowel(kana: str) -> str:
    """The vowel a katakana ends on (シュ → u, ャ → a), "" for ン, ッ and marks (one character at a
    time, so the cache holds the kana syllabary, not the glossary)."""
    roman = jaconv.kana2alphabet(jaconv.kata2hira(kana))
    return roman[-1] if roman and roman[-1] in "aiueo" else ""


_BARE_VOWELS = {"ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o"}


def loose(kata: str) -> str:
    """A reading with its long vowels dropped (カガクシュウ, カガクシュ → カガクシュ; トレーニング,
    トレエニング → トレニング): romaji typed with or without long vowels, or with vowels for ー,
    meets the glossary's reading."""
    out: list[str] = []
    last = ""
    for ch in kata:
        if ch == "ー":
            continue
        bare = _BARE_VOWELS.get(ch)
        if bare and last and (bare == last or (bare, last) in {("u", "o"), ("i", "e")}):
            continue
        out.append(ch)
        last = _vowel(ch) or last
    return "".join(out)


@dataclass
class ReadingLexicon:
    """Katakana reading → the written forms the glossary uses (カガクシュウ → 過学習)."""

    words: dict[str, str] = field(default_factory=dict)
    longest: int = 0
    _loanwords: list[str] = field(default_factory=list, repr=False)
    _loose: dict[str, str] = field(default_factory=dict, repr=False)  # loose(reading) → written

    def add(self, reading: str, written: str) -> None:
        if len(reading) >= 3 and reading not in self.words:
            self.words[reading] = written
            self._loose.setdefault(loose(reading), written)
            self.longest = max(self.longest, len(reading))
            if written == reading and len(reading) >= 6:
                self._loanwords.append(reading)

    def _scan(self, run: str, kanji_only: bool) -> tuple[str, list[tuple[str, str]]]:
        """Longest known readings in one kana run, left to right."""
        kata = to_katakana(run)
        i, pieces, changes = 0, [], []
        while i < len(kata):
            for j in range(min(len(kata), i + self.longest), i + 2, -1):
                written = self.words.get(kata[i:j])
                if written and kanji_only and not _KANJI.search(written):
                    continue  # a katakana loanword stays as typed
                if written and j - i < 4 and not _bounded(run, kata, i, j):
                    continue  # a three-kana reading (リテン) only as a word of its own
                if written:
                    pieces.append(written)
                    if written != run[i:j]:
                        changes.append((run[i:j], written))
                    i = j
                    break
            else:
                pieces.append(run[i])
                i += 1
        return "".join(pieces), changes

    def _near_loanword(self, run: str) -> str | None:
        """A long katakana word one edit from a loanword the glossary uses (オーバーフィッテイング)."""
        if len(run) < 6 or run in self.words:
            return None
        hit = process.extractOne(run, self._loanwords, scorer=OSA.distance, score_cutoff=1)
        return self._loanwords[hit[2]] if hit else None

    def _loose_word(self, run: str) -> str | None:
        """A whole hiragana word that is a glossary word but for its long vowels (かがくしゅ,
        とれえにんぐ); four kana at least, or three with a long vowel typed out (でえた → データ),
        so short words keep their exact reading."""
        kata = to_katakana(run)
        if not _HIRA.search(run) or kata in self.words:
            return None
        if len(run) < 4 and loose(kata) == kata:
            return None
        return self._loose.get(loose(kata))

    def rewrite(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Kana runs: readings of the glossary's words become those words (hiragana runs: any word;
        katakana runs: only words written in kanji, カガクシュウ → 過学習, and a near-miss of a long
        loanword becomes that loanword)."""
        changes: list[tuple[str, str]] = []
        out, last = [], 0
        def near(m: re.Match) -> str:
            word = self._near_loanword(m.group())
            if word:
                changes.append((m.group(), word))
            return word or m.group()

        text = _KATAKANA_WORD.sub(near, text)
        for m in _KANA_RUN.finditer(text):
            run = m.group()
            whole = self._loose_word(run)
            new, found = ((whole, [(run, whole)]) if whole
                          else self._scan(run, kanji_only=not _HIRA.search(run)))
            out.append(text[last:m.start()])
            out.append(new)
            changes += found
            last = m.end()
        out.append(text[last:])
        return "".join(out), changes

    def homophones(self, text: str, tokenizer, known: frozenset[str]) -> tuple[str, list[tuple[str, str]]]:
        """A kanji word the glossary does not use, read like one it does (過学週, 課学習 → 過学習).
        Only long readings (five kana or more): short ones have too many real homophones."""
        changes: list[tuple[str, str]] = []

        def fix(m: re.Match) -> str:
            word = m.group()
            if word in known:
                return word
            written = self.words.get(to_katakana(tokenizer.reading(word)))
            if written and written != word and len(written) == len(word) and len(to_katakana(tokenizer.reading(word))) >= 5:
                changes.append((word, written))
                return written
            return word

        return _KANJI_RUN.sub(fix, text), changes


def build_lexicon(names: list[str], tokenizer) -> ReadingLexicon:
    """Readings of names written in kanji or katakana: the glossary's words and the aliases."""
    lex = ReadingLexicon()
    for name in sorted(dict.fromkeys(names), key=len, reverse=True):
        if not name or name.isascii():
            continue
        reading = to_katakana(tokenizer.reading(name))
        lex.add(reading, name)  # カガクシュウ → 過学習; イベントブリッジ → itself (for いべんとぶりっじ)
    return lex


# Japanese written all in katakana (old terminals, telegram style: 「ﾃﾝｿﾙﾎﾞｰﾄﾞ ﾉ ｼｭﾖｳｷﾉｳ ｦ
# ｵｼｴﾃｸﾀﾞｻｲ｡」 folds to full-width katakana): no hiragana and no kanji, and particles standing alone
# or a polite ending in katakana. Its words are readings, not loanwords, so it is read as if typed in
# hiragana (any glossary word by its reading); loanwords come back through their readings too.
_PARTICLE_WORD = re.compile(r"(?:^|\s)(?:[ノハヲガニデトモヘ]|トハ|ッテ|カラ|マデ|ヨリ|デハ|ニハ|ニツイテ)(?=\s)")
_KATAKANA_ENDING = re.compile(r"(?:デスカ|マスカ|マセンカ|クダサイ|デショウカ|ナニカ|ナニ|ナンデスカ)[。．.？?！!]*\s*$")
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")


def katakana_sentence(text: str) -> bool:
    """Japanese written entirely in katakana, as opposed to katakana keywords (イベントブリッジ ルール)."""
    if _HIRA.search(text) or _KANJI.search(text) or len(_KATAKANA.findall(text)) < 4:
        return False
    return bool(_PARTICLE_WORD.search(text) or _KATAKANA_ENDING.search(text))


@dataclass
class Variants:
    """Both repairs, built once per index; ``repair`` costs well under a millisecond."""

    speller: Speller
    lexicon: ReadingLexicon
    tokenizer: object = None
    written: frozenset[str] = frozenset()  # kanji words the glossary and the aliases use
    latin_names: dict[str, list[str]] = field(default_factory=dict)  # romaji.name_index of the Latin names
    # Knowing no words, a splitter splits nothing; build_variants gives it the glossary's.
    identifiers: IdentifierSplitter = field(default_factory=lambda: IdentifierSplitter(frozenset()))

    def repair(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The question as searched, and the (as typed, as searched) pairs of every change."""
        text, split = self.identifiers.split(text)
        text, said = spell_out(text)
        text, romaji = to_kana(text, self.speller.known, self.latin_names)
        if katakana_sentence(text):
            text = jaconv.kata2hira(text)
        text, fixed = self.speller.correct(text)
        text, read = self.lexicon.rewrite(text)
        homo: list[tuple[str, str]] = []
        if self.tokenizer is not None:
            text, homo = self.lexicon.homophones(text, self.tokenizer, self.written)
        return text, split + said + romaji + fixed + read + homo


def build_variants(aliases, texts: list[str], tokens: list[list], tokenizer, stopwords=frozenset()) -> Variants:
    """From the alias table (term names, word groups) and the glossary's own text and tokens."""
    names: list[str] = [n for ns in aliases.terms.values() for n in ns] + list(aliases.terms)
    words: list[str] = [w for g in aliases.groups for w in g]
    latin_names = [w for n in names for w in _LATIN_WORD.findall(n)]
    latin_names += [w for t in texts for w in _LATIN_WORD.findall(t) if w[0].isupper()]
    known = {w.lower() for w in _LATIN_WORD.findall(" ".join(words + texts))} | set(stopwords)
    known |= {n.lower() for n in latin_names}
    surfaces = [t.surface for toks in tokens for t in toks
                if len(t.surface) >= 2 and not t.surface.isascii() and t.pos != "bigram"]
    lexicon = build_lexicon(names + words + surfaces, tokenizer)
    written = frozenset(w for t in names + words + surfaces for w in _KANJI_RUN.findall(t))
    peel = name_index(n for n in latin_names if len(n) >= 5)
    return Variants(speller=Speller(latin_names, frozenset(known)), lexicon=lexicon, tokenizer=tokenizer,
                    written=written, latin_names=peel,
                    identifiers=IdentifierSplitter(frozenset(known), frozenset(stopwords)))
