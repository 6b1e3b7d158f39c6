"""The app's text helpers: whatever a user types or the glossary says is shown as text, never as
HTML or Markdown formatting, and highlights are added only after escaping."""
from __future__ import annotations

import pytest

from app_shared import text as app
from app_shared.wording import progress_ja, report_ja, staleness_ja
from indexer.progress import BuildProgress, Stage
from indexer.store import BuildReport, Staleness

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


def test_progress_report_and_staleness_are_worded_in_japanese_from_data():
    assert progress_ja(BuildProgress(Stage.EMBEDDING, 3, 10)) == "埋め込みを計算しています… 3/10"
    assert progress_ja(BuildProgress(Stage.READING)) == "用語集を読み込んでいます…"
    assert all(progress_ja(BuildProgress(stage, 1, 2)) for stage in Stage)  # every stage has words
    report = BuildReport(chunk_count=35, changed=1, reused=34, embedded=1, seconds=0.5)
    assert "変更 1" in report_ja(report) and "埋め込み 1 件" in report_ja(report)
    assert "最新" in report_ja(BuildReport(chunk_count=35, up_to_date=True))
    assert staleness_ja(Staleness(changed=["a.md"])) == "変更: a.md"
    assert staleness_ja(Staleness(missing=True)) == "インデックスがまだありません。"


def test_progress_fraction_fills_the_bar_in_order():
    events = [BuildProgress(Stage.READING), BuildProgress(Stage.LOADING_MODEL), BuildProgress(Stage.EMBEDDING, 1, 4),
              BuildProgress(Stage.EMBEDDING, 4, 4), BuildProgress(Stage.WRITING), BuildProgress(Stage.DONE)]
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_built_at_is_local_time_with_age():
    from datetime import datetime, timezone

    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert "5 分前" in app.format_built_at("2026-01-01T11:55:00+00:00", now=now)
    assert app.format_built_at(None) == "不明"


LINKY = [
    "https://evil.example/phish",
    "見て http://evil.example/a?b=c&d=<e> ね",
    "www.evil.example/login",
    "WWW.EVIL.EXAMPLE",
    "mail me: victim@evil.example please",
    "mailto:victim@evil.example",
    "ftp://files.evil.example/x",
    "https://evil.example/`tick`",
    "**https://evil.example**",
]


@pytest.mark.parametrize("text", LINKY)
def test_user_text_never_becomes_a_link(text):
    """remark-gfm (what Streamlit renders with) finds links in *text* nodes after escapes are
    decoded; so no text node may hold a URL, a www. name or an e-mail address, and the whole input
    must still be visible."""
    import re

    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark")
    escaped = app.md_escape(text)
    html = md.render(escaped)
    assert "<a " not in html
    gfm_autolink = re.compile(r"(https?://|www\.)[-.\w]+|[-.\w+]+@[-\w]+(\.[-\w]+)+|ftp://", re.I)
    for token in md.parse(escaped):
        for child in token.children or []:
            if child.type == "text":
                assert not gfm_autolink.search(child.content), (text, child.content)
    assert _visible_text(md, escaped) == text.strip()


def test_links_in_highlighted_glossary_text_stay_text():
    import re

    markdown_it = pytest.importorskip("markdown_it")
    out = app.md_highlight("詳細は https://docs.aws.amazon.com/sagemaker/ を参照", ["sagemaker", "https"])
    for token in markdown_it.MarkdownIt("commonmark").parse(out):
        for child in token.children or []:
            if child.type == "text":
                assert not re.search(r"https?://|www\.", child.content), child.content


def test_escaping_a_long_line_with_at_signs_is_linear():
    import time

    started = time.perf_counter()
    app.md_escape(("a" * 5000 + "@") * 20)
    assert time.perf_counter() - started < 2.0  # generous; quadratic would take far longer
