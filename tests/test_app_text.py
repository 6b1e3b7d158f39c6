"""The app's text helpers: whatever a user types or the glossary says is shown as text, never as
HTML or Markdown formatting, and highlights are added only after escaping."""
from __future__ import annotations

import pytest

import app

HOSTILE = [
    "<script>alert(1)</script>",
    "**bold** _it_ `code` [link](javascript:alert(1))",
    "# heading\n- item\n1. one\n> quote\n---",
    ":red[colour] :material/home: $x^2$ :orange-background[x]",
    "<img src=x onerror=alert(1)> &lt;b&gt; &amp;",
    "a -> b <- c --- d ~~strike~~ | table |",
    "\\*backslash\\* \\",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_the_same_text(text):
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable("strikethrough").enable("table")
    html = md.render(app.md_escape(text))
    # Nothing but paragraphs and line breaks: no tags made from the input.
    for tag in ("<script", "<img", "<strong", "<em", "<code", "<a ", "<h1", "<ul", "<ol", "<blockquote", "<hr", "<s>", "<table"):
        assert tag not in html, (text, html)
    # And the visible text is the input, character for character (line by line, spaces trimmed).
    visible = _visible_text(md, app.md_escape(text))
    assert visible == "\n".join(line.strip() for line in text.split("\n")), (text, visible)


def _visible_text(md, markdown: str) -> str:
    out = []
    for token in md.parse(markdown):
        if token.type == "inline":
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    out.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    out.append("\n")
    return "".join(out)


def test_streamlit_directives_are_escaped():
    escaped = app.md_escape(":red[x] $y$ :material/home:")
    assert ":red[" not in escaped and "$y$" not in escaped and ":material/" not in escaped


def test_highlight_wraps_matches_after_escaping():
    out = app.md_highlight("過学習は**危険**な現象です", ["過学習", "危険"])
    assert out.startswith(":orange-background[過学習]")
    assert ":orange-background[危険]" in out
    assert "\\*\\*" in out  # the glossary's asterisks stay literal
    # Case- and width-insensitive, and the original spelling is kept.
    out = app.md_highlight("Amazon ＳａｇｅＭａｋｅｒ Debugger", ["sagemaker"])
    assert ":orange-background[ＳａｇｅＭａｋｅｒ]" in out


def test_highlight_merges_overlaps_and_ignores_empty_words():
    assert app.match_spans("ABCDEF", ["abc", "cde", "", " "]) == [(0, 5)]
    assert app.md_highlight("text", []) == "text"


def test_highlighted_hostile_match_stays_text():
    markdown_it = pytest.importorskip("markdown_it")
    out = app.md_highlight("x <script>alert(1)</script> y", ["<script>"])
    html = markdown_it.MarkdownIt("commonmark").render(out)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_progress_and_report_messages_are_japanese():
    assert app.progress_ja("embedding 3/10 chunks") == "埋め込みを計算しています… 3/10"
    assert app.progress_ja("reading the glossary") == "用語集を読み込んでいます…"
    assert app.progress_ja("something new") == "something new"

    class Report:
        up_to_date, chunk_count, added, changed, removed, reused, embedded, seconds = False, 35, 0, 1, 0, 34, 1, 0.5

    assert "変更 1" in app.report_ja(Report()) and "埋め込み 1 件" in app.report_ja(Report())


def test_built_at_is_local_time_with_age():
    from datetime import datetime, timezone

    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert "5 分前" in app.format_built_at("2026-01-01T11:55:00+00:00", now=now)
    assert app.format_built_at(None) == "不明"
