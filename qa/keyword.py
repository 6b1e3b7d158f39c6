"""BM25 over Sudachi tokens, at two grains: whole sections and single entries.

Section-level BM25 rewards a section whose heading and bullets together cover the question;
entry-level BM25 finds the one bullet that says it ("Lambda ステップ") even when the rest of its
section is about something else, so a single matching bullet can lift its section. Scoring is
bm25s's (maintained, sparse, fast); this module only feeds it pre-tokenised text.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import bm25s
import numpy as np

from indexer.chunks import Chunk

from .token_store import TokenStore
from .tokenize import Token, Tokenizer

_KATAKANA_WORD = re.compile(r"^[\u30a1-\u30faー]{4,}$")
HEAD = 4  # compounds are found by their first or last HEAD letters


@dataclass(frozen=True)
class EntryRef:
    """Where an entry sits: its chunk's position in the index and its own position in the chunk."""

    chunk: int
    entry: int


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    # A document with no tokens would make bm25s's vocabulary empty; "" never matches a query.
    model.index([toks or [""] for toks in corpus], show_progress=False)
    return model


def term_tag(term: str) -> str:
    """A token that stands for "belongs to this term". Every section and entry of a term carries
    it once, and a question naming the term (by any alias) asks for it once, so naming a term
    favours its sections without the term's words swamping the question's own words."""
    return f"§{term}"


class KeywordIndex:
    """Built once per index: tokenising the glossary costs ~50 ms, a query ~0.3 ms."""

    def __init__(self, chunks: list[Chunk], tokenizer: Tokenizer, store: TokenStore | None = None):
        """``store`` answers the glossary's tokens from disk when a previous start saved them."""
        self.tokenizer = tokenizer
        source = store or tokenizer
        self.chunk_tokens: list[list[str]] = [source.terms(c.text) + [term_tag(c.term)] for c in chunks]
        self.entry_refs: list[EntryRef] = []
        self.entry_tokens: list[list[Token]] = []
        for ci, chunk in enumerate(chunks):
            for ei, entry in enumerate(chunk.entries):
                self.entry_refs.append(EntryRef(ci, ei))
                self.entry_tokens.append(source.tokens(entry.display))
        self.entry_terms: list[set[str]] = [{t.norm for t in toks} for toks in self.entry_tokens]
        self.chunk_terms: list[set[str]] = [set(t) for t in self.chunk_tokens]
        self._chunks = _bm25(self.chunk_tokens)
        self._entries = _bm25([[t.norm for t in toks] + [term_tag(chunks[r.chunk].term)]
                               for toks, r in zip(self.entry_tokens, self.entry_refs)])
        # Document frequency over entries: how telling a matched word is (evidence weights).
        df = Counter(t for terms in self.entry_terms for t in terms)
        n = max(1, len(self.entry_terms))
        self._idf = {t: math.log(1 + n / (c + 0.5)) for t, c in df.items()}
        self.max_idf = math.log(1 + n / 0.5)
        self.vocabulary: frozenset[str] = frozenset(df) | frozenset(t for ts in self.chunk_tokens for t in ts)
        self._heads: dict[str, list[str]] = defaultdict(list)
        self._tails: dict[str, list[str]] = defaultdict(list)
        for word in sorted(w for w in self.vocabulary if _KATAKANA_WORD.match(w)):
            self._heads[word[:HEAD]].append(word)
            self._tails[word[-HEAD:]].append(word)

    def compounds_of(self, word: str) -> list[str]:
        """Glossary words that begin or end with a katakana word the glossary never uses alone.

        Sudachi reads 「コールバックステップ」 as コール + バックステップ, or keeps it whole, so the
        glossary has no token コールバック and "callback" (コールバック) met nothing; the compound
        it heads is what the glossary calls it. Only for words the glossary lacks (a word it has
        matches itself), at least HEAD letters long, and found by a dictionary look-up, not a scan."""
        if word in self.vocabulary or not _KATAKANA_WORD.match(word):
            return []
        heads = [w for w in self._heads.get(word[:HEAD], ()) if len(w) > len(word) and w.startswith(word)]
        tails = [w for w in self._tails.get(word[-HEAD:], ()) if len(w) > len(word) and w.endswith(word)]
        return heads + tails

    def idf(self, term: str) -> float:
        """Rarer is more telling; a word the glossary never uses is the most telling of all."""
        return self._idf.get(term, self.max_idf)

    @staticmethod
    def _scores(model: bm25s.BM25, terms: list[str], n: int) -> np.ndarray:
        known = [t for t in dict.fromkeys(terms) if t and t in model.vocab_dict]
        if not known:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(model.get_scores(known), dtype=np.float32)

    def chunk_scores(self, terms: list[str]) -> np.ndarray:
        return self._scores(self._chunks, terms, len(self.chunk_tokens))

    def entry_scores(self, terms: list[str]) -> np.ndarray:
        return self._scores(self._entries, terms, len(self.entry_tokens))
