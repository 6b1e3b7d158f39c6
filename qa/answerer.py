"""``build_answerer(resources).ask(question)``: the one entry point the app, the CLI and the
evaluation share, so what is measured is what users get."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indexer.text import match_form

from .abstain import Thresholds, Verdict, _coverage, decide
from .calibrate import Calibrated, answers, embedding_id, features, load_models, relation
from .compose import citations, compose, pick_entries
from .clean import CleanQuestion, clean_question
from .intent import detect_intents
from .query import QueryAnalysis
from .records import Answer, SectionRef
from .retriever import Params, Retrieval, RetrievalMode, Retriever
from .shape import Shape, history_texts, parse

# A follow-up this short with no term of its own ("利点は？", "how do I stop it?") is about the
# term the conversation was about, even without その/それ/it.
SHORT_FOLLOWUP = 20
CHOICE_BONUS = 1.0  # lifts the best-supported candidate's sections above every other section

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


def _nearest(r: Retrieval, retriever: Retriever, n: int = 3, pool: int = 5) -> list[SectionRef]:
    """Among the ``pool`` best-ranked sections, up to ``n`` of a term the question names or holding
    one of its content words (a product name included): places to read, offered with a refusal,
    never as an answer. A question none of whose words the glossary uses (「カレーの作り方」) gets none."""
    concepts, named = r.query.concepts, set(r.query.terms)
    out: list[SectionRef] = []
    for i in r.order[:pool]:
        chunk = retriever.chunks[int(i)]
        if chunk.term in named or any(c.terms & retriever.keyword.chunk_terms[int(i)] for c in concepts):
            out.append(SectionRef(term=chunk.term, section=chunk.section, file=chunk.file, line=chunk.line))
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


@dataclass
class Prepared:
    """A question read for retrieval: what is searched, and what the conversation and the
    question's shape add (the term carried over, the candidates among choices, the compared terms)."""

    clean: CleanQuestion
    shape: Shape
    query: QueryAnalysis
    carried: str | None = None  # term taken from the conversation for a follow-up
    candidates: list[str] = field(default_factory=list)  # glossary terms named by pasted choices
    choice_queries: list[QueryAnalysis] = field(default_factory=list)  # each pasted choice, analysed
    compared: list[str] = field(default_factory=list)  # terms a comparison names (two or more)


# A quote scoring under this share of the best quote's score is noise, not support (「カスタマイズ
# 可能」 under a question about where logs are stored). Chosen on the development set: the
# largest cut that costs no answer its gold section there (0.6 already costs one; 0.9 costs 4%).
FOCUS_RATIO = 0.5


def focused(picks: list) -> list:
    """Only the quotes that support the answer, not always k of them."""
    if not picks:
        return picks
    best = max(p.score for p in picks)
    return [p for p in picks if p.score >= FOCUS_RATIO * best]


def _unit(values: np.ndarray) -> np.ndarray:
    """Min–max to 0..1, so a section score and an entry cosine can be added."""
    lo, hi = float(values.min()), float(values.max())
    return (values - lo) / (hi - lo) if hi - lo > 1e-9 else np.zeros_like(values, dtype=np.float64)


class Answerer:
    """Holds the per-index state (BM25, entry vectors, aliases); ``ask`` is thread-safe without a
    lock: the state is read-only after construction, Sudachi gives each thread its own tokenizer and
    the model encodes concurrently, so one session's question never waits for another's."""

    def __init__(self, resources, params: Params | None = None, thresholds: Thresholds | None = None,
                 calibrated: dict[str, Calibrated] | None = None):
        self.resources = resources
        self.config = resources.config
        self.retriever = Retriever(resources, params)
        self.thresholds = thresholds or Thresholds()
        dim = int(resources.index.vectors.shape[1])
        self.embedding = embedding_id(self.config.model.name_or_path, dim)
        self.calibrated = load_models(embedding=self.embedding) if calibrated is None else calibrated

    @property
    def default_k(self) -> int:
        return max(1, int(self.config.qa.top_k))

    def terms_in(self, text: str) -> list[str]:
        """Glossary terms a text names, by any alias or spelling (kana, misspelt)."""
        repaired, _ = self.retriever.variants.repair(match_form(text))
        return self.retriever.aliases.terms_in(match_form(repaired))

    def carried_term(self, history) -> str | None:
        """The term the conversation is about: the latest user turn naming one, else the latest
        answer naming one."""
        turns = history_texts(history)
        for wanted in ("user", None):
            for role, text in reversed(turns):
                if wanted and role != wanted:
                    continue
                named = self.terms_in(text)
                if named:
                    return named[0]
        return None

    def prepare(self, question: str, history=None) -> Prepared:
        """Clean, read the shape, resolve a follow-up, and analyse what is to be searched."""
        clean = clean_question(question, self.config.qa.max_question_chars)
        shape = parse(clean.search)
        query = self.retriever.analyze(shape.stem)
        carried = None
        # A follow-up: no term of its own and short, pointing back (「その利点は？」) or asking about
        # nothing specific of its own (「なるほど。で、使うと具体的に何が嬉しいの？」: alone it would be
        # refused, whatever its length), or pointing back while naming another term (「それを
        # EventBridge から起動できる？」: both are meant); never one that says it changes the subject
        # (「ところで強化学習って何？」).
        if history and not query.unknown_names and not shape.new_topic and (
                (not query.terms and (shape.refers_back or len(shape.stem) <= SHORT_FOLLOWUP
                                      or not query.concepts))
                or (query.terms and shape.refers_back and not shape.opener_only)):
            carried = self.carried_term(history)
            if carried and carried not in query.terms:
                query = self.retriever.analyze(f"{carried} {shape.stem}")
            else:
                carried = None
        if shape.long:  # the scenario says what it is about; the question what kind of answer
            asked = detect_intents(match_form(f"{shape.question} {shape.constraint}"))
            if asked:
                query.intents = asked
        choice_queries = [self.retriever.analyze(c) for c in shape.choices]
        candidates = list(dict.fromkeys(t for c in choice_queries for t in c.terms))
        compared = query.terms if shape.comparison and len(query.terms) >= 2 else []
        return Prepared(clean, shape, query, carried, candidates, choice_queries, list(compared))

    def run(self, text: str | Prepared, mode: RetrievalMode | str = RetrievalMode.HYBRID, qvec: np.ndarray | None = None,
            query: QueryAnalysis | None = None, calibrated: bool = True) -> tuple[Retrieval, Verdict]:
        """Retrieval and verdict for a prepared (or already-cleaned) question; the evaluation calls
        this once per mode with the question's vector computed once."""
        prep = text if isinstance(text, Prepared) else None
        if query is None:
            query = prep.query if prep else self.retriever.analyze(text)
        if query.empty:
            n = self.retriever.n
            r = Retrieval(query=query, mode=RetrievalMode(mode), scores=np.zeros(n), order=np.arange(n))
            return r, Verdict(False, "empty")
        r = self.retriever.retrieve(query, mode, qvec)
        if prep is not None and RetrievalMode(mode) is not RetrievalMode.DENSE:
            self._shape_ranking(r, prep)
        r.extras["top_is_intro"] = self.retriever.chunks[r.top].kind == "intro"
        verdict = decide(r, self.retriever, self.thresholds)
        if prep is not None and not verdict.found and (prep.candidates or prep.compared or "lead_entry" in r.extras) \
                and not query.unknown_names:
            verdict = Verdict(True, "compares-terms" if prep.compared else "choices-in-glossary",
                              verdict.coverage, verdict.features)
        model = self.calibrated.get(mode) if calibrated else None
        if model is not None:
            verdict = self.calibrate(model, r, prep, verdict)
        return r, verdict

    def relation_of(self, r: Retrieval) -> np.ndarray | None:
        """The question's vector beside its best evidence's (calibrate.relation); None in the
        modes that do not embed the question."""
        evidence = self.retriever.evidence_vector(r, self.thresholds.entry_pool)
        return None if r.qvec is None or evidence is None else relation(r.qvec, evidence)

    def calibrate(self, model: Calibrated, r: Retrieval, prep: Prepared | None, rules: Verdict) -> Verdict:
        """The fitted model decides; the rules' reason stays when both agree (it explains a refusal)."""
        rel = self.relation_of(r) if model.relation_coef is not None else None
        found, p = answers(model, features(r, prep, rules), rules.found, rules.reason, rel)
        reason = rules.reason if found == rules.found else ("calibrated" if found else "calibrated-low")
        return Verdict(found, reason, rules.coverage, {**rules.features, "p_in_scope": round(p, 4)})

    def _term_mask(self, term: str) -> np.ndarray:
        return self.retriever.term_hits([term]) > 0

    def _choice_entries(self, choice: QueryAnalysis) -> np.ndarray:
        """Entries a pasted choice points at: every entry of a glossary term it names, else the
        entries holding all of its content words (ホールドアウトテスト, Model Monitor)."""
        kw = self.retriever.keyword
        if choice.terms:
            return np.flatnonzero(self.retriever.term_hits(choice.terms)[self.retriever.entry_chunk] > 0)
        if not choice.concepts:
            return np.zeros(0, dtype=np.int64)
        return np.array([e for e, terms in enumerate(kw.entry_terms)
                         if _coverage(choice.concepts, terms | self.retriever.heading_terms[kw.entry_refs[e].chunk]) >= 0.99],
                        dtype=np.int64)

    def _choices_met(self, found: list[np.ndarray]) -> list[np.ndarray]:
        """The entries of choices that name no term (facts: L2 正則化, ドロップアウト, データ拡張),
        kept only in the sections where most of them meet when two or more do: that section
        explains the options, whichever is the answer ("Which is NOT a way to …"), while a choice
        whose only known word is generic (data) points at entries everywhere. Choices naming terms
        ("Which service …? A. Debugger B. …") stay candidates each."""
        if len(found) < 2:
            return found
        votes = np.zeros(self.retriever.n, dtype=np.int64)
        for entries in found:
            votes[np.unique(self.retriever.entry_chunk[entries])] += 1
        if votes.max() < 2:
            return found
        met = votes == votes.max()
        return [kept for kept in (e[met[self.retriever.entry_chunk[e]]] for e in found) if len(kept)]

    def _shape_ranking(self, r: Retrieval, prep: Prepared) -> None:
        """Choices: each is looked up in the glossary (options naming no term only where most of
        them meet), and the one whose entries the stem supports best (section score + the entry's
        own closeness to the stem) lifts its section first.
        Comparison: each compared term's best section comes first, in the order they were named."""
        kw = self.retriever.keyword
        if prep.choice_queries:
            # The entry's own fit to the stem (meaning and words) counts more than its section's
            # rank, which the question's wording (intent, headings) shaped rather than its facts.
            section = 0.5 * _unit(r.scores)[self.retriever.entry_chunk]
            for fit in (r.dense_entry, r.bm25_entry):
                if fit is not None:
                    section = section + _unit(fit)
            named = [e for e in (self._choice_entries(c) for c in prep.choice_queries if c.terms) if len(e)]
            facts = [e for e in (self._choice_entries(c) for c in prep.choice_queries if not c.terms) if len(e)]
            best, best_support = None, -np.inf
            for entries in named + self._choices_met(facts):
                if float(section[entries].max()) > best_support:
                    best_support = float(section[entries].max())
                    best = int(entries[int(np.argmax(section[entries]))])
            if best is not None:
                chunk = int(self.retriever.entry_chunk[best])
                r.extras["lead_entry"] = best
                r.scores = r.scores.copy()
                r.scores[chunk] += CHOICE_BONUS
        if prep.compared:
            lift = np.zeros(self.retriever.n)
            for rank, term in enumerate(prep.compared):
                mask = self._term_mask(term)
                best_section = int(np.argmax(np.where(mask, r.scores, -np.inf)))
                lift[best_section] = 2.0 - 0.1 * rank
            r.scores = r.scores + lift
        r.order = np.argsort(-r.scores, kind="stable")

    def _picks(self, r: Retrieval, k: int, compared: list[str]):
        if not compared:
            return focused(pick_entries(r, self.retriever, k))
        picks = []  # each side from its own sections, so both are quoted and cited
        per_side = max(2, k // len(compared))
        for term in compared:
            mask = self._term_mask(term)
            scores = np.where(mask, r.scores, r.scores.min() - 1.0)
            side = Retrieval(query=r.query, mode=r.mode, scores=scores, order=np.argsort(-scores, kind="stable"),
                             dense_chunk=r.dense_chunk, dense_entry=r.dense_entry, bm25_chunk=r.bm25_chunk,
                             bm25_entry=r.bm25_entry, extras=dict(r.extras))
            picks += focused(pick_entries(side, self.retriever, per_side, pool=2))
        return picks

    def answer_from(self, question: str, r: Retrieval, verdict: Verdict, k: int, notice: str | None = None,
                    compared: list[str] | None = None) -> Answer:
        if verdict.reason == "empty":
            return Answer(question=question, found=False, answer="", message=MSG_EMPTY, notice=notice,
                          reason=verdict.reason)
        suggestions = _suggest(r, self.retriever)
        if not verdict.found:
            return Answer(question=question, found=False, answer="", suggestions=suggestions,
                          nearest=_nearest(r, self.retriever), message=not_found_message(verdict, suggestions),
                          notice=notice, reason=verdict.reason)
        cites = citations(r, self.retriever, self._picks(r, k, compared or []))
        return Answer(question=question, found=True, answer=compose(cites), citations=cites,
                      suggestions=suggestions, notice=notice, reason=verdict.reason)

    def ask(self, question: str, k: int | None = None, history=None) -> Answer:
        """Never raises on user input: empty, huge, hostile or foreign questions all get an Answer.

        ``history`` is the conversation so far (earlier questions as strings, or chat messages
        ``{"role", "content"}``), oldest first: a follow-up such as 「その利点は？」 is about the
        term the conversation was about."""
        k = self.default_k if k is None else max(1, min(int(k), 20))
        prep = self.prepare(question, history)
        r, verdict = self.run(prep)
        return self.answer_from(prep.clean.text, r, verdict, k, prep.clean.notice, prep.compared)


def build_answerer(resources, params: Params | None = None, thresholds: Thresholds | None = None) -> Answerer:
    """Build once per loaded index: tokenises the stored chunks (~50 ms); the entry vectors come
    with the index, so no model call happens here."""
    return Answerer(resources, params, thresholds)
