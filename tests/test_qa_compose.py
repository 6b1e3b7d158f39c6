"""The composed answer as data (``answer_parts``) and as text (``compose``): one grouping, two
layouts, so the app never has to read the text back."""
from __future__ import annotations

from indexer.glossary import INTRO
from qa import Citation, answer_parts
from qa.compose import compose


def _cite(term: str, section: str, text: str) -> Citation:
    return Citation(term=term, section=section, text=text, score=0.5, source="g.md:1", file="g.md", line=1)


CITES = [_cite("過学習", INTRO, "過学習は現象です。"), _cite("過学習", INTRO, "問題です。"),
         _cite("過学習", "防止策", "正則化: 重みを抑える"), _cite("過学習", "防止策", "データ拡張: 増やす"),
         _cite("TensorBoard", "主要機能", "可視化: グラフ")]


def test_parts_group_consecutive_quotes_of_a_section_and_keep_their_numbers():
    parts = answer_parts(CITES)
    assert [(p.term, p.section, p.is_intro) for p in parts] == [
        ("過学習", INTRO, True), ("過学習", "防止策", False), ("TensorBoard", "主要機能", False)]
    assert [n for p in parts for n, _ in p.quotes] == [1, 2, 3, 4, 5]


def test_compose_lays_out_the_same_parts_as_text():
    assert compose(CITES).split("\n") == [
        "過学習は現象です。 [1] 問題です。 [2]",
        "過学習 › 防止策:", "・正則化: 重みを抑える [3]", "・データ拡張: 増やす [4]",
        "TensorBoard › 主要機能:", "・可視化: グラフ [5]",
    ]
    assert compose([]) == "" and answer_parts([]) == []
