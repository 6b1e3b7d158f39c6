"""The rebuild button's work (incremental or full, with a progress bar) and the one-shot
"flash" messages that report its result after the rerun that follows."""
from __future__ import annotations

import threading
from enum import Enum
from typing import Any

import streamlit as st

from indexer.config import Config
from indexer.errors import ErrorKind, KnowledgeError
from indexer.progress import BuildProgress
from indexer.store import build_index

from .context import get_embedder
from .text import md_escape
from .wording import progress_ja, report_ja


class FlashChannel(Enum):
    """Where a flash message is shown: on the page, or in the sidebar next to the rebuild button."""

    PAGE = "page"
    SIDEBAR = "sidebar"


class FlashKind(Enum):
    SUCCESS = "success"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def flash(kind: FlashKind, message: str, channel: FlashChannel = FlashChannel.PAGE) -> None:
    """A message shown once, after the rerun that follows an action."""
    st.session_state[f"flash_{channel.value}"] = (kind, message)


def show_flash(where: Any = None, channel: FlashChannel = FlashChannel.PAGE) -> None:
    item = st.session_state.pop(f"flash_{channel.value}", None)
    if not item:
        return
    kind, message = item
    where = where or st
    box = {FlashKind.SUCCESS: where.success, FlashKind.ERROR: where.error,
           FlashKind.WARNING: where.warning}.get(kind, where.info)
    box(md_escape(message), icon=":material/check_circle:" if kind is FlashKind.SUCCESS else ":material/warning:")


@st.cache_resource(show_spinner=False)
def _rebuild_lock() -> threading.Lock:
    """One rebuild at a time per server process, whichever session asks."""
    return threading.Lock()


_FAILED = {
    ErrorKind.GLOSSARY: "用語集に誤りがあるため再構築できませんでした（以前のインデックスを使い続けます）。\n{error}",
    ErrorKind.MODEL_MISSING: "埋め込みモデルが見つかりません：{error}",
}


def run_rebuild(config: Config, *, full: bool = False, where: Any = None,
                channel: FlashChannel = FlashChannel.SIDEBAR) -> bool:
    """Incremental (or full) rebuild with a progress bar; the result is flashed after the rerun
    (in the sidebar, or on the page for the welcome screen's button)."""
    where = where or st
    lock = _rebuild_lock()
    if not lock.acquire(blocking=False):
        where.warning("別のセッションで再構築中です。少し待ってからもう一度お試しください。")
        return False
    bar = where.progress(0.0, text="再構築を開始します…")

    def progress(event: BuildProgress) -> None:
        bar.progress(min(1.0, max(0.0, event.fraction)), text=progress_ja(event))

    try:
        report = build_index(config, full=full, progress=progress, embedder_factory=lambda: get_embedder(config))
    except KnowledgeError as e:
        flash(FlashKind.ERROR, _FAILED.get(e.kind, "再構築に失敗しました：{error}").format(error=e), channel)
        return False
    except Exception as e:  # noqa: BLE001 — shown to the user instead of a bare traceback
        flash(FlashKind.ERROR, f"再構築に失敗しました：{type(e).__name__}: {e}", channel)
        return False
    finally:
        lock.release()
    flash(FlashKind.SUCCESS, report_ja(report), channel)
    return True
