"""A question → what the retrievers and the abstention need to know about it.

Besides the keyword query, a question is cut into *concepts*: the specific things it asks about.
A concept is one content word (with its alias synonyms), never a generic word (サービス, AWS,
機械学習, とは), and is flagged when it is a *name* (Redshift, Lambda, 東京). Abstention weighs how
many concepts the best section actually contains; names matter because "Redshiftとは" matches
"Amazon" and "とは" everywhere but Redshift nowhere.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from indexer.text import match_form

from .aliases import AliasTable, Mention
from .intent import asks_to_choose, detect_intents, intent_words
from .keyword import KeywordIndex, term_tag
from .tokenize import GENERIC, STOPWORDS, Token, Tokenizer
from .variants import Variants

# A question is about a few things; past this many, more concepts only cost work (the budget per
# question is counted in words, not in seconds).
MAX_CONCEPTS = 64

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_UPPER = re.compile(r"[A-Z]")
_KANJI = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Concept:
    label: str  # as written in the question
    terms: frozenset[str]  # the concept is present in a text holding any of these
    weight: float  # idf: rare words say more
    name: bool  # a proper name: a product, a service, a place
    known: bool  # the glossary uses one of ``terms`` somewhere


@dataclass
class QueryAnalysis:
    text: str
    folded: str
    mentions: list[Mention]
    terms: list[str]  # glossary terms the question names
    intents: list[str]
    tokens: list[Token]
    query_terms: list[str]  # BM25 query: the question's tokens plus alias expansions
    concepts: list[Concept] = field(default_factory=list)
    # The query without the words that name a term: once the term is known, "Debugger" inside
    # a bullet says nothing about whether that bullet answers "Debuggerの利点は？".
    focus_terms: list[str] = field(default_factory=list)
    repairs: list[tuple[str, str]] = field(default_factory=list)  # (as typed, as searched): TensorBorad → TensorBoard
    # It asks which service or feature to use and names no glossary term: the wording of the need
    # says nothing about the kind of section wanted (see intent.asks_to_choose).
    chooses: bool = False

    @property
    def unknown_names(self) -> list[str]:
        return [c.label for c in self.concepts if c.name and not c.known]

    @property
    def empty(self) -> bool:
        return not self.tokens and not self.mentions


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _query_terms(tokens: list[Token], mentions: list[Mention], tokenizer: Tokenizer,
                 keyword: KeywordIndex) -> list[str]:
    """The BM25 query: the question's tokens, a tag per named term, alias expansions, and the
    glossary's compounds of katakana words it never uses alone (KeywordIndex.compounds_of)."""
    query_terms = [t.norm for t in tokens]
    for m in mentions:
        if m.term:
            query_terms.append(term_tag(m.term))
        else:
            for phrase in m.expansion:
                query_terms.extend(tokenizer.terms(phrase))
    return query_terms + [c for t in dict.fromkeys(query_terms) for c in keyword.compounds_of(t)]


def _focus_terms(norm: str, tokens: list[Token], mentions: list[Mention], tokenizer: Tokenizer) -> list[str]:
    term_spans = [(m.start, m.end) for m in mentions if m.term]
    focus_terms = tokenizer.terms(_blank(norm, term_spans)) if term_spans else [t.norm for t in tokens]
    for m in mentions:
        if not m.term:
            for phrase in m.expansion:
                focus_terms.extend(tokenizer.terms(phrase))
    return focus_terms


class _Concepts:
    """Concepts in the order found, one per label (compared in ``match_form``)."""

    def __init__(self, keyword: KeywordIndex) -> None:
        self.keyword = keyword
        self.found: list[Concept] = []
        self.seen: set[str] = set()

    def add(self, label: str, cterms: set[str], name: bool) -> None:
        cterms = {t for t in cterms if t not in GENERIC and t not in STOPWORDS and len(t) > 1}
        cterms |= {c for t in cterms for c in self.keyword.compounds_of(t)}
        key = match_form(label)
        if not cterms or key in self.seen or len(self.found) >= MAX_CONCEPTS:
            return
        self.seen.add(key)
        weight = max(self.keyword.idf(t) for t in cterms)
        known = any(t in self.keyword.vocabulary for t in cterms)
        self.found.append(Concept(label=label, terms=frozenset(cterms), weight=weight, name=name, known=known))


def _alias_concepts(norm: str, mentions: list[Mention], tokenizer: Tokenizer, aliases: AliasTable,
                    concepts: _Concepts) -> None:
    japanese = bool(_JAPANESE.search(norm))
    for m in mentions:
        if m.term is None:  # a word group: the question's word or any synonym will do
            span = norm[m.start : m.end].strip()
            # A katakana spelling is as generic as the English word it spells (ベネフィット: benefit).
            wording = aliases.spelling_source(span) or span
            # (each word, not the joined bigram: "machine learning" → machinelearning is no new topic)
            if all(t.norm in GENERIC or t.norm in STOPWORDS for t in tokenizer.tokens(wording) if t.pos != "bigram"):
                continue  # "方法" stays generic even though its synonym "やり方" is not listed
            # "SageMaker" in a Japanese question is a product name like any other Latin word, however
            # it is typed (sagemaker); a lexicon word its editor wrote in lower case (event, pattern)
            # is an English word, a name only when typed with a capital, as in _word_concepts.
            written = (span, *(w for w in m.expansion if w.isascii()))
            name = span.isascii() and japanese and any(ch.isalpha() for ch in span) \
                and any(_UPPER.search(w) for w in written)
            concepts.add(span, {t for w in m.expansion for t in tokenizer.terms(w)}, name)


def _asks_form(tok: Token, asking: list[str]) -> bool:
    """The token is wording that asks for a kind of answer: inside such wording, or a Japanese
    compound built on it (対処法, 見つけ方, 機能一覧); katakana compounds are names (インスタンスタイプ)."""
    surface = match_form(tok.surface)
    if any(surface in w for w in asking):
        return True
    return bool(_KANJI.search(surface)) and any(len(w) >= 2 and w in surface for w in asking)


def _word_concepts(norm: str, mentions: list[Mention], tokenizer: Tokenizer, concepts: _Concepts) -> None:
    """Whatever the alias spans did not cover, word by word. Words sharing a surface (an English
    word and Sudachi's katakana reading of it) are one concept. A word inside the wording that
    asks for a kind of answer (「活用場面」, "symptoms of") is the question's form, not its topic:
    the section kind it asks for is matched by the intent prior instead."""
    japanese = bool(_JAPANESE.search(norm))
    asking = intent_words(match_form(norm))
    rest = _blank(norm, [(m.start, m.end) for m in mentions])
    opening = norm.lstrip()
    groups: dict[str, tuple[set[str], bool]] = {}
    for tok in tokenizer.tokens(rest):
        if tok.pos in ("bigram", "動詞") or tok.unread or _asks_form(tok, asking):
            # Verbs rarely carry the topic (受け取る, 止める), and a word the dictionary cannot read
            # (another language's, a number) says nothing the multilingual dense side does not:
            # both stay in the BM25 query only.
            continue
        if tok.surface.isascii():
            # In Japanese text a Latin word is nearly always a name; in English, a capital not at
            # the start of the sentence says so.
            sentence_start = opening.startswith(tok.surface) and tok.surface[1:].islower()
            capital = bool(_UPPER.search(tok.surface)) or any(ch.isdigit() for ch in tok.surface)
            name = capital and (japanese or not sentence_start)
        else:
            name = tok.proper
        cterms, was_name = groups.get(tok.surface, (set(), False))
        cterms.add(tok.norm)
        groups[tok.surface] = (cterms, was_name or name)
    for surface, (cterms, name) in groups.items():
        concepts.add(surface, cterms, name)


def analyze(text: str, tokenizer: Tokenizer, aliases: AliasTable, keyword: KeywordIndex,
            variants: Variants | None = None) -> QueryAnalysis:
    norm = unicodedata.normalize("NFKC", text)
    repairs: list[tuple[str, str]] = []
    if variants is not None:
        norm, repairs = variants.repair(norm)
        text = norm if repairs else text
    folded = norm.lower()
    if len(folded) != len(norm):  # rare letters whose lower case is longer: give up on case
        norm = folded
    mentions = aliases.find(folded)
    tokens = tokenizer.tokens(norm)
    concepts = _Concepts(keyword)
    _alias_concepts(norm, mentions, tokenizer, aliases, concepts)
    _word_concepts(norm, mentions, tokenizer, concepts)
    terms = list(dict.fromkeys(m.term for m in mentions if m.term))
    return QueryAnalysis(
        text=text, folded=folded, mentions=mentions, terms=terms,
        intents=detect_intents(folded), tokens=tokens, chooses=not terms and asks_to_choose(folded),
        query_terms=_query_terms(tokens, mentions, tokenizer, keyword), concepts=concepts.found,
        focus_terms=_focus_terms(norm, tokens, mentions, tokenizer), repairs=repairs,
    )
