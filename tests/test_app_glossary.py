"""用語集 page (AppTest): browse terms and sections as the Markdown reads, search, and show
glossary text escaped (an editor's stray HTML or Markdown never renders as markup)."""
from __future__ import annotations

from tests.e2e.workspace import (  # noqa: F401 — fixtures
    app_cache,
    app_model,
    app_test,
    app_workspace,
    built_app_workspace,
    glossary_file,
    open_page,
    texts,
    write_workspace,
)


def test_browse_terms_and_sections(app_workspace):
    at = open_page(app_test().run(), "go-glossary")
    assert at.title[0].value == "用語集"
    terms = [b.label for b in at.button if b.key and b.key.startswith("term-")]
    assert terms[:2] == ["過学習（overfitting）", "Amazon SageMaker Debugger"] and len(terms) == 5
    assert at.subheader[0].value == "過学習（overfitting）"
    assert [e.label for e in at.expander][:2] == ["基本概念", "主な特徴"]
    assert "- **定義**: トレーニングデータに特化しすぎて汎化能力が失われる現象" in texts(at.expander[0])[0]
    at.button(key="term-Amazon EventBridge").click().run()
    assert at.subheader[0].value == "Amazon EventBridge"
    assert any(b.key == "term-Amazon EventBridge" and b.proto.type == "primary" for b in at.button)


def test_search_filters_terms_and_highlights(app_workspace):
    at = open_page(app_test().run(), "go-glossary")
    at.text_input(key="gl_query").input("ドロップアウト").run()
    terms = [b.label for b in at.button if b.key and b.key.startswith("term-")]
    assert terms == ["過学習（overfitting）"]
    assert any("「ドロップアウト」に一致：1 用語・1 節" in c for c in texts(at))
    opened = [e for e in at.expander if e.proto.expanded]
    assert [e.label for e in opened] == ["防止策と対策"], "only the matching section is opened"
    assert ":orange-background[ドロップアウト]" in opened[0].markdown[0].value
    at.text_input(key="gl_query").input("存在しない言葉xyz").run()
    assert at.info and "一致する用語はありません" in at.info[0].value


def test_glossary_text_is_escaped(tmp_path, app_model, monkeypatch):
    """A fresh workspace (no index needed to browse) whose glossary holds hostile text."""
    config = write_workspace(tmp_path, app_model)
    path = glossary_file(config)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "- **定義**: トレーニングデータに特化しすぎて汎化能力が失われる現象",
        "- **定義**: <script>alert(1)</script> と **太字** と :red[赤] と $x$ の現象"), encoding="utf-8")
    monkeypatch.setenv("STUDY_CONFIG", str(config))
    at = app_test().run()
    assert any(b.label == "インデックスを作成" for b in at.button)  # no index yet: the welcome offers it
    open_page(at, "go-glossary")  # ... and browsing the glossary meanwhile
    assert at.subheader[0].value == "過学習（overfitting）"
    shown = at.expander[0].markdown[0]
    assert "\\<script\\>alert\\(1\\)\\<\\/script\\>" in shown.value
    assert "\\*\\*太字\\*\\*" in shown.value and "\\:red\\[赤\\]" in shown.value and "\\$x\\$" in shown.value
    assert not any(m.proto.allow_html for m in at.markdown)


def test_the_page_file_runs_on_its_own_route(app_workspace):
    """The page is its own file under app_pages/, reached by st.switch_page as by the menu."""
    at = app_test().run()
    at.switch_page("app_pages/glossary.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "用語集" and at.subheader[0].value == "過学習（overfitting）"
