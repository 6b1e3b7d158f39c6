"""Glossary.search: what the glossary page's search box finds (the page only draws the result)."""
from __future__ import annotations

import pytest

from indexer.glossary import load_glossary
from indexer.text import aligned_form, compact_form, contains, match_form

from .conftest import SEED


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(SEED.parent)


def test_empty_query_lists_every_term_and_marks_no_section(glossary):
    found = glossary.search("  ")
    assert [m.term.name for m in found] == [t.name for t in glossary.terms]
    assert all(m.sections == () for m in found)


def test_a_word_finds_its_terms_and_the_sections_that_contain_it(glossary):
    found = glossary.search("ドロップアウト")
    assert [m.term.name for m in found] == ["過学習（overfitting）"]
    assert [s.heading for s in found[0].sections] == ["防止策と対策"]


def test_search_ignores_case_and_width_and_matches_names_and_labels(glossary):
    assert [m.term.name for m in glossary.search("ｅｖｅｎｔｂｒｉｄｇｅ")] == [m.term.name for m in glossary.search("EventBridge")]
    assert glossary.search("EventBridge")
    assert glossary.search("存在しない言葉xyz") == []


def test_text_forms_have_one_job_each():
    assert match_form("ＳａｇｅＭａｋｅｒ") == "sagemaker"
    assert compact_form("SageMaker  Debugger") == "sagemakerdebugger"
    text = "Amazon ＳａｇｅＭａｋｅｒ ﾊﾟｲﾌﾟﾗｲﾝ"
    assert len(aligned_form(text)) == len(text)  # positions are kept for highlighting
    assert contains(text, "sagemaker") and not contains(text, "debugger")
