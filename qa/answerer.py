"""``build_answerer(resources).ask(question)``: the one entry point the app, the CLI and the
evaluation share, so what is measured is what users get."""
from __future__ import annotations

import numpy as np

from .abstain import Thresholds, Verdict, decide
from .compose import citations, compose, pick_entries
from .clean import clean_question
from .query import QueryAnalysis
from .records import Answer
from .retriever import Params, Retrieval, RetrievalMode, Retriever

MSG_EMPTY = "質問を入力してください。用語の名前（例: 過学習、EventBridge）や知りたいこと（特徴、利点、使い方など）を書くと探せます。"


def _suggest(r: Retrieval | None, retriever: Retriever, n: int = 3) -> list[str]:
    """Closest terms: the terms of the best-scoring sections, each once."""
    if r is None:
        return []
    out: list[str] = []
    for i in r.order:
        term = retriever.chunks[int(i)].term
        if term not in out:
            out.append(term)
        if len(out) == n:
            break
    return out


def not_found_message(verdict: Verdict, suggestions: list[str]) -> str:
    """Say why, in Japanese, and what the glossary does have."""
    f = verdict.features

    def quote(words) -> str:  # the user's own words, a few and short: never a wall of their text
        return "」「".join(w if len(w) <= 30 else w[:29] + "…" for w in list(words or [])[:3])

    names = quote(f.get("unknown_names"))
    if verdict.reason == "unknown-name" and names:
        head = f"「{names}」はこの用語集に載っていません。"
    elif verdict.reason in ("only-names-match", "defines-other-name") and f.get("mentioned_in"):
        head = (f"「{quote(f.get('names'))}」はこの用語集の用語ではありません"
                f"（{'、'.join(f['mentioned_in'][:2])} で触れられているだけです）。")
    else:
        head = "用語集にはこの質問に答える記述が見つかりませんでした。"
    tail = "この用語集が扱うのは次のような用語です。" if verdict.reason != "low-coverage" else "近い用語:"
    return head + ("\n" + tail + " " + "、".join(suggestions) if suggestions else "")


class Answerer:
    """Holds the per-index state (BM25, entry vectors, aliases); ``ask`` is thread-safe without a
    lock: the state is read-only after construction, Sudachi gives each thread its own tokenizer and
    the model encodes concurrently, so one session's question never waits for another's."""

    def __init__(self, resources, params: Params | None = None, thresholds: Thresholds | None = None):
        self.resources = resources
        self.config = resources.config
        self.retriever = Retriever(resources, params)
        self.thresholds = thresholds or Thresholds()

    @property
    def default_k(self) -> int:
        return max(1, int(self.config.qa.top_k))

    def run(self, text: str, mode: RetrievalMode | str = RetrievalMode.HYBRID, qvec: np.ndarray | None = None,
            query: QueryAnalysis | None = None) -> tuple[Retrieval, Verdict]:
        """Retrieval and verdict for an already-cleaned question (the evaluation calls this per mode)."""
        query = query or self.retriever.analyze(text)
        if query.empty:
            n = self.retriever.n
            r = Retrieval(query=query, mode=RetrievalMode(mode), scores=np.zeros(n), order=np.arange(n))
            return r, Verdict(False, "empty")
        r = self.retriever.retrieve(query, mode, qvec)
        r.extras["top_is_intro"] = self.retriever.chunks[r.top].kind == "intro"
        return r, decide(r, self.retriever, self.thresholds)

    def answer_from(self, question: str, r: Retrieval, verdict: Verdict, k: int, notice: str | None = None) -> Answer:
        if verdict.reason == "empty":
            return Answer(question=question, found=False, answer="", message=MSG_EMPTY, notice=notice,
                          reason=verdict.reason)
        suggestions = _suggest(r, self.retriever)
        if not verdict.found:
            return Answer(question=question, found=False, answer="", suggestions=suggestions,
                          message=not_found_message(verdict, suggestions), notice=notice, reason=verdict.reason)
        cites = citations(r, self.retriever, pick_entries(r, self.retriever, k))
        return Answer(question=question, found=True, answer=compose(cites), citations=cites,
                      suggestions=suggestions, notice=notice, reason=verdict.reason)

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Never raises on user input: empty, huge, hostile or foreign questions all get an Answer."""
        k = self.default_k if k is None else max(1, min(int(k), 20))
        q = clean_question(question, self.config.qa.max_question_chars)
        r, verdict = self.run(q.search)
        return self.answer_from(q.text, r, verdict, k, q.notice)


def build_answerer(resources, params: Params | None = None, thresholds: Thresholds | None = None) -> Answerer:
    """Build once per loaded index: tokenises the stored chunks (~50 ms); the entry vectors come
    with the index, so no model call happens here."""
    return Answerer(resources, params, thresholds)
