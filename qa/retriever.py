"""Hybrid retrieval: dense + keyword rankings at section and entry grain, fused, then shaped by
the glossary's structure (which term the question names, which kind of section it asks for).

Everything that depends only on the index (tokenised corpus, BM25 matrices, entry vectors,
section kinds) is built in ``Retriever.__init__``; a question then costs one query encode plus
a few milliseconds of numpy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from indexer.chunks import Chunk
from indexer.glossary import Entry

from .aliases import AliasTable, load_aliases
from .dense import DenseIndex
from .fusion import max_by_group, ranks, rrf
from .intent import prior, section_kinds
from .keyword import KeywordIndex
from .query import QueryAnalysis, analyze
from .token_store import TokenStore
from .tokenize import STOPWORDS, Tokenizer, get_tokenizer
from .variants import build_variants



class RetrievalMode(StrEnum):
    """What ranks the sections; the evaluation compares all four, users get HYBRID."""

    DENSE = "dense"  # E5 cosine (FAISS) alone: the baseline a user would write first
    KEYWORD = "keyword"  # BM25 over sections and entries
    FUSION = "fusion"  # reciprocal rank fusion of both, nothing else
    HYBRID = "hybrid"  # fusion shaped by the named term, the asked section kind and headings


MODES = tuple(RetrievalMode)


@dataclass(frozen=True)
class Params:
    """Weights tuned on the train split of qa/eval_questions.yaml (see qa/eval.py)."""

    rrf_k: float = 5.0
    w_dense_chunk: float = 1.0
    w_dense_entry: float = 0.6
    w_bm25_chunk: float = 1.0
    w_bm25_entry: float = 0.6
    term_bonus: float = 0.35  # the question names this section's term
    intent_bonus: float = 0.3  # × intent prior (0..1.5)
    entry_vectors: bool = True  # embed every entry (≈1 s per 100 entries, once per index, cached)
    heading_bonus: float = 0.15  # per question word in the section's heading (synonyms: half)
    # A question about a term that asks something specific the glossary has words for (a known
    # content word beyond the term, no definition wording) is not asking for the intro, which
    # names its term in every sentence and so matches every question about it.
    intro_penalty: float = 0.15


@dataclass
class Retrieval:
    """One question's scores for every section and entry, in index order."""

    query: QueryAnalysis
    mode: RetrievalMode
    scores: np.ndarray  # final section score
    order: np.ndarray  # section indices, best first
    dense_chunk: np.ndarray | None = None
    dense_entry: np.ndarray | None = None
    bm25_chunk: np.ndarray | None = None
    bm25_entry: np.ndarray | None = None
    extras: dict = field(default_factory=dict)
    qvec: np.ndarray | None = None  # the question's E5 vector (modes that embed it)

    @property
    def top(self) -> int:
        return int(self.order[0])


class Retriever:
    def __init__(self, resources, params: Params | None = None, tokenizer: Tokenizer | None = None,
                 aliases: AliasTable | None = None):
        self.params = params or Params()
        self.chunks = resources.chunks
        self.glossary = resources.glossary
        self.tokenizer = tokenizer or get_tokenizer()
        stored = getattr(resources.index, "aliases", None)  # read and validated by the build
        if aliases is None and stored is not None:
            aliases = AliasTable(dict(stored.terms), list(stored.groups), dict(stored.readings))
        if aliases is None:
            term_names = {t.name: t.names for t in resources.glossary.terms}
            aliases = load_aliases(resources.config.aliases_file, term_names)
        self.aliases = aliases
        store = TokenStore.beside(resources.config.cache_file, self.tokenizer)
        self.keyword = KeywordIndex(self.chunks, self.tokenizer, store)
        self.dense = DenseIndex(resources, self.keyword.entry_refs if self.params.entry_vectors else [])
        self.entry_chunk = np.array([r.chunk for r in self.keyword.entry_refs], dtype=np.int64)
        self.heading_terms = [set(store.terms(f"{c.term} {c.section}")) for c in self.chunks]
        self.n = len(self.chunks)
        self._index_structure(store)
        store.save()
        self.is_intro = np.array(["intro" in self._kind_sets[k] for k in self._kind_ids], dtype=np.float64)
        self.variants = build_variants(self.aliases, [c.text for c in self.chunks], self.keyword.entry_tokens,
                                       self.tokenizer, STOPWORDS)

    def _index_structure(self, store: TokenStore) -> None:
        """What the hybrid's shaping needs, grouped so that a question costs work in proportion to
        what it names, not to the glossary's size: sections by term, by heading word and by kind
        (a glossary has a handful of distinct section kinds however many sections it has)."""
        self._term_chunks: dict[str, list[int]] = {}
        self._heading_word_chunks: dict[str, list[int]] = {}
        kind_sets: dict[frozenset[str], int] = {}
        kind_ids = []
        for i, c in enumerate(self.chunks):
            self._term_chunks.setdefault(c.term, []).append(i)
            for word in set(store.terms(c.section)):
                self._heading_word_chunks.setdefault(word, []).append(i)
            kind_ids.append(kind_sets.setdefault(section_kinds(c.section), len(kind_sets)))
        self._kind_sets = list(kind_sets)
        self._kind_ids = np.array(kind_ids, dtype=np.int64)

    def chunk_index_of(self, entry: int) -> int:
        """The section (chunk) an entry of the flat entry list belongs to."""
        return int(self.entry_chunk[entry])

    def chunk_of(self, entry: int) -> Chunk:
        return self.chunks[self.chunk_index_of(entry)]

    def entry(self, entry: int) -> Entry:
        """An entry of the flat entry list (the grain of BM25 and entry vectors) as the glossary has it."""
        ref = self.keyword.entry_refs[entry]
        return self.chunks[ref.chunk].entries[ref.entry]

    def analyze(self, text: str) -> QueryAnalysis:
        return analyze(text, self.tokenizer, self.aliases, self.keyword, self.variants)

    def heading_hits(self, query: QueryAnalysis) -> np.ndarray:
        """How many of the question's words a section's heading holds (a field weight, as in
        BM25F: "ターゲット" in the heading ターゲットタイプ says more than in one of its bullets).
        The question's own words count 1, words only reached through an alias ½, at most 2."""
        own = {t.norm for t in query.tokens}
        expanded = set(query.focus_terms) - own
        out = np.zeros(self.n)
        for words, weight in ((own, 1.0), (expanded, 0.5)):
            for word in words:
                out[self._heading_word_chunks.get(word, [])] += weight
        return np.minimum(out, 2.0)

    def sections_of(self, term: str) -> list[int]:
        """The positions of a term's sections, in index order (looked up, not searched for)."""
        return self._term_chunks.get(term, [])

    def evidence_vector(self, r: Retrieval, pool: int) -> np.ndarray | None:
        """The vector of the entry closest to the question among the first ``pool`` sections of the
        ranking: what an answer would quote. Zeros when those sections hold no entry."""
        if r.dense_entry is None or not len(r.dense_entry):
            return None
        ids = np.flatnonzero(np.isin(self.entry_chunk, r.order[:pool]))
        if not len(ids):
            return np.zeros(self.dense.entry_vectors.shape[1], np.float32)
        return self.dense.entry_vectors[ids[int(np.argmax(r.dense_entry[ids]))]]

    def term_hits(self, terms) -> np.ndarray:
        """1 for every section of a term the question names, else 0."""
        out = np.zeros(self.n)
        for term in set(terms):
            out[self.sections_of(term)] = 1.0
        return out

    def intent_priors(self, intents: list[str]) -> np.ndarray:
        """Each section's fit to what the question asks for, computed once per distinct kind."""
        if not self.n:
            return np.zeros(0)
        return np.array([prior(intents, kinds) for kinds in self._kind_sets])[self._kind_ids]

    def retrieve(self, query: QueryAnalysis, mode: RetrievalMode | str = RetrievalMode.HYBRID,
                 qvec: np.ndarray | None = None) -> Retrieval:
        mode = RetrievalMode(mode)  # a plain "hybrid" from the evaluation's command line works too
        p, n = self.params, self.n
        r = Retrieval(query=query, mode=mode, scores=np.zeros(n), order=np.arange(n))
        if mode is not RetrievalMode.KEYWORD:
            qvec = self.dense.encode(query.text) if qvec is None else qvec
            r.qvec = qvec
            r.dense_chunk = self.dense.chunk_scores(qvec)
            r.dense_entry = self.dense.entry_scores(qvec) if p.entry_vectors else None
        if mode is not RetrievalMode.DENSE:
            r.bm25_chunk = self.keyword.chunk_scores(query.query_terms)
            r.bm25_entry = self.keyword.entry_scores(query.query_terms)

        if mode is RetrievalMode.DENSE:  # what a user would write first: FAISS cosine, nothing else
            r.scores = r.dense_chunk.astype(np.float64)
        else:
            rankings = []
            if r.bm25_chunk is not None:
                best_entry = max_by_group(r.bm25_entry, self.entry_chunk, n)
                rankings += [(ranks(r.bm25_chunk, r.bm25_chunk > 0), p.w_bm25_chunk),
                             (ranks(best_entry, best_entry > 0), p.w_bm25_entry)]
            if r.dense_chunk is not None:
                rankings.append((ranks(r.dense_chunk), p.w_dense_chunk))
            if r.dense_entry is not None:
                best_entry = max_by_group(r.dense_entry, self.entry_chunk, n, fill=-1.0)
                rankings.append((ranks(best_entry), p.w_dense_entry))
            top_possible = sum(w for _, w in rankings) / (p.rrf_k + 1.0)
            r.scores = rrf(rankings, p.rrf_k, n) / top_possible  # 1.0 = first in every ranking
            if mode is RetrievalMode.HYBRID:
                named = set(query.terms)
                if named:
                    r.scores += p.term_bonus * self.term_hits(named)
                if query.intents and not query.chooses:
                    r.scores += p.intent_bonus * self.intent_priors(query.intents)
                r.scores += p.heading_bonus * self.heading_hits(query)
                if named and "definition" not in query.intents and any(c.known for c in query.concepts):
                    r.scores -= p.intro_penalty * self.is_intro
        r.order = np.argsort(-r.scores, kind="stable")
        return r
