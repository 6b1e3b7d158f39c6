"""20 learners answering at once, in 4 processes of 5 threads (as app servers would), on a SQLite
file and on a real PostgreSQL server: every attempt and every answer is stored exactly once."""
from __future__ import annotations

import pytest

from indexer.config import PROJECT_ROOT
from indexer.glossary import load_glossary
from quiz.generate import QuizGenerator
from quiz.similarity import CharNgramSimilarity
from tests.history_load import run_load


@pytest.fixture(scope="module")
def questions():
    gen = QuizGenerator(load_glossary(PROJECT_ROOT / "knowledge"), CharNgramSimilarity(), knowledge_dir=PROJECT_ROOT / "knowledge")
    return [q.to_dict() for q in gen.build(40, seed=3)]


def test_twenty_learners_at_once_nothing_lost_or_doubled(history_url, questions):
    report = run_load(history_url, questions, learners=20, attempts=3, answers=4, processes=4)
    print(report.line("history"))
    assert report.errors == 0
    assert report.attempts_written == report.attempts_expected == 60
    assert report.attempts_lost == 0 and report.attempts_duplicated == 0
    assert report.answers_written == report.answers_expected == 240
