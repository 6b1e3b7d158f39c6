"""Extractive answers: the glossary's own sentences, chosen and quoted with numbered citations.

No generative model: every sentence of an answer is an entry of the glossary (or a fixed
Japanese frame around one), so nothing the user typed and nothing invented can end up in it,
and every quote carries the file and line an editor can open.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from indexer.glossary import INTRO

from .retriever import Retrieval, Retriever
from .tokenize import GENERIC, STOPWORDS


@dataclass
class Citation:
    term: str
    section: str
    text: str  # the quoted entry, exactly as the glossary has it ("label: text" for bullets)
    score: float  # how well this entry answers the question, 0..1 (section rank, meaning, words)
    source: str  # "file:line" of the entry itself
    file: str  # relative to the knowledge folder
    line: int  # 1-based
    matched: list[str] = field(default_factory=list)  # substrings of ``text`` the question asked about

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    found: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # closest terms, most useful when not found
    message: str = ""  # for a person: why there is no answer, or ""
    notice: str | None = None  # e.g. the question was cut to the maximum length
    reason: str = ""  # the abstention rule that decided (machine-readable)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "found": self.found,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "suggestions": list(self.suggestions),
            "message": self.message,
            "notice": self.notice,
            "reason": self.reason,
        }


MAX_SCORE = 3.0  # 2.0 section share + 0.5 meaning + 0.5 words, the most an entry can score


@dataclass(frozen=True)
class Pick:
    entry: int  # position in the retriever's flat entry list
    score: float


def _norm(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.zeros_like(values, dtype=np.float64) if hi <= 0 else np.ones_like(values, dtype=np.float64)
    return (values - lo) / (hi - lo)


def is_definition(r: Retrieval) -> bool:
    """A question about *what a term is*: it asks for a definition (or only names a term) and asks
    about nothing more specific than the term itself."""
    q = r.query
    asks = (q.intents[:1] == ["definition"]) or not q.intents
    return asks and not any(c.known for c in q.concepts) and bool(q.terms or r.extras.get("top_is_intro"))


def _leading(r: Retrieval, retriever: Retriever, k: int, sections: list[int], cand: np.ndarray,
             score: np.ndarray, definition: bool) -> list[Pick]:
    """Picks that go first whatever the scores say: for a definition, the intro of the term asked
    about (the glossary's own definition); for pasted choices, the entry of the best-supported one."""
    kw = retriever.keyword
    chosen: list[Pick] = []
    if definition:
        top_term = retriever.chunks[sections[0]].term
        term = top_term if top_term in r.query.terms or not r.query.terms else r.query.terms[0]
        intro = next((i for i, c in enumerate(retriever.chunks) if c.term == term and c.section == INTRO), None)
        if intro is not None:
            for ei, ref in enumerate(kw.entry_refs):
                if ref.chunk == intro and len(chosen) < k:
                    chosen.append(Pick(ei, float(score[cand == ei][0]) if ei in cand else 2.0))
    lead = r.extras.get("lead_entry")
    if lead is not None and not chosen and lead in cand:
        chosen.append(Pick(int(lead), float(score[cand == lead][0])))
    return chosen


def pick_entries(r: Retrieval, retriever: Retriever, k: int, pool: int = 3) -> list[Pick]:
    """The k entries that best answer, from the best few sections.

    An entry's score is its section's share of the best section's score (so the answer stays
    with the best section unless another one has a clearly better bullet) plus how well the entry
    itself matches, by meaning and by words.
    """
    kw = retriever.keyword
    sections = [int(i) for i in r.order[:pool]]
    top_score = max(float(r.scores[sections[0]]), 1e-9)
    cand = np.array([ei for ei, ref in enumerate(kw.entry_refs) if ref.chunk in sections], dtype=np.int64)
    if len(cand) == 0:
        return []
    # Cubed share: the second section (often the term's intro, which names the term in every
    # sentence) only wins a slot with a clearly better bullet.
    share = np.array([max(0.0, float(r.scores[kw.entry_refs[e].chunk])) / top_score for e in cand]) ** 3
    score = 2.0 * share
    if r.dense_entry is not None:
        score += 0.5 * _norm(r.dense_entry[cand])
    # Words that only say which kind of section is wanted (方法, 特徴, 利点) chose the section
    # already; inside it they would favour the one bullet that happens to say 手法.
    focus = kw.entry_scores([t for t in r.query.focus_terms if t not in GENERIC])[cand]
    if float(focus.max()) > 0:
        score += 0.5 * focus / float(focus.max())
    definition = is_definition(r)
    if not definition and retriever.chunks[sections[0]].kind != "intro":
        # The intro names its term in every sentence, so it matches any question about the term;
        # unless asked for a definition it is the fallback, not the answer.
        score = score - 0.3 * np.array([retriever.chunks[kw.entry_refs[e].chunk].kind == "intro" for e in cand])
    chosen = _leading(r, retriever, k, sections, cand, score, definition)
    seen_text = {retriever.chunks[kw.entry_refs[p.entry].chunk].entries[kw.entry_refs[p.entry].entry].text for p in chosen}
    order = [int(i) for i in np.argsort(-score, kind="stable")]
    for i in order:
        if len(chosen) >= k:
            break
        ei = int(cand[i])
        ref = kw.entry_refs[ei]
        text = retriever.chunks[ref.chunk].entries[ref.entry].text
        if any(p.entry == ei for p in chosen) or text in seen_text:
            continue
        seen_text.add(text)
        chosen.append(Pick(ei, float(score[i])))
    # When the runner-up section scores almost as well, the question is ambiguous between the
    # two ("What targets … send events to?": ターゲット or イベントソース); give the last slot to
    # the runner-up's best entry rather than a third bullet from the same section.
    if k >= 3 and len(chosen) == k and len(sections) > 1 and float(r.scores[sections[1]]) >= 0.9 * top_score \
            and all(kw.entry_refs[p.entry].chunk != sections[1] for p in chosen):
        best = next(i for i in order if kw.entry_refs[int(cand[i])].chunk == sections[1])
        chosen[-1] = Pick(int(cand[best]), float(score[best]))
    return chosen


def _matched(retriever: Retriever, entry: int, text: str, query_terms: set[str]) -> list[str]:
    surfaces = [t.surface for t in retriever.keyword.entry_tokens[entry] if t.norm in query_terms and t.surface in text]
    # Longest first, and drop a word already inside a longer match (学習 inside 過学習).
    out: list[str] = []
    for s in sorted(dict.fromkeys(surfaces), key=len, reverse=True):
        if not any(s in o for o in out):
            out.append(s)
    return out


def citations(r: Retrieval, retriever: Retriever, picks: list[Pick]) -> list[Citation]:
    query_terms = {t for t in r.query.query_terms if t not in STOPWORDS and t not in GENERIC}
    out = []
    for p in picks:
        ref = retriever.keyword.entry_refs[p.entry]
        chunk = retriever.chunks[ref.chunk]
        entry = chunk.entries[ref.entry]
        text = entry.display
        out.append(Citation(chunk.term, chunk.section, text, round(min(1.0, max(0.0, p.score / MAX_SCORE)), 4),
                            f"{entry.file}:{entry.line}",
                            entry.file, entry.line, _matched(retriever, p.entry, text, query_terms)))
    # Quotes of one section stand together (in the order their best quote earned), so the answer
    # names each section once; the best quote stays first.
    first_seen = {}
    for i, c in enumerate(out):
        first_seen.setdefault((c.term, c.section), i)
    return sorted(out, key=lambda c: first_seen[(c.term, c.section)])


def compose(cites: list[Citation]) -> str:
    """Quotes grouped by section in citation order, each followed by its [n] marker.

    The intro reads as prose (it is prose); bullets stay a list under ``term › section`` so the
    reader sees where each one comes from.
    """
    lines: list[str] = []
    current = None
    for n, c in enumerate(cites, start=1):
        key = (c.term, c.section)
        if c.section == INTRO:
            if current == key and lines:
                lines[-1] += f" {c.text} [{n}]"
            else:
                lines.append(f"{c.text} [{n}]")
        else:
            if current != key:
                lines.append(f"{c.term} › {c.section}:")
            lines.append(f"・{c.text} [{n}]")
        current = key
    return "\n".join(lines)
