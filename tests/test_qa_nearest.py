"""A refused question still points where the glossary talks about its words: ``Answer.nearest``
lists the best-ranked sections of a term the question names or holding one of its content words
(never an answer), and a question none of whose words the glossary uses gets none."""
from __future__ import annotations

import json
import pytest

from qa import SectionRef, build_answerer


@pytest.fixture(scope="module")
def answerer(resources):
    return build_answerer(resources)


def _related(answerer, ref: SectionRef, question: str) -> bool:
    """The section is one of a term the question names, or holds one of its content words."""
    retriever = answerer.retriever
    i = next(n for n, c in enumerate(retriever.chunks) if (c.term, c.section) == (ref.term, ref.section))
    held = retriever.keyword.chunk_terms[i]
    r, _ = answerer.run(answerer.prepare(question, None))
    return ref.term in r.query.terms or any(c.terms & held for c in r.query.concepts)


# Near misses: a covered term, a fact the glossary does not state.
NEAR_MISSES = ["EventBridgeの料金は1イベントあたりいくら？", "TensorBoardの最新バージョン番号は？"]


@pytest.mark.parametrize("question", NEAR_MISSES)
def test_a_refusal_points_at_sections_holding_the_question_words(answerer, question):
    a = answerer.ask(question)
    assert not a.found and not a.citations
    assert 1 <= len(a.nearest) <= 3
    assert len({(n.term, n.section) for n in a.nearest}) == len(a.nearest)
    chunks = {(c.term, c.section): c for c in answerer.retriever.chunks}
    for ref in a.nearest:
        chunk = chunks[(ref.term, ref.section)]
        assert (ref.file, ref.line) == (chunk.file, chunk.line)  # the section's own heading
        assert _related(answerer, ref, question), f"{ref} is about none of the question's words"


@pytest.mark.parametrize("question", ["今日の晩ご飯にカレーのレシピを教えて", "東京タワーの高さは？"])
def test_an_unrelated_question_gets_no_sections(answerer, question):
    a = answerer.ask(question)
    assert not a.found and a.nearest == []


def test_an_answer_has_citations_not_nearest(answerer):
    a = answerer.ask("過学習を防ぐ方法は？")
    assert a.found and a.citations and a.nearest == []


def test_the_cli_prints_and_serialises_them(answerer):
    import io

    from qa.__main__ import build_parser, run

    question = NEAR_MISSES[0]
    out = io.StringIO()
    run(build_parser().parse_args(["--json", question]), answerer, stdout=out)
    data = json.loads(out.getvalue())
    assert data["found"] is False and data["nearest"]
    assert set(data["nearest"][0]) == {"term", "section", "file", "line"}
    out = io.StringIO()
    run(build_parser().parse_args([question]), answerer, stdout=out)
    first = data["nearest"][0]
    assert f"{first['term']} › {first['section']} — {first['file']}:{first['line']}" in out.getvalue()
