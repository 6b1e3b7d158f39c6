"""Friendly screens for the problems ``load_context`` reports: each says what is wrong in
Japanese, shows the package's own message (``file:line`` for the glossary) and offers the fix."""
from __future__ import annotations

import streamlit as st

from indexer.errors import ErrorKind
from indexer.glossary import GlossaryError

from . import nav
from .context import AppContext, Problem
from .rebuild import FlashChannel, run_rebuild
from .text import md_escape


def _retry(key: str) -> None:
    if st.button("読み込み直す", key=key, icon=":material/refresh:"):
        st.rerun()


def _glossary(ctx: AppContext, problem: Problem) -> None:
    err = problem.error
    where = f"{err.file} の {err.line} 行目" if isinstance(err, GlossaryError) and err.line else "用語集"
    st.error(f"**用語集の Markdown を読み込めませんでした**（{md_escape(where)}）", icon=":material/edit_note:")
    st.code(problem.message, language=None)
    st.markdown(
        "ファイルを修正して保存し、下のボタンで読み込み直してください。"
        "用語は `## 用語名`、節は `### 見出し`、項目は `- **ラベル**: 説明` の形で書きます。"
    )
    _retry("retry-glossary")


def _index_missing(ctx: AppContext, problem: Problem) -> None:
    st.info("**ようこそ！** 質問やクイズを始める前に、用語集の検索インデックスを作成します（初回は数十秒かかります）。",
            icon=":material/waving_hand:")
    cols = st.columns([1, 1, 2])
    if cols[0].button("インデックスを作成", type="primary", key="build-index", icon=":material/build:", width="stretch"):
        if run_rebuild(ctx.config, channel=FlashChannel.PAGE):
            st.rerun()
    if ctx.glossary is not None and cols[1].button("用語集を見る", key="go-glossary", icon=":material/menu_book:",
                                                   width="stretch"):
        st.switch_page(nav.GLOSSARY)
    st.caption("コマンドラインでは `python -m indexer` でも作成できます。")


def _index_corrupt(ctx: AppContext, problem: Problem) -> None:
    st.warning("検索インデックスが壊れているようです。作り直すと直ります。", icon=":material/report:")
    st.code(problem.message, language=None)
    if st.button("インデックスを作り直す", type="primary", key="rebuild-full", icon=":material/build:"):
        if run_rebuild(ctx.config, full=True, channel=FlashChannel.PAGE):
            st.rerun()


def _model_missing(ctx: AppContext, problem: Problem) -> None:
    st.error("埋め込みモデルが見つかりません。セットアップ（`make model`）を実行してから再読み込みしてください。",
             icon=":material/inventory_2:")
    st.code(problem.message, language=None)
    _retry("retry-model")


def _config(ctx: AppContext, problem: Problem) -> None:
    st.error("設定ファイル（config.yaml）を読み込めませんでした。", icon=":material/settings:")
    st.code(problem.message, language=None)


def _aliases(ctx: AppContext, problem: Problem) -> None:
    st.error("別名の定義（aliases.yaml）を読み込めませんでした。ファイルを修正してから読み込み直してください。",
             icon=":material/edit_note:")
    st.code(problem.message, language=None)
    _retry("retry-aliases")


def _unexpected(ctx: AppContext, problem: Problem) -> None:
    st.error("予期しないエラーが発生しました。サーバーのログも確認してください。", icon=":material/error:")
    st.code(problem.message, language=None)
    _retry("retry-unexpected")


_SCREENS = {
    ErrorKind.GLOSSARY: _glossary,
    ErrorKind.INDEX_MISSING: _index_missing,
    ErrorKind.INDEX_CORRUPT: _index_corrupt,
    ErrorKind.MODEL_MISSING: _model_missing,
    ErrorKind.CONFIG: _config,
    ErrorKind.ALIASES: _aliases,
}


def render_problem(ctx: AppContext) -> None:
    """The screen for ``ctx.problem`` (which must be set)."""
    problem = ctx.problem
    assert problem is not None
    _SCREENS.get(problem.kind, _unexpected)(ctx, problem)
