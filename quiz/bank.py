"""The question bank: every question the glossary and capabilities.yaml yield, built once, by id.

Why a bank: each question is built deterministically from its own id, so an id always means the
same question (history and review point at it) and the yield per type is a number one can measure.
A quiz is a seeded, balanced draw from the bank with the options shuffled by the quiz seed.
Questions a reviewer marked flawed (knowledge/quiz_review.yaml) are kept out of every draw.
"""
from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from indexer.glossary import Glossary
from indexer.snapshot import term_passages

from .capabilities import Capabilities, Kind
from .claims import claim_questions
from .concept import concept_questions
from .definition import definition_questions
from .model import QUESTION_TYPES, NotEnoughQuestions, Question, QuizError
from .names import aliases, term_aliases
from .options import rng_for
from .review import Review
from .scenario import pair_questions, scenario_questions
from .similarity import E5_NEAR_DUPLICATE, as_similarity


def merge_aliases(own: Iterable[str], extra: Iterable[str]) -> tuple[str, ...]:
    """Own and extra names, deduplicated after normalising, longest first (the order masking
    needs); names under 3 characters are dropped, they would match inside unrelated words."""
    from indexer.text import compact_form

    seen, out = set(), []
    for name in [*own, *extra]:
        key = compact_form(str(name))
        if len(key) >= 3 and key not in seen:
            seen.add(key)
            out.append(str(name))
    return tuple(sorted(out, key=len, reverse=True))


# Shapes that test understanding (a situation with a deciding constraint) come first in every
# topic's turn, the single scenario twice: statement lists about one service are recall, fine for
# variety but of little exam value (reviewed: scenarios good, statement lists acceptable at best).
_PREFERRED = ("scenario_service", "scenario_pair", "scenario_service")


def _type_cycle(kinds: list[str], offset: int) -> list[str]:
    """The order a topic's question types are drawn in: preferred scenario shapes first, then the
    other types it has, rotated by ``offset`` so consecutive topics start on different ones."""
    rest = [y for y in kinds if y not in _PREFERRED]
    if rest:
        k = offset % len(rest)
        rest = rest[k:] + rest[:k]
    return [y for y in _PREFERRED if y in kinds] + rest


class QuizGenerator:
    """Build once per glossary, then draw quizzes cheaply; ``bank`` holds every question by id,
    ``blocked`` the ids a reviewer marked flawed (never drawn, never returned by ``questions``)."""

    def __init__(self, glossary: Glossary, similarity, *, n_options: int = 4,
                 extra_aliases: Mapping[str, Iterable[str]] | None = None,
                 capabilities: Capabilities | None = None, review: Review | None = None,
                 knowledge_dir: str | Path | None = None):
        """``knowledge_dir``: read capabilities.yaml and quiz_review.yaml from there (unless passed
        directly). Without either, every term gets only the conservative definition question."""
        self.glossary = glossary
        self.sim = as_similarity(similarity)
        self.near = float(getattr(self.sim, "near_duplicate", E5_NEAR_DUPLICATE))
        self.n_options = n_options
        self.terms = list(glossary.terms)
        self.extra_aliases = {k: tuple(v) for k, v in (extra_aliases or {}).items()}
        self.aliases = {t.name: merge_aliases(term_aliases(t), self.extra_aliases.get(t.name, ())) for t in self.terms}
        if knowledge_dir is not None and capabilities is None:
            from .capabilities import capabilities_path, load_capabilities
            from .review import FILE_NAME, load_review

            capabilities = load_capabilities(capabilities_path(knowledge_dir), glossary)
            review = review or load_review(Path(knowledge_dir) / FILE_NAME)
        self.caps = capabilities or Capabilities(file="capabilities.yaml")
        self.review = review or Review()
        self.bank: dict[str, Question] = {}
        self.blocked: set[str] = set()
        self._cells: dict[tuple[str, str], list[str]] = {}
        self._keys: dict[str, frozenset[str]] = {}
        self._situated: set[str] = set()  # concept questions asked from a case (diagnosis first)
        self._build_bank()

    def names_of(self, name: str) -> tuple[str, ...]:
        """Every name of a glossary term or of a neighbouring service, for masking and leak checks."""
        return self.aliases.get(name) or merge_aliases(aliases(name), self.extra_aliases.get(name, ()))

    def conservative(self, term_name: str) -> bool:
        """No entry in capabilities.yaml: only the definition question, which cannot teach a falsehood."""
        return self.caps.kind(term_name) is None

    def _build_bank(self) -> None:
        texts = term_passages(self.glossary)  # embedded with the index: cache hits, no model
        v_intro = self.sim.vectors(texts) if texts else np.zeros((0, 1), np.float32)
        for q in scenario_questions(self.glossary, self.caps, self.names_of, self.n_options):
            self._add(q)
        for q in pair_questions(self.glossary, self.caps, self.names_of):
            self._add(q)
        for at, term in enumerate(self.terms):
            if self.conservative(term.name):
                found = definition_questions(term, self.terms, v_intro, self.near, self.names_of, self.n_options, at=at)
            elif self.caps.kind(term.name) is Kind.CONCEPT:
                found = list(concept_questions(term, self.caps, self.aliases[term.name], self.n_options))
                facts = self.caps.concepts.get(term.name)
                seen = [c.observation for c in (facts.cases if facts else ())]
                self._situated |= {q.id for q in found if any(o in q.stem for o in seen)}
            else:
                found = claim_questions(term, self.caps, self.n_options)
            for q in found:
                self._add(q)

    def _add(self, q: Question) -> None:
        if q.id in self.bank:
            return
        self.bank[q.id] = q
        if self.review.is_flawed(q.id):
            self.blocked.add(q.id)
            return
        self._cells.setdefault((q.topic, q.type), []).append(q.id)
        self._keys[q.id] = frozenset(f"{s.term}›{s.section}›{s.label or s.text}" for s in (q.sources or (q.source,)))

    # ----------------------------------------------------------------- quizzes

    def resolve_topics(self, topics: Iterable[str] | None) -> list[str]:
        from .generate import resolve_topics

        return resolve_topics(self.glossary, topics, self.extra_aliases)

    @staticmethod
    def resolve_types(types: Iterable[str] | None) -> list[str]:
        from .generate import resolve_types

        return resolve_types(types)

    def count(self, topics: Iterable[str] | None = None, types: Iterable[str] | None = None) -> int:
        topics, types = self.resolve_topics(topics), self.resolve_types(types)
        return sum(len(self._cells.get((t, y), ())) for t in topics for y in types)

    def yield_per_type(self) -> dict[str, int]:
        """How many distinct questions a learner can be asked, per type (flawed ones excluded)."""
        return {t: sum(len(v) for (_, y), v in self._cells.items() if y == t) for t in QUESTION_TYPES}

    def shuffled(self, q: Question, seed: object) -> Question:
        """The same question with its options in the order of this quiz's seed."""
        options = list(q.options)
        rng_for("order", seed, q.id).shuffle(options)
        return replace(q, options=tuple(options))

    def build(self, n: int, topics: Iterable[str] | None = None, types: Iterable[str] | None = None,
              seed: int | str | None = None, *, allow_fewer: bool = False) -> list[Question]:
        """Round-robin over topics (each round gives every topic one question, so topics stay within
        one question of each other), and within a topic over the types it has (rotated per topic, so
        a run of consecutive questions covers the types too); each cell draws at random from its
        share of the bank, preferring questions whose facts this quiz has not used yet.

        ``n`` larger than what the filters allow raises NotEnoughQuestions (with the count), unless
        ``allow_fewer``: a silent short quiz would look like a bug to the learner."""
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise QuizError(f"the number of questions must be a positive integer, got {n!r}")
        topic_list, type_list = self.resolve_topics(topics), self.resolve_types(types)
        available = sum(len(self._cells.get((t, y), ())) for t in topic_list for y in type_list)
        if available == 0:
            raise NotEnoughQuestions("no questions match these topics and types", 0)
        if n > available and not allow_fewer:
            raise NotEnoughQuestions(
                f"only {available} questions are available for these topics and types; ask for at most {available}",
                available)
        seed = secrets.randbelow(2**31) if seed is None else seed
        rng = rng_for("quiz", seed)
        rng.shuffle(topic_list)
        rng.shuffle(type_list)
        pools = {}
        for t in topic_list:
            for y in type_list:
                ids = sorted(self._cells.get((t, y), ()))
                rng.shuffle(ids)
                ids.sort(key=lambda i: i not in self._situated)  # a diagnosis from a case before recall
                pools[(t, y)] = ids
        picks: list[str] = []
        used: set[str] = set()
        target = min(n, available)
        rounds = 0
        while len(picks) < target:
            for ti, topic in enumerate(topic_list):
                if len(picks) >= target:
                    break
                kinds = _type_cycle([y for y in type_list if pools[(topic, y)]], ti)
                if not kinds:
                    continue
                pool = pools[(topic, kinds[rounds % len(kinds)])]
                j = next((i for i, qid in enumerate(pool) if not (self._keys[qid] & used)), 0)
                qid = pool.pop(j)
                picks.append(qid)
                used |= self._keys[qid]
            rounds += 1
        return [self.shuffled(self.bank[qid], seed) for qid in picks]

    def draw_exam(self, n: int, seed: int | str | None = None, topics: Iterable[str] | None = None) -> list[Question]:
        """``n`` questions for a mock exam: balanced over topics (every topic before any repeats) and
        over the types each topic has, never a flawed one. For the timed exam to build on."""
        return self.build(n, topics, None, seed, allow_fewer=True)

    def questions(self, ids: Iterable[str], seed: object = 0) -> list[Question]:
        """The bank's questions for these ids, in order; ids the glossary no longer yields, and ids
        marked flawed, are skipped."""
        return [self.shuffled(self.bank[i], seed) for i in ids if i in self.bank and i not in self.blocked]
