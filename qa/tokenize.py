"""Japanese (and English) text → search tokens, with SudachiPy and its core dictionary.

Why Sudachi and not a regex: Japanese has no spaces, and the same word is written many ways
(パラメータ/パラメーター, 受付/受け付け, full-width/half-width Latin). Sudachi's *normalised form*
folds those variants, so a query and an entry meet whatever spelling each used.

Tokens follow the usual "search mode": Sudachi's long units (mode C: 受け取る, 機械学習, 自動化)
plus, for nouns, the short units inside them (機械, 学習, 自動) for recall, plus the joined bigram of
two adjacent noun-ish units (過+学習 → 過学習, 学習+曲線 → 学習曲線) so that a compound still
outranks a text that only has its parts scattered around. The Sudachi dictionary is loaded once
per process (~50 ms); each thread gets its own tokenizer from it (Sudachi's tokenizer refuses
concurrent use), so sessions never wait for each other.

Work per text is bounded and linear in its length: at most ``MAX_TEXT_CHARS`` are read, and cutting
unknown katakana runs into known words (the one step that looks at substrings) tries pieces of at
most ``MAX_PIECE_CHARS`` in runs of at most ``MAX_SPLIT_RUN`` characters, within a per-text budget
of ``SPLIT_BUDGET`` dictionary look-ups. Before, a 1,000-character run cost ~n³ and 40 s.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from indexer.text import match_form

# Function words never decide relevance: particles, auxiliaries, symbols, whitespace.
_DROP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号", "接続詞", "感動詞", "連体詞", "代名詞", "副詞"}
# Units that may join their neighbour into a bigram.
_JOIN_POS = {"名詞", "接頭辞", "接尾辞", "形状詞"}

# Words with no topical content in a question (normalised forms). Kept out of the index and the
# query alike; they only make every document look a little relevant.
STOPWORDS = frozenset(
    """
    為る 有る 居る 成る 出来る 行う 教える 言う 思う 知る 下さる 呉れる 貰う 見る 分かる 判る 仕舞う
    来る 行く 置く 上げる 頂く 欲しい 良い 好い 旨い 上手い 上手 進む 始める 出る
    事 物 物事 為 様 方 所 時 場合 等 点 何 何か 何処 誰 どう どんな どの どれ 如何 なぜ 何故
    いつ 之 其れ 此れ 其の 此の 彼 よう こと もの ため ところ 的 性 化 者 中 上 下 内 際
    ください 下さい 願う お願い 是非 ちょっと 少し 一寸 とても 大変 色々 様々 具体 具体的
    手数 幸い 幸甚 教示 御願い 願い 恐縮 宜しい 忙しい 差し支え 差し支える 伺う 賜る 申し上げる
    恐れ入る 致す 存じる 助かる 失礼
    a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with what which who whom why how when where does do did can
    could would should i me my we our you your tell explain please about give show list some any
    its am been being have has had get got
    myself ours ourselves yours yourself yourselves he him his himself she her hers herself itself
    them theirs themselves those were having doing because until while against between through
    during before after above below from up down out off over under again further once here both
    each few more most other own same so than too very just now also may might must shall
    le la les de du des un une et est ce qu que qui quoi comment der die das ist ein eine und wie was
    el los las una es que como por para
    """.split()
)

# Words that are topical for the glossary as a whole, so they tell nothing about *which* entry
# answers, nor whether the glossary covers a question: "AWSのサービス" matches everything.
GENERIC = frozenset(
    """
    aws amazon アマゾン サービス 機械 学習 機械学習 ml machine learning service services
    使う 使用 利用 について 関連 用語 意味 説明 概要 違い 場合 ツール tool 実現 可能 必要 方法 手法
    特徴 機能 利点 メリット 長所 ユースケース 使い道 用途 活用 例 仕組み 種類 定義 主要 主 一般 遣り方
    feature benefit advantage method way use using used work works help make
    """.split()
)

_KATAKANA_RUN = re.compile(r"^[\u30a0-\u30ffー]+$")

# Sudachi refuses inputs over ~49 KB; 12,000 characters stay below it even at 4 bytes each.
MAX_TEXT_CHARS = 12_000
MAX_SPLIT_RUN = 48  # a longer unknown katakana run is kept whole: no real compound is that long
MAX_PIECE_CHARS = 16  # the longest known katakana word tried as a piece
SHORT_TEXT = 32  # texts this short are tokenised once per process (Tokenizer.tokens)
SPLIT_BUDGET = 1_500  # look-ups per tokens() call for all runs together (~15 µs each)
_ASCII_WORD = re.compile(r"^[a-z0-9][a-z0-9.+#_-]*$")
# A figure (0.85, 1e-3, 30%, 4x): searchable, but neither a name nor a topic the glossary lacks.
_NUMBER = re.compile(r"^[0-9][0-9.,e+\-]*(?:%|x)?$")
# Endings of katakana loanwords that are common nouns (ディテクション, リプロデューシビリティ,
# パフォーマンス): an unknown word with one is vocabulary the glossary lacks, not a product's name.
_COMMON_LOANWORD_ENDINGS = ("ション", "ティ", "ティー", "ング", "メント", "ネス", "ズム", "ンス", "ジー", "シー",
                            "ブル", "カル", "ティブ", "ライズ")


class Token(NamedTuple):
    """One search token and where it came from, so a match can be shown on the original text.
    A NamedTuple, not a dataclass: a 5,000-term glossary has 1.8 million of them, and a tuple is
    made three times faster when the token store reads them back."""

    norm: str  # the form that is indexed and compared
    surface: str  # the text as written, for highlighting
    pos: str  # Sudachi's first part-of-speech field ("bigram" for joined units)
    proper: bool = False  # a name: Latin word, Sudachi 固有名詞, or unknown katakana word
    # Outside Sudachi's dictionary and not a name: a word of another language (什么, 과적합) or a
    # number. It still searches, but it is no evidence of a topic the glossary lacks.
    unread: bool = False


class Morpheme(NamedTuple):
    """One Sudachi morpheme, read once into plain fields (Sudachi's objects die with their list)."""

    surface: str  # as written
    normalized: str  # Sudachi's normalised form (a dictionary spelling: 為る, アラート)
    pos: str  # first part-of-speech field (名詞, 助詞, …)
    pos_detail: str  # second field (固有名詞, 普通名詞, …)
    oov: bool  # not in Sudachi's dictionary

    @classmethod
    def of(cls, m) -> "Morpheme":
        pos = m.part_of_speech()
        return cls(m.surface(), m.normalized_form(), pos[0], pos[1], m.is_oov())


class _Accumulator:
    """Tokens of one text as they are found, plus the run of joinable units that makes bigrams."""

    def __init__(self) -> None:
        self.out: list[Token] = []
        self.run: list[Token] = []  # consecutive joinable units, for bigrams
        self.bigrams: list[Token] = []

    def add(self, tok: Token, join: bool) -> None:
        self.out.append(tok)
        if join:
            self.run.append(tok)

    def flush(self) -> None:
        for a, b in zip(self.run, self.run[1:]):
            if a.norm and b.norm:
                self.bigrams.append(Token(norm=a.norm + b.norm, surface=a.surface + b.surface, pos="bigram",
                                         proper=a.proper or b.proper))
        self.run.clear()


def _stem_en(word: str) -> str:
    """Plural → singular for Latin words only, so "pipelines" meets "pipeline"."""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class Tokenizer:
    """Thread-safe without a lock: one Sudachi dictionary, one Sudachi tokenizer per thread
    (Streamlit answers each session in its own thread)."""

    def __init__(self) -> None:
        from sudachipy import Dictionary, SplitMode

        self._dict = Dictionary(dict="core")
        self._mode_a, self._mode_c = SplitMode.A, SplitMode.C
        self._local = threading.local()
        self._oov_cache: dict[str, tuple[str, ...]] = {}
        self._short_cache: dict[str, tuple[Token, ...]] = {}

    @property
    def _tok(self):
        tok = getattr(self._local, "tok", None)
        if tok is None:
            tok = self._local.tok = self._dict.tokenizer(self._mode_c)
        return tok

    # -- raw morphemes ---------------------------------------------------------------------
    def _morphemes(self, text: str) -> list[Morpheme]:
        return [Morpheme.of(m) for m in self._tok.tokenize(text, self._mode_a)]

    def _units(self, text: str) -> list[tuple[Morpheme, list[Morpheme]]]:
        """Long units (mode C), each with the short units (mode A) inside it when there are several."""
        out = []
        for m in self._tok.tokenize(text, self._mode_c):
            parts = m.split(self._mode_a)
            out.append((Morpheme.of(m), [Morpheme.of(p) for p in parts] if len(parts) > 1 else []))
        return out

    def _split_oov_katakana(self, word: str, budget: list[int] | None = None) -> tuple[str, ...]:
        """Sudachi keeps an unknown katakana run whole (サーバーレスイベントバスサービス); cut it into
        the known words it is made of so that イベントバス in a question can meet it.

        Greedy longest match with pieces of at most MAX_PIECE_CHARS: at most
        ``len(word) * MAX_PIECE_CHARS`` look-ups of short strings, taken from ``budget`` (a
        one-item list shared by one text's runs); a run too long or a budget spent keeps the word whole."""
        if word in self._oov_cache:
            return self._oov_cache[word]
        budget = budget if budget is not None else [SPLIT_BUDGET]
        if len(word) > MAX_SPLIT_RUN or budget[0] <= 0:
            return ()
        parts: list[str] = []
        i, n = 0, len(word)
        while i < n:
            for j in range(min(n, i + MAX_PIECE_CHARS), i + 1, -1):  # longest known katakana word at i
                budget[0] -= 1
                if budget[0] < 0:
                    return ()  # not cached: with a fresh budget it may still be cut
                ms = self._morphemes(word[i:j])
                if len(ms) == 1 and not ms[0].oov and ms[0].pos == "名詞" and _KATAKANA_RUN.match(ms[0].normalized):
                    parts.append(match_form(ms[0].normalized))
                    i = j
                    break
            else:
                parts = []  # a gap means the cut is a guess (スケ|ーラ…): keep the word whole
                break
        return _remember(self._oov_cache, word, tuple(parts) if len(parts) > 1 else ())

    # -- public ----------------------------------------------------------------------------
    def tokens(self, text: str) -> list[Token]:
        """Content tokens of ``text`` in reading order (unigrams, then bigrams where they join).

        Short texts are remembered: a question reads the same alias phrases and words over and over
        (each word group's synonyms, twenty-odd short texts a question), and Sudachi costs ~20 µs a call."""
        if len(text) <= SHORT_TEXT:
            cached = self._short_cache.get(text)
            if cached is None:
                cached = _remember(self._short_cache, text, tuple(self._tokens(text)))
            return list(cached)
        return self._tokens(text)

    def clear_cache(self) -> None:
        """Forget the short texts read so far (a benchmark timing first readings calls this)."""
        self._short_cache.clear()

    def _tokens(self, text: str) -> list[Token]:
        text = unicodedata.normalize("NFKC", text)
        if not text.strip():
            return []
        acc = _Accumulator()
        budget = [SPLIT_BUDGET]  # katakana look-ups for this whole text
        for unit, parts in self._units(text[:MAX_TEXT_CHARS]):
            pos = unit.pos
            if unit.oov and pos == "補助記号" and all(unicodedata.category(ch).startswith("L") for ch in unit.surface):
                pos = "名詞"  # letters Sudachi has no dictionary for (Hangul): still words
            if pos in _DROP_POS or not unit.surface.strip():
                acc.flush()
                continue
            words = match_form(unit.surface).split()
            if words and all(_ASCII_WORD.match(w) for w in words):
                self._latin_unit(unit, pos, words, acc)
            else:
                self._japanese_unit(unit, pos, parts, acc, budget)
        acc.flush()
        return acc.out + acc.bigrams

    @staticmethod
    def _latin_unit(unit: Morpheme, pos: str, words: list[str], acc: "_Accumulator") -> None:
        """Latin text: Sudachi may keep "machine learning" as one unit; index word by word."""
        for w in words:
            word = _stem_en(w)
            if word in STOPWORDS:
                acc.flush()
                continue
            number = bool(_NUMBER.match(word))
            acc.add(Token(norm=word, surface=w if len(words) > 1 else unit.surface, pos=pos, proper=not number,
                          unread=number), join=True)
        # Sudachi reads many English words in katakana (alert → アラート): keep that reading too,
        # so an English question can reach a Japanese entry.
        low = match_form(unit.surface)
        kana = match_form(unit.normalized)
        if len(words) == 1 and kana != low and _KATAKANA_RUN.match(kana) and len(kana) >= 3 \
                and _stem_en(low) not in GENERIC and _stem_en(low) not in STOPWORDS:
            acc.out.append(Token(norm=kana, surface=unit.surface, pos=pos, proper=False))

    def _japanese_unit(self, unit: Morpheme, pos: str, parts: list[Morpheme], acc: "_Accumulator",
                       budget: list[int] | None = None) -> None:
        n = match_form(unit.normalized)
        proper = unit.pos_detail == "固有名詞" or (unit.oov and bool(_KATAKANA_RUN.match(n))
                                                  and not n.endswith(_COMMON_LOANWORD_ENDINGS))
        tok = Token(norm=n, surface=unit.surface, pos=pos, proper=proper, unread=unit.oov and not proper)
        if unit.oov and _KATAKANA_RUN.match(n) and len(n) >= 4:
            pieces = self._split_oov_katakana(n, budget)
            if pieces:
                acc.out.append(tok)
                acc.flush()
                for p in pieces:
                    acc.add(Token(norm=p, surface=unit.surface, pos=pos), join=True)
                acc.flush()
                return
        if pos in _JOIN_POS:
            acc.run.append(tok)
        else:
            acc.flush()
        if n in STOPWORDS or pos in {"接頭辞", "接尾辞"}:
            return  # still part of a bigram (過+学習), never a token on its own
        acc.out.append(tok)
        if pos == "名詞":  # 機械学習 also counts as 機械 and 学習
            for part in parts:
                pn = match_form(part.normalized)
                if part.pos == "名詞" and pn not in STOPWORDS and pn != n:
                    acc.out.append(Token(norm=pn, surface=part.surface, pos=part.pos, proper=proper))

    def reading(self, text: str) -> str:
        """Katakana reading of ``text`` (Sudachi's reading forms joined): かがくしゅう and 過学習
        both read カガクシュウ, so kana spellings can meet the written word."""
        return "".join(m.reading_form() for m in self._tok.tokenize(unicodedata.normalize("NFKC", text), self._mode_c))

    def terms(self, text: str) -> list[str]:
        """The normalised strings only: what BM25 indexes and queries with."""
        return [t.norm for t in self.tokens(text)]


CACHE_LIMIT = 10_000


def _remember(cache: dict, key: str, value: tuple) -> tuple:
    """Store ``value``; a cache past CACHE_LIMIT entries starts over (questions bring endless new
    words, so it must stay bounded; a plain dict is cheaper than an LRU on this path)."""
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


@lru_cache(maxsize=1)
def get_tokenizer() -> Tokenizer:
    """One tokenizer per process: the app, the CLI and every Answerer share it."""
    return Tokenizer()
