"""The sidebar: index status (model, chunks, build time, sync with the glossary on disk), the
rebuild button, and the load counters under 技術情報."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from indexer.errors import ErrorKind
from indexer.store import Staleness

from .context import AppContext, load_stats
from .rebuild import FlashChannel, run_rebuild, show_flash
from .text import format_built_at, format_seconds, md_escape
from .wording import staleness_ja

# The problems a rebuild can fix (or that leave the previous index serving).
_REBUILDABLE = (ErrorKind.GLOSSARY, ErrorKind.INDEX_CORRUPT, ErrorKind.INDEX_MISSING)


def _index_status(manifest: dict | None) -> None:
    if manifest:
        model = Path(str(manifest.get("model", "?"))).name
        st.sidebar.caption(
            f"モデル: {md_escape(model)}  \n"
            f"チャンク数: {manifest.get('chunk_count', '?')}  \n"
            f"作成: {md_escape(format_built_at(manifest.get('built_at')))}"
        )
    else:
        st.sidebar.caption("インデックスはまだありません。")


def _sync_status(ctx: AppContext, staleness: Staleness) -> None:
    sb = st.sidebar
    if not staleness.stale:
        sb.success("用語集と同期しています", icon=":material/check_circle:")
        return
    sb.warning(f"用語集が変更されています：{md_escape(staleness_ja(staleness))}", icon=":material/edit_note:")
    problem = ctx.resources.problem if ctx.resources is not None else None
    if problem is not None:  # an editor sees a syntax error (glossary or aliases) before pressing 再構築
        sb.error(f"用語集の誤り：{md_escape(str(problem))}  \n直すまでは前回のインデックスで回答します。",
                 icon=":material/edit_note:")


def _rebuild_button(ctx: AppContext, manifest: dict | None, staleness: Staleness | None) -> None:
    sb = st.sidebar
    missing = manifest is None
    stale = missing or bool(staleness and staleness.stale)
    full = False if missing else sb.toggle("完全に作り直す", key="rebuild_full", value=False,
                                          help="埋め込みキャッシュを使わずに、すべての節を埋め込み直します。")
    if sb.button("インデックスを作成" if missing else "再構築", key="rebuild", icon=":material/refresh:",
                 type="primary" if stale else "secondary", width="stretch",
                 help="変更された節だけを埋め込み直し、インデックスを更新します。"):
        if run_rebuild(ctx.config, full=full, where=sb):
            st.rerun()


def _load_counters(ctx: AppContext) -> None:
    stats = load_stats()
    with st.sidebar.expander("技術情報", expanded=False):
        st.caption(
            f"モデル読み込み: {stats.model.count} 回（{format_seconds(stats.model.seconds)}）  \n"
            f"インデックス読み込み: {stats.index.count} 回（{format_seconds(stats.index.seconds)}）  \n"
            f"回答エンジン準備: {stats.answerer.count} 回（{format_seconds(stats.answerer.seconds)}）  \n"
            f"ビルド ID: {ctx.build or '—'}"
        )


def render_sidebar(ctx: AppContext) -> None:
    sb = st.sidebar
    sb.divider()
    sb.markdown("**インデックスの状態**")
    if ctx.config is None:
        sb.caption("設定を読み込めませんでした。")
        return
    manifest = ctx.resources.manifest if ctx.resources is not None else ctx.manifest
    staleness = ctx.resources.check() if ctx.resources is not None else None
    _index_status(manifest)
    if staleness is not None:
        _sync_status(ctx, staleness)
    if ctx.problem is None or ctx.problem.kind in _REBUILDABLE:
        _rebuild_button(ctx, manifest, staleness)
    show_flash(sb, channel=FlashChannel.SIDEBAR)
    _load_counters(ctx)
