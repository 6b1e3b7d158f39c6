"""History answers "how did each attempt go" (the app's line chart only draws it)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from indexer.config import PROJECT_ROOT
from indexer.glossary import load_glossary
from quiz.generate import QuizGenerator
from quiz.history import History
from quiz.scoring import score
from quiz.similarity import CharNgramSimilarity

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def _answers(questions, right_ids):
    out = {}
    for q in questions:
        wrong = [i for i in range(len(q.options)) if i not in q.correct_indices]
        out[q.id] = set(q.correct_indices) if q.id in right_ids else set(wrong[: q.n_correct])
    return out


def test_accuracy_per_attempt_over_all_topics_and_one(tmp_path):
    gen = QuizGenerator(load_glossary(PROJECT_ROOT / "knowledge"), CharNgramSimilarity(), knowledge_dir=PROJECT_ROOT / "knowledge")
    h = History(tmp_path / "h.sqlite")
    first = gen.build(10, seed=1)
    topic = first[0].topic
    only_other = [q for q in gen.build(10, seed=2) if q.topic != topic][:3]
    h.record_attempt(score(first, _answers(first, {q.id for q in first[:7]})), now=T0)
    h.record_attempt(score(only_other, _answers(only_other, set())), now=T0 + timedelta(days=1))
    h.record_attempt(score(first, _answers(first, {q.id for q in first})), now=T0 + timedelta(days=2))

    overall = h.attempt_accuracy()
    assert [(p.number, p.attempt_id, p.right, p.total) for p in overall] == [(1, 1, 7, 10), (2, 2, 0, 3), (3, 3, 10, 10)]
    assert overall[0].accuracy == 0.7 and overall[1].accuracy == 0.0

    mine = h.attempt_accuracy(topic)  # the attempt without this topic is left out, the rest renumbered
    n_topic = sum(q.topic == topic for q in first)
    right_first = sum(q.topic == topic for q in first[:7])
    assert [(p.number, p.attempt_id) for p in mine] == [(1, 1), (2, 3)]
    assert [(p.right, p.total) for p in mine] == [(right_first, n_topic), (n_topic, n_topic)]


def test_no_attempts_no_points(tmp_path):
    assert History(tmp_path / "h.sqlite").attempt_accuracy() == []
