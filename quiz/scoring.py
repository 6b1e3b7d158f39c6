"""Right or wrong per question, and the totals a learner and the history need.

All-or-nothing per question: a select-two answer with one right and one wrong option is wrong,
as on the real exam. An unanswered question counts as wrong (the learner did not know it), but is
marked so the app can tell "skipped" from "mistaken".
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .model import Question


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    chosen: frozenset[int]
    correct: frozenset[int]
    is_correct: bool
    answered: bool

    @property
    def id(self) -> str:
        return self.question.id


@dataclass(frozen=True)
class QuizResult:
    results: tuple[QuestionResult, ...]
    per_topic: dict[str, tuple[int, int]] = field(default_factory=dict)  # topic -> (right, total)

    @property
    def n_right(self) -> int:
        return sum(r.is_correct for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def accuracy(self) -> float:
        return self.n_right / self.total if self.total else 0.0

    @property
    def wrong(self) -> list[QuestionResult]:
        return [r for r in self.results if not r.is_correct]

    def summary(self) -> str:
        return f"{self.n_right}/{self.total} 正解（{self.accuracy:.0%}）"


def score(questions: Iterable[Question], answers: Mapping[str, Iterable[int]]) -> QuizResult:
    """``answers`` maps question id to the chosen option indices (0-based, in the order the
    options were shown). An index outside the question's options is a caller bug: ValueError."""
    results = []
    per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for q in questions:
        raw = answers.get(q.id)
        chosen = frozenset(int(i) for i in raw) if raw is not None else frozenset()
        bad = [i for i in chosen if not 0 <= i < len(q.options)]
        if bad:
            raise ValueError(f"question {q.id}: option index {bad[0]} out of range 0..{len(q.options) - 1}")
        right = q.correct_indices
        ok = chosen == right
        results.append(QuestionResult(question=q, chosen=chosen, correct=right, is_correct=ok, answered=bool(chosen)))
        per_topic[q.topic][0] += ok
        per_topic[q.topic][1] += 1
    return QuizResult(tuple(results), {t: (v[0], v[1]) for t, v in per_topic.items()})
