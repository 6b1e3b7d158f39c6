"""Extractive answers: the glossary's own sentences, chosen (``pick_entries``), quoted with
numbered citations (``citations``) and put together (``compose``); the records are in records.py.

No generative model: every sentence of an answer is an entry of the glossary (or a fixed
Japanese frame around one), so nothing the user typed and nothing invented can end up in it,
and every quote carries the file and line an editor can open.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexer.glossary import INTRO

from .records import Citation
from .retriever import Retrieval, Retriever
from .tokenize import GENERIC, STOPWORDS

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
        intro = next((i for i in retriever.sections_of(term) if retriever.chunks[i].section == INTRO), None)
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
    share = np.array([max(0.0, float(r.scores[retriever.chunk_index_of(e)])) / top_score for e in cand]) ** 3
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
        score = score - 0.3 * np.array([retriever.chunk_of(e).kind == "intro" for e in cand])
    chosen = _leading(r, retriever, k, sections, cand, score, definition)
    seen_text = {retriever.entry(p.entry).text for p in chosen}
    order = [int(i) for i in np.argsort(-score, kind="stable")]
    for i in order:
        if len(chosen) >= k:
            break
        ei = int(cand[i])
        text = retriever.entry(ei).text
        if any(p.entry == ei for p in chosen) or text in seen_text:
            continue
        seen_text.add(text)
        chosen.append(Pick(ei, float(score[i])))
    # When the runner-up section scores almost as well, the question is ambiguous between the
    # two ("What targets … send events to?": ターゲット or イベントソース); give the last slot to
    # the runner-up's best entry rather than a third bullet from the same section.
    if k >= 3 and len(chosen) == k and len(sections) > 1 and float(r.scores[sections[1]]) >= 0.9 * top_score \
            and all(retriever.chunk_index_of(p.entry) != sections[1] for p in chosen):
        best = next(i for i in order if retriever.chunk_index_of(int(cand[i])) == sections[1])
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
        chunk, entry = retriever.chunk_of(p.entry), retriever.entry(p.entry)
        text = entry.display
        out.append(Citation(term=chunk.term, section=chunk.section, text=text,
                            score=round(min(1.0, max(0.0, p.score / MAX_SCORE)), 4),
                            source=f"{entry.file}:{entry.line}", file=entry.file, line=entry.line,
                            matched=_matched(retriever, p.entry, text, query_terms)))
    # Quotes of one section stand together (in the order their best quote earned), so the answer
    # names each section once; the best quote stays first.
    first_seen = {}
    for i, c in enumerate(out):
        first_seen.setdefault((c.term, c.section), i)
    return sorted(out, key=lambda c: first_seen[(c.term, c.section)])


@dataclass(frozen=True)
class AnswerPart:
    """The quotes of one section, in citation order: what a front end lays out as it likes."""

    term: str
    section: str
    quotes: tuple[tuple[int, str], ...]  # (citation number, quoted text)

    @property
    def is_intro(self) -> bool:
        """The intro reads as prose (it is prose); other sections are lists of bullets."""
        return self.section == INTRO


def answer_parts(cites: list[Citation]) -> list[AnswerPart]:
    """Citations grouped by consecutive section, numbered from 1 as the citations are."""
    parts: list[AnswerPart] = []
    for n, c in enumerate(cites, start=1):
        if parts and (parts[-1].term, parts[-1].section) == (c.term, c.section):
            last = parts[-1]
            parts[-1] = AnswerPart(term=last.term, section=last.section, quotes=last.quotes + ((n, c.text),))
        else:
            parts.append(AnswerPart(term=c.term, section=c.section, quotes=((n, c.text),)))
    return parts


def compose(cites: list[Citation]) -> str:
    """Quotes grouped by section in citation order, each followed by its [n] marker.

    The intro reads as one paragraph; bullets stay a list under ``term › section`` so the reader
    sees where each one comes from.
    """
    lines: list[str] = []
    for part in answer_parts(cites):
        if part.is_intro:
            lines.append(" ".join(f"{text} [{n}]" for n, text in part.quotes))
        else:
            lines.append(f"{part.term} › {part.section}:")
            lines += [f"・{text} [{n}]" for n, text in part.quotes]
    return "\n".join(lines)
