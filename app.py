"""AWS ML 用語集 学習アシスタント — the Streamlit UI.

Three pages in the top navigation (質問 / クイズ / 用語集) and a sidebar with the index status
and the rebuild button. The UI only calls the small public functions of ``indexer``, ``qa`` and
``quiz``; a missing index, a broken glossary or a missing model is shown as a message (with the
glossary's ``file:line``), never as a traceback.

Caching (one server process, every browser session):

* the embedding model is cached on its own (``get_embedder``), keyed by the model settings;
* the glossary + index + answerer are cached by the index's *build id* (a hash of its manifest),
  so a rebuild — from the sidebar or from ``python -m indexer`` — is picked up on the next rerun,
  and it never reloads the model.

Safety: glossary and user text are never rendered as HTML. Text shown through Markdown goes
through ``md_escape`` (every ASCII punctuation character backslash-escaped) and highlights are
added *after* escaping with Streamlit's ``:orange-background[...]`` directive.

Run: ``.venv/bin/streamlit run app.py`` (``$STUDY_CONFIG`` may name another config.yaml).
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

import streamlit as st

from indexer.config import Config, load_config
from indexer.embedder import Embedder, ModelMissingError
from indexer.glossary import INTRO, Glossary, GlossaryError, load_glossary
from indexer.loader import Resources, load_resources
from indexer.store import IndexCorruptError, IndexMissingError, build_index, read_manifest
from qa import build_answerer
from quiz.generate import QUESTION_TYPES, QuizError, build_quiz, generator_for
from quiz.history import History, HistoryError
from quiz.scoring import score

APP_TITLE = "AWS ML 用語学習アシスタント"
T = TypeVar("T")
# Material icons ship with Streamlit (no emoji font needed on the server or in the browser).
USER_AVATAR = ":material/person:"
BOT_AVATAR = ":material/auto_stories:"
PIN = ":material/location_on:"
MARK_RIGHT = ":green[:material/check_circle: **正解**]"
MARK_WRONG = ":red[:material/cancel: **不正解**]"
MARK_SKIPPED = ":gray[:material/radio_button_unchecked: **未回答**]"
EXAMPLE_QUESTIONS = (
    "過学習とは何ですか？",
    "過学習を防ぐ方法は？",
    "SageMaker Debugger の主な機能は？",
    "EventBridge は何に使いますか？",
)

# --------------------------------------------------------------------------------------------
# Text helpers: escaping and highlighting (pure functions, unit-tested in tests/test_app_text.py)
# --------------------------------------------------------------------------------------------

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all of them
# also disarms Streamlit's extensions (:color[..], :material/..:, $LaTeX$, "->" arrows).
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def md_escape(text: str) -> str:
    """Text → Markdown that shows exactly that text (no HTML, no formatting, line breaks kept)."""
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_MD_PUNCT.sub(r"\\\1", line.strip()) for line in text.split("\n")]
    # A trailing backslash is a hard break in Markdown; two spaces are too, and are invisible.
    return "  \n".join(lines)


def match_spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where ``words`` occur in ``text`` (case- and width-insensitive), merged, in order."""
    folded = _fold(text)
    spans: list[tuple[int, int]] = []
    for word in {w for w in words if w and w.strip()}:
        needle = _fold(word.strip())
        if not needle:
            continue
        start = folded.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = folded.find(needle, start + len(needle))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _fold(text: str) -> str:
    """Per-character NFKC + lower case that keeps string positions (1 char → 1 char)."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded if len(folded) == 1 else ch.lower() if len(ch.lower()) == 1 else ch)
    return "".join(out)


def md_highlight(text: str, words: Iterable[str], color: str = "orange") -> str:
    """Escaped Markdown of ``text`` with the matched ``words`` on a coloured background."""
    text = unicodedata.normalize("NFC", str(text))
    pieces: list[str] = []
    pos = 0
    for s, e in match_spans(text, words):
        pieces.append(md_escape(text[pos:s]))
        pieces.append(f":{color}-background[{md_escape(text[s:e])}]")
        pos = e
    pieces.append(md_escape(text[pos:]))
    return "".join(pieces)


def md_quote(markdown: str) -> str:
    """Already-escaped Markdown → a block quote (every line prefixed)."""
    return "\n".join("> " + line for line in markdown.split("\n"))


def format_seconds(seconds: float) -> str:
    return f"{seconds:.2f} 秒" if seconds < 10 else f"{seconds:.1f} 秒"


def format_built_at(built_at: str | None, now: datetime | None = None) -> str:
    """ISO time from the manifest → local time with an "… 前" hint."""
    if not built_at:
        return "不明"
    try:
        when = datetime.fromisoformat(built_at)
    except ValueError:
        return built_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    local = when.astimezone()
    now = now or datetime.now(timezone.utc)
    ago = max(0, int((now - when).total_seconds()))
    if ago < 60:
        rel = "たった今"
    elif ago < 3600:
        rel = f"{ago // 60} 分前"
    elif ago < 86400:
        rel = f"{ago // 3600} 時間前"
    else:
        rel = f"{ago // 86400} 日前"
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}（{rel}）".replace(" （", "（")


_PROGRESS_JA = (
    (re.compile(r"^reading the glossary"), "用語集を読み込んでいます…"),
    (re.compile(r"^index up to date"), "インデックスは最新です"),
    (re.compile(r"^loading the model"), "埋め込みモデルを準備しています…"),
    (re.compile(r"^embedding (\d+)/(\d+)"), r"埋め込みを計算しています… \1/\2"),
    (re.compile(r"^writing the index"), "インデックスを書き込んでいます…"),
    (re.compile(r"^done"), "完了しました"),
)


def progress_ja(message: str) -> str:
    """The indexer's progress messages in Japanese (unknown ones are shown as they are)."""
    for pattern, ja in _PROGRESS_JA:
        m = pattern.match(message)
        if m:
            return m.expand(ja)
    return message


def report_ja(report: Any) -> str:
    """A BuildReport as one Japanese sentence."""
    if getattr(report, "up_to_date", False):
        return f"インデックスは最新でした（{report.chunk_count} チャンク、更新なし）。"
    return (
        f"インデックスを更新しました：{report.chunk_count} チャンク"
        f"（追加 {report.added}・変更 {report.changed}・削除 {report.removed}・再利用 {report.reused}、"
        f"埋め込み {report.embedded} 件、{format_seconds(report.seconds)}）。"
    )


def staleness_ja(staleness: Any) -> str:
    if getattr(staleness, "missing", False):
        return "インデックスがまだありません。"
    parts = []
    if getattr(staleness, "model_changed", False):
        parts.append("設定のモデルがインデックスと異なります")
    for label, files in (("変更", staleness.changed), ("追加", staleness.added), ("削除", staleness.removed)):
        if files:
            parts.append(f"{label}: {', '.join(files)}")
    return "、".join(parts) if parts else "最新です"


# --------------------------------------------------------------------------------------------
# Loading: model cached on its own, resources keyed by the index build id
# --------------------------------------------------------------------------------------------


@dataclass
class LoadStats:
    """Process-wide counters, shown in the sidebar's 技術情報 (and read by the browser test)."""

    model_loads: int = 0
    model_seconds: float = 0.0
    resource_loads: int = 0
    resource_seconds: float = 0.0
    answerer_builds: int = 0
    answerer_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, kind: str, make: Callable[[], T]) -> T:
        """``make()``, counted and timed under ``kind`` (model / resource / answerer)."""
        started = time.perf_counter()
        value = make()
        count = {"model": "model_loads", "resource": "resource_loads", "answerer": "answerer_builds"}[kind]
        with self.lock:
            setattr(self, count, getattr(self, count) + 1)
            setattr(self, f"{kind}_seconds", getattr(self, f"{kind}_seconds") + time.perf_counter() - started)
        return value


@st.cache_resource(show_spinner=False)
def load_stats() -> LoadStats:
    return LoadStats()


@st.cache_resource(show_spinner=False)
def rebuild_lock() -> threading.Lock:
    """One rebuild at a time per server process, whichever session asks."""
    return threading.Lock()


def model_key(config: Config) -> str:
    return json.dumps([config.model_path, config.model.query_prompt, config.model.passage_prompt,
                       config.model.batch_size])


@st.cache_resource(show_spinner="埋め込みモデルを読み込んでいます…（サーバー起動後の初回のみ）", max_entries=2)
def get_embedder(key: str, _config: Config) -> Embedder:
    return load_stats().timed("model", lambda: Embedder(_config))


def build_id(manifest: dict) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@st.cache_resource(show_spinner="インデックスを読み込んでいます…", max_entries=3)
def get_resources(config_key: str, index_build: str, _config: Config, _embedder: Embedder) -> Resources:
    """Keyed by the build id: a rebuilt index is a new entry, the model is passed in, not reloaded."""
    return load_stats().timed("resource", lambda: load_resources(_config, embedder=_embedder))


@st.cache_resource(show_spinner="回答エンジンを準備しています…", max_entries=3)
def get_answerer(config_key: str, index_build: str, _resources: Resources) -> Any:
    return load_stats().timed("answerer", lambda: build_answerer(_resources))


@dataclass
class Problem:
    kind: str  # config | glossary | index_missing | index_corrupt | model_missing | unexpected
    message: str
    error: BaseException | None = None


@dataclass
class AppContext:
    config: Config | None
    config_key: str = ""
    glossary: Glossary | None = None
    resources: Resources | None = None
    build: str | None = None
    manifest: dict | None = None
    problem: Problem | None = None


def load_context() -> AppContext:
    """Everything a page needs, or the reason it cannot have it (never raises for known errors)."""
    try:
        config = load_config()
    except (OSError, ValueError, TypeError) as e:
        return AppContext(None, problem=Problem("config", str(e), e))
    ctx = AppContext(config, config_key=repr(config))
    manifest = read_manifest(config.index_dir)
    try:
        if manifest is None:
            # No index yet: the glossary page still works, and a broken file is reported first.
            ctx.glossary = load_glossary(config.knowledge_dir)
            ctx.problem = Problem("index_missing", "インデックスがまだ作成されていません。")
            return ctx
        ctx.manifest = manifest
        ctx.build = build_id(manifest)
        embedder = get_embedder(model_key(config), config)
        ctx.resources = get_resources(ctx.config_key, ctx.build, config, embedder)
        ctx.glossary = ctx.resources.glossary
    except GlossaryError as e:
        ctx.problem = Problem("glossary", str(e), e)
    except IndexMissingError as e:
        ctx.problem = Problem("index_missing", str(e), e)
    except IndexCorruptError as e:
        ctx.problem = Problem("index_corrupt", str(e), e)
    except ModelMissingError as e:
        ctx.problem = Problem("model_missing", str(e), e)
    except Exception as e:  # noqa: BLE001 — shown to the user instead of a bare traceback
        ctx.problem = Problem("unexpected", f"{type(e).__name__}: {e}", e)
    return ctx


# --------------------------------------------------------------------------------------------
# Rebuild
# --------------------------------------------------------------------------------------------


def run_rebuild(config: Config, full: bool = False, where: Any = None, channel: str = "sidebar") -> bool:
    """Incremental (or full) rebuild with a progress bar; the result is flashed after the rerun
    (in the sidebar, or on the page for the welcome screen's button)."""
    where = where or st
    lock = rebuild_lock()
    if not lock.acquire(blocking=False):
        where.warning("別のセッションで再構築中です。少し待ってからもう一度お試しください。")
        return False
    bar = where.progress(0.0, text="再構築を開始します…")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(1.0, max(0.0, float(fraction))), text=progress_ja(message))

    try:
        report = build_index(config, full=full, progress=progress,
                             embedder_factory=lambda: get_embedder(model_key(config), config))
    except GlossaryError as e:
        flash("error", f"用語集に誤りがあるため再構築できませんでした（以前のインデックスを使い続けます）。\n{e}", channel)
        return False
    except ModelMissingError as e:
        flash("error", f"埋め込みモデルが見つかりません：{e}", channel)
        return False
    except Exception as e:  # noqa: BLE001
        flash("error", f"再構築に失敗しました：{type(e).__name__}: {e}", channel)
        return False
    finally:
        lock.release()
    flash("success", report_ja(report), channel)
    return True


def flash(kind: str, message: str, channel: str = "page") -> None:
    """A message shown once, after the rerun that follows an action."""
    st.session_state[f"flash_{channel}"] = (kind, message)


def show_flash(where: Any = None, channel: str = "page") -> None:
    item = st.session_state.pop(f"flash_{channel}", None)
    if not item:
        return
    kind, message = item
    where = where or st
    box = {"success": where.success, "error": where.error, "warning": where.warning}.get(kind, where.info)
    box(md_escape(message), icon=":material/check_circle:" if kind == "success" else ":material/warning:")


# --------------------------------------------------------------------------------------------
# Problem screens
# --------------------------------------------------------------------------------------------


def render_problem(ctx: AppContext) -> None:
    problem = ctx.problem
    assert problem is not None
    if problem.kind == "glossary":
        err = problem.error
        where = f"{err.file} の {err.line} 行目" if isinstance(err, GlossaryError) and err.line else "用語集"
        st.error(f"**用語集の Markdown を読み込めませんでした**（{md_escape(where)}）", icon=":material/edit_note:")
        st.code(problem.message, language=None)
        st.markdown(
            "ファイルを修正して保存し、下のボタンで読み込み直してください。"
            "用語は `## 用語名`、節は `### 見出し`、項目は `- **ラベル**: 説明` の形で書きます。"
        )
        if st.button("読み込み直す", key="retry-glossary", icon=":material/refresh:"):
            st.rerun()
    elif problem.kind == "index_missing":
        st.info("**ようこそ！** 質問やクイズを始める前に、用語集の検索インデックスを作成します（初回は数十秒かかります）。", icon=":material/waving_hand:")
        cols = st.columns([1, 1, 2])
        if cols[0].button("インデックスを作成", type="primary", key="build-index", icon=":material/build:", width="stretch"):
            if run_rebuild(ctx.config, channel="page"):
                st.rerun()
        if ctx.glossary is not None and PAGES.get("glossary") and cols[1].button(
                "用語集を見る", key="go-glossary", icon=":material/menu_book:", width="stretch"):
            st.switch_page(PAGES["glossary"])
        st.caption("コマンドラインでは `python -m indexer` でも作成できます。")
    elif problem.kind == "index_corrupt":
        st.warning("検索インデックスが壊れているようです。作り直すと直ります。", icon=":material/report:")
        st.code(problem.message, language=None)
        if st.button("インデックスを作り直す", type="primary", key="rebuild-full", icon=":material/build:"):
            if run_rebuild(ctx.config, full=True, channel="page"):
                st.rerun()
    elif problem.kind == "model_missing":
        st.error("埋め込みモデルが見つかりません。セットアップ（`make model`）を実行してから再読み込みしてください。", icon=":material/inventory_2:")
        st.code(problem.message, language=None)
        if st.button("読み込み直す", key="retry-model", icon=":material/refresh:"):
            st.rerun()
    elif problem.kind == "config":
        st.error("設定ファイル（config.yaml）を読み込めませんでした。", icon=":material/settings:")
        st.code(problem.message, language=None)
    else:
        st.error("予期しないエラーが発生しました。サーバーのログも確認してください。", icon=":material/error:")
        st.code(problem.message, language=None)
        if st.button("読み込み直す", key="retry-unexpected", icon=":material/refresh:"):
            st.rerun()


# --------------------------------------------------------------------------------------------
# Sidebar: index status and rebuild
# --------------------------------------------------------------------------------------------


def render_sidebar(ctx: AppContext) -> None:
    sb = st.sidebar
    sb.divider()
    sb.markdown("**インデックスの状態**")
    if ctx.config is None:
        sb.caption("設定を読み込めませんでした。")
        return
    manifest = ctx.manifest
    if ctx.resources is not None:
        manifest = ctx.resources.index.manifest
        staleness = ctx.resources.check()
    else:
        staleness = None
    if manifest:
        model = Path(str(manifest.get("model", "?"))).name
        sb.caption(
            f"モデル: {md_escape(model)}  \n"
            f"チャンク数: {manifest.get('chunk_count', '?')}  \n"
            f"作成: {md_escape(format_built_at(manifest.get('built_at')))}"
        )
    else:
        sb.caption("インデックスはまだありません。")
    if staleness is not None:
        if staleness.stale:
            sb.warning(f"用語集が変更されています：{md_escape(staleness_ja(staleness))}", icon=":material/edit_note:")
            # An editor sees a syntax error right away, before pressing 再構築.
            try:
                load_glossary(ctx.config.knowledge_dir)
            except GlossaryError as e:
                sb.error(f"用語集の誤り：{md_escape(str(e))}", icon=":material/edit_note:")
        else:
            sb.success("用語集と同期しています", icon=":material/check_circle:")
    if ctx.problem is None or ctx.problem.kind in ("glossary", "index_corrupt", "index_missing"):
        missing = manifest is None
        stale = missing or bool(staleness and staleness.stale)
        full = False if missing else sb.toggle("完全に作り直す", key="rebuild_full", value=False,
                                          help="埋め込みキャッシュを使わずに、すべての節を埋め込み直します。")
        if sb.button("インデックスを作成" if missing else "再構築", key="rebuild", icon=":material/refresh:",
                     type="primary" if stale else "secondary", width="stretch",
                     help="変更された節だけを埋め込み直し、インデックスを更新します。"):
            if run_rebuild(ctx.config, full=full, where=sb):
                st.rerun()
    show_flash(sb, channel="sidebar")
    stats = load_stats()
    with sb.expander("技術情報", expanded=False):
        st.caption(
            f"モデル読み込み: {stats.model_loads} 回（{format_seconds(stats.model_seconds)}）  \n"
            f"インデックス読み込み: {stats.resource_loads} 回（{format_seconds(stats.resource_seconds)}）  \n"
            f"回答エンジン準備: {stats.answerer_builds} 回（{format_seconds(stats.answerer_seconds)}）  \n"
            f"ビルド ID: {ctx.build or '—'}"
        )


# --------------------------------------------------------------------------------------------
# 質問 (chat)
# --------------------------------------------------------------------------------------------

# Per script run (Streamlit executes the script in a fresh module each run): the pages and the
# loaded context, shared by the page functions below.
PAGES: dict[str, Any] = {}
CTX: dict[str, Any] = {}


def ask_pending(question: str) -> None:
    st.session_state["pending_question"] = question


def open_in_glossary(term: str, section: str | None, line: int | None = None) -> None:
    """Switch to the glossary page with this term selected and the section (and entry) marked."""
    st.session_state["gl_focus"] = (term, section, line)
    st.switch_page(PAGES["glossary"], query_params={"term": term, **({"section": section} if section else {})})


def answer_markdown(answer: Any) -> str:
    """The composed answer, escaped, with its ``term › section:`` lines in bold."""
    titles = {f"{c.term} › {c.section}:" for c in answer.citations or []}
    lines = []
    for line in str(answer.answer).split("\n"):
        lines.append(f"**{md_escape(line)}**" if line.strip() in titles else md_escape(line))
    return "  \n".join(lines)


def render_answer(msg: dict) -> None:
    answer = msg["answer"]
    mid = msg["id"]
    if getattr(answer, "notice", None):
        st.caption(md_escape(answer.notice))
    if answer.found:
        st.markdown(answer_markdown(answer))
        citations = list(answer.citations or [])
        if citations:
            st.caption(f"出典（{len(citations)} 件）")
        for i, c in enumerate(citations, start=1):
            label = f"［{i}］ {c.term} › {c.section}"
            with st.expander(f"{md_escape(label)}　スコア {c.score:.2f}", expanded=(i == 1)):
                st.markdown(md_quote(md_highlight(c.text, getattr(c, "matched", []) or [])))
                cols = st.columns([3, 2], vertical_alignment="center")
                cols[0].caption(f"出典: {md_escape(c.source)}")
                if cols[1].button("用語集で開く", key=f"cite-{mid}-{i}", icon=":material/menu_book:", width="stretch"):
                    open_in_glossary(c.term, c.section, c.line)
    else:
        st.markdown(md_escape(answer.message or answer.answer or "用語集には該当する記述が見つかりませんでした。"))
        suggestions = list(answer.suggestions or [])
        if suggestions:
            st.caption("近い用語について聞く：")
            cols = st.columns(min(len(suggestions), 3))
            for i, term in enumerate(suggestions):
                cols[i % len(cols)].button(md_escape(term), key=f"sugg-{mid}-{i}", on_click=ask_pending,
                                           args=(f"{term}とは何ですか？",), width="stretch")
    st.caption(f":material/timer: {format_seconds(msg['seconds'])}")


def render_message(msg: dict) -> None:
    with st.chat_message(msg["role"], avatar=USER_AVATAR if msg["role"] == "user" else BOT_AVATAR):
        if msg["role"] == "user":
            st.markdown(md_escape(msg["text"]))
        else:
            render_answer(msg)


def page_chat() -> None:
    ctx = CTX["ctx"]
    st.title("質問", anchor=False)
    if ctx.resources is None:
        render_problem(ctx)
        return
    answerer = get_answerer(ctx.config_key, ctx.build, ctx.resources)
    history: list[dict] = st.session_state.setdefault("chat", [])
    prompt = st.chat_input("用語集について質問してください（例：過学習とは？）", key="chat_input")
    question = prompt or st.session_state.pop("pending_question", None)

    if not history and not question:
        st.markdown("AWS の機械学習用語集の内容について質問できます。回答には用語集の引用元が付きます。")
        st.caption("たとえば：")
        cols = st.columns(2)
        for i, q in enumerate(EXAMPLE_QUESTIONS):
            cols[i % 2].button(q, key=f"example-{i}", on_click=ask_pending, args=(q,), width="stretch")
        st.caption("ほかにも：")
        cols = st.columns(2)
        if cols[0].button("用語集を見る", key="go-glossary", icon=":material/menu_book:", width="stretch"):
            st.switch_page(PAGES["glossary"])
        if cols[1].button("クイズに挑戦する", key="go-quiz", icon=":material/quiz:", width="stretch"):
            st.switch_page(PAGES["quiz"])
    else:
        top = st.columns([5, 1])
        top[1].button("会話を消去", key="clear-chat", on_click=lambda: st.session_state.update(chat=[]),
                      icon=":material/delete:", width="stretch")

    for msg in history:
        render_message(msg)
    if question:
        user_msg = {"role": "user", "text": question, "id": len(history)}
        history.append(user_msg)
        render_message(user_msg)
        with st.chat_message("assistant", avatar=BOT_AVATAR):
            with st.spinner("用語集を検索しています…"):
                started = time.perf_counter()
                try:
                    answer = answerer.ask(question)
                except Exception as e:  # noqa: BLE001 — one failed question must not end the session
                    history.pop()
                    st.error(f"回答中にエラーが発生しました：{md_escape(f'{type(e).__name__}: {e}')}",
                             icon=":material/error:")
                    return
                seconds = time.perf_counter() - started
            msg = {"role": "assistant", "answer": answer, "seconds": seconds, "id": len(history)}
            history.append(msg)
            render_answer(msg)  # same keys as when it is redrawn from the history next run


# --------------------------------------------------------------------------------------------
# 用語集 (glossary)
# --------------------------------------------------------------------------------------------


def term_matches(term: Any, query: str) -> bool:
    q = _fold(query.strip())
    if not q:
        return True
    texts = [term.name, term.intro] + [s.heading for s in term.sections]
    texts += [f"{e.label} {e.text}" for s in term.sections for e in s.entries]
    return any(q in _fold(t) for t in texts)


def section_matches(section: Any, query: str) -> bool:
    q = _fold(query.strip())
    return bool(q) and any(q in _fold(t) for t in [section.heading] + [f"{e.label} {e.text}" for e in section.entries])


def entries_markdown(entries: Sequence[Any], words: Sequence[str], focus_line: int | None = None) -> str:
    """Bullets as the Markdown reads (``- **label**: text``), escaped; the cited entry is marked."""
    lines = []
    for e in entries:
        text = md_highlight(e.text, words)
        line = f"**{md_highlight(e.label, words)}**: {text}" if e.label else text
        if focus_line is not None and e.line == focus_line:
            line = f"{PIN} :orange-background[{line}]"
        lines.append(f"- {line}")
    return "\n".join(lines)


def _select_term(name: str) -> None:
    st.session_state["gl_selected"] = name
    st.session_state["gl_section"] = None
    st.session_state["gl_line"] = None
    st.query_params.clear()
    st.query_params["term"] = name


def page_glossary() -> None:
    ctx = CTX["ctx"]
    st.title("用語集", anchor=False)
    glossary = ctx.glossary
    if glossary is None:
        render_problem(ctx)
        return
    names = [t.name for t in glossary.terms]
    focus = st.session_state.pop("gl_focus", None)
    if focus is None and "gl_selected" not in st.session_state and st.query_params.get("term"):
        focus = (st.query_params.get("term"), st.query_params.get("section"), None)  # a shared link
    if focus is None and CTX["previous_page"] != "glossary":
        st.session_state["gl_section"] = st.session_state["gl_line"] = None  # came from the menu: no marker
    if focus and glossary.term(focus[0]) is not None:
        st.session_state["gl_selected"] = glossary.term(focus[0]).name
        st.session_state["gl_section"] = focus[1]
        st.session_state["gl_line"] = focus[2]
        st.session_state["gl_query"] = ""

    query = st.text_input("キーワードで検索", key="gl_query", placeholder="例：正則化、CloudWatch、パイプライン",
                          max_chars=200)
    matching = [t for t in glossary.terms if term_matches(t, query)]
    words = [query.strip()] if query.strip() else []
    if query.strip():
        n_sections = sum(1 for t in matching for s in t.sections if section_matches(s, query))
        st.caption(f"「{md_escape(query.strip())}」に一致：{len(matching)} 用語・{n_sections} 節")
    if not matching:
        st.info("一致する用語はありません。別の言葉で探してみてください。", icon=":material/search_off:")
        return

    selected = st.session_state.get("gl_selected")
    options = [t.name for t in matching]
    if selected not in options:
        selected = options[0]
    left, right = st.columns([1, 3], gap="large")
    with left:
        st.caption(f"用語（{len(options)} / {len(names)}）")
        for name in options:
            st.button(md_escape(name), key=f"term-{name}", on_click=_select_term, args=(name,), width="stretch",
                      type="primary" if name == selected else "tertiary")
    term = glossary.term(selected)
    focused = selected == st.session_state.get("gl_selected")
    focus_section = st.session_state.get("gl_section") if focused else None
    focus_line = st.session_state.get("gl_line") if focused else None
    with right:
        st.subheader(md_escape(term.name), anchor=False)
        st.caption(f"{md_escape(term.file)}:{term.line}")
        if term.intro:
            if focus_section == INTRO:
                with st.container(border=True):
                    st.caption(f"{PIN} 回答で引用された箇所（概要）")
                    st.markdown(md_highlight(term.intro, words))
            else:
                st.markdown(md_highlight(term.intro, words))
        for section in term.sections:
            is_focus = section.heading == focus_section
            expanded = is_focus or (not focus_section and (not words or section_matches(section, query)))
            with st.expander(md_escape(section.heading), expanded=expanded, icon=PIN if is_focus else None):
                if is_focus:
                    st.caption("回答で引用された節")
                st.markdown(entries_markdown(section.entries, words, focus_line if is_focus else None))
                st.caption(f"{md_escape(section.file)}:{section.line}")


# --------------------------------------------------------------------------------------------
# クイズ (quiz)
# --------------------------------------------------------------------------------------------


def open_history(config: Config) -> History | None:
    try:
        return History(config.quiz.history_db)
    except HistoryError as e:
        st.warning(f"成績の記録を開けませんでした：{md_escape(str(e))}", icon=":material/database:")
        return None


def start_quiz(questions: list, mode: str) -> None:
    st.session_state["quiz"] = {
        "uid": hashlib.sha1(f"{time.time_ns()}".encode()).hexdigest()[:8],
        "questions": questions,
        "mode": mode,
        "result": None,
        "started": time.time(),
    }


def end_quiz() -> None:
    st.session_state.pop("quiz", None)


def render_quiz_setup(ctx: AppContext, history: Any) -> None:
    glossary = ctx.resources.glossary
    topics_all = [t.name for t in glossary.terms]
    type_names = QUESTION_TYPES
    with st.form("quiz_setup", border=True):
        st.markdown("**新しいクイズ**")
        c1, c2 = st.columns(2)
        topics = c1.multiselect("トピック（用語）", topics_all, key="quiz_topics", placeholder="すべての用語")
        types = c2.multiselect("問題の形式", list(type_names), key="quiz_types", placeholder="すべての形式",
                               format_func=lambda k: type_names.get(k, k))
        n = st.slider("問題数", min_value=1, max_value=30, value=min(30, max(1, ctx.config.quiz.default_n)),
                      key="quiz_n")
        submitted = st.form_submit_button("クイズを始める", type="primary", icon=":material/play_arrow:")
    if submitted:
        try:
            questions = build_quiz(ctx.resources, int(n), topics=topics or None, types=types or None,
                                       allow_fewer=True)
        except QuizError as e:
            st.warning(f"この条件ではクイズを作れませんでした：{md_escape(str(e))}", icon=":material/help:")
            return
        if len(questions) < n:
            flash("info", f"この条件で作れる問題は {len(questions)} 問でした。")
        start_quiz(questions, "quiz")
        st.rerun()

    # The spaced-repetition review: the questions the scheduler says are due now.
    queue = review_queue(history)
    with st.container(border=True):
        st.markdown("**復習クイズ** — 間違えた問題を、忘れかけた頃にもう一度出題します（FSRS のスケジュール）。")
        if history is None:
            st.caption("成績の記録を利用できないため、復習クイズは使えません。")
        elif not queue:
            st.caption("いま復習する問題はありません。クイズで間違えた問題がここに出てきます。")
        else:
            n_due = sum(1 for item in queue if item.is_due)
            st.caption(f"復習時期の問題 {n_due} 問・まだ正解していない問題 {len(queue) - n_due} 問")
            if st.button(f"復習する（{min(len(queue), REVIEW_SIZE)} 問）", key="start-review", icon=":material/replay:", type="primary"):
                ids = [item.question_id for item in queue[:REVIEW_SIZE]]
                questions = generator_for(ctx.resources).questions(ids, seed=time.time_ns())
                if questions:
                    start_quiz(questions, "review")
                    st.rerun()
                st.info("復習対象の問題は、用語集の変更で出題できなくなりました。", icon=":material/info:")


REVIEW_SIZE = 10


def review_queue(history: Any) -> list:
    if history is None:
        return []
    try:
        return history.review_queue(datetime.now(timezone.utc))
    except HistoryError as e:
        st.warning(f"復習の予定を読み込めませんでした：{md_escape(str(e))}", icon=":material/database:")
        return []


def answer_key(uid: str, qid: str, j: int | None = None) -> str:
    return f"ans-{uid}-{qid}" if j is None else f"ans-{uid}-{qid}-{j}"


def render_quiz_form(quiz: dict, history: Any) -> None:
    uid, questions = quiz["uid"], quiz["questions"]
    title = "復習クイズ" if quiz["mode"] == "review" else "クイズ"
    st.markdown(f"**{title}**（全 {len(questions)} 問）— すべて答えたら「採点する」を押してください。")
    with st.form(f"quiz-{uid}", border=False):
        for i, q in enumerate(questions, start=1):
            with st.container(border=True):
                header = [f"問 {i} / {len(questions)}", QUESTION_TYPES.get(q.type, q.type), q.shown_topic]
                st.caption(" · ".join(md_escape(part) for part in header if part))
                st.markdown(md_escape(q.stem))
                labels = [md_escape(o.text) for o in q.options]
                if q.n_correct == 1:
                    st.radio("答え", list(range(len(q.options))), index=None, key=answer_key(uid, q.id),
                             format_func=lambda j, labels=labels: labels[j], label_visibility="collapsed")
                else:
                    for j, label in enumerate(labels):
                        st.checkbox(label, key=answer_key(uid, q.id, j))
        c1, c2 = st.columns([1, 4])
        submitted = c1.form_submit_button("採点する", type="primary", icon=":material/task_alt:")
    st.button("このクイズをやめる", key=f"quit-{uid}", on_click=end_quiz, type="tertiary")
    if submitted:
        answers: dict[str, set[int]] = {}
        for q in questions:
            if q.n_correct == 1:
                choice = st.session_state.get(answer_key(uid, q.id))
                answers[q.id] = {int(choice)} if choice is not None else set()
            else:
                answers[q.id] = {j for j in range(len(q.options)) if st.session_state.get(answer_key(uid, q.id, j))}
        result = score(questions, answers)
        quiz["result"] = result
        quiz["answers"] = answers
        if history is not None:
            try:
                history.record_attempt(result, mode=quiz["mode"],
                                       started_at=datetime.fromtimestamp(quiz["started"], timezone.utc))
            except HistoryError as e:
                flash("warning", f"成績を記録できませんでした：{e}")
        st.rerun()


def render_quiz_result(quiz: dict) -> None:
    result = quiz["result"]
    c1, c2, c3 = st.columns(3)
    c1.metric("得点", f"{result.n_right} / {result.total}")
    c2.metric("正答率", f"{result.accuracy:.0%}")
    c3.metric("不正解", f"{len(result.wrong)} 問")
    for i, r in enumerate(result.results, start=1):
        q = r.question
        mark = MARK_RIGHT if r.is_correct else (MARK_SKIPPED if not r.answered else MARK_WRONG)
        with st.container(border=True):
            st.markdown(f"**問 {i}：{mark}** · {md_escape(QUESTION_TYPES.get(q.type, q.type))} · {md_escape(q.topic)}")
            st.markdown(md_escape(q.stem))
            lines = []
            for j, o in enumerate(q.options):
                chosen = j in r.chosen
                you = "　← あなたの回答" if chosen else ""
                if o.correct:
                    lines.append(f":green[:material/check: **{md_escape(o.text)}**]{you}")
                elif chosen:
                    lines.append(f":red[:material/close: {md_escape(o.text)}]{you}")
                else:
                    lines.append(f":gray[:material/remove:] {md_escape(o.text)}")
            st.markdown("  \n".join(lines))
            with st.expander("解説", expanded=not r.is_correct):
                st.markdown(md_escape(q.explanation))
                src = q.source
                st.caption(f"出典: {md_escape(src.term)} › {md_escape(src.section)}（{md_escape(src.file)}:{src.line}）")
                wrong = [o for o in q.options if not o.correct and o.why]
                if wrong:
                    st.markdown("**ほかの選択肢が誤りである理由**")
                    st.markdown("\n".join(f"- {md_escape(o.text)} — {md_escape(o.why)}" for o in wrong))
                if st.button("用語集で確認", key=f"quiz-src-{quiz['uid']}-{q.id}", icon=":material/menu_book:"):
                    open_in_glossary(src.term, src.section, src.line)
    c1, c2 = st.columns(2)
    c1.button("新しいクイズ", key=f"new-{quiz['uid']}", on_click=end_quiz, icon=":material/add:", width="stretch", type="primary")
    wrong_qs = [r.question for r in result.wrong]
    if wrong_qs:
        c2.button("間違えた問題をもう一度", key=f"retry-{quiz['uid']}", on_click=start_quiz, args=(wrong_qs, "retry"),
                  icon=":material/replay:", width="stretch")


def render_quiz_stats(history: Any) -> None:
    st.subheader(":material/monitoring: 成績の記録", anchor=False)
    if history is None:
        st.caption("成績の記録を利用できません。")
        return
    import pandas as pd

    try:
        stats = history.topic_stats()
        points = history.accuracy_over_time()
        missed = history.missed_questions()
    except HistoryError as e:
        st.warning(f"成績を読み込めませんでした：{md_escape(str(e))}", icon=":material/database:")
        return
    if not stats:
        st.caption("まだ記録がありません。クイズを解くと、トピック別の正答率と推移がここに表示されます。")
        return
    import altair as alt

    orange = "#ff9900"
    c1, c2 = st.columns(2)
    with c1:
        st.caption("トピック別の正答率（%、これまでの全回答）")
        df = pd.DataFrame([{"トピック": s.topic, "正答率": round(s.accuracy * 100, 1), "正解": s.right,
                            "回答数": s.answered, "未克服": s.open_mistakes,
                            "ラベル": f"{s.accuracy:.0%}（{s.right}/{s.answered}）"} for s in stats.values()])
        base = alt.Chart(df).encode(
            y=alt.Y("トピック:N", sort="-x", title=None, axis=alt.Axis(labelLimit=240)),
            x=alt.X("正答率:Q", scale=alt.Scale(domain=[0, 100]), title=None),
            tooltip=["トピック", "正答率", "正解", "回答数", "未克服"])
        chart = base.mark_bar(color=orange) + base.mark_text(align="left", dx=4, color="#555").encode(text="ラベル:N")
        st.altair_chart(chart.properties(height=max(180, 44 * len(df))), width="stretch")
    with c2:
        st.caption("回ごとの正答率の推移（%）")
        topic = st.selectbox("トピック", ["すべてのトピック", *stats], key="stats_topic", label_visibility="collapsed")
        per_attempt: dict[int, list[int]] = {}
        for p in points:
            if topic in stats and p.topic != topic:
                continue
            right_total = per_attempt.setdefault(p.attempt_id, [0, 0])
            right_total[0] += p.right
            right_total[1] += p.total
        rows = [{"回": n, "正答率": round(100 * r / t, 1), "正解": r, "問題数": t}
                for n, (r, t) in enumerate(per_attempt.values(), start=1) if t]
        line = alt.Chart(pd.DataFrame(rows)).mark_line(color=orange, point=alt.OverlayMarkDef(color=orange, size=60)).encode(
            x=alt.X("回:O", title="回", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("正答率:Q", scale=alt.Scale(domain=[0, 100]), title=None),
            tooltip=["回", "正答率", "正解", "問題数"])
        st.altair_chart(line.properties(height=180), width="stretch")
    if missed:
        with st.expander(f"間違えたことのある問題（{len(missed)} 問）"):
            lines = []
            for m in missed[:20]:
                state = ":green[克服]" if m.last_correct else ":red[要復習]"
                lines.append(f"- {md_escape(m.question.stem.splitlines()[0][:80])} — "
                             f"{md_escape(m.topic)}・誤答 {m.times_wrong}/{m.times_seen} 回・{state}")
            st.markdown("\n".join(lines))


def page_quiz() -> None:
    ctx = CTX["ctx"]
    st.title("クイズ", anchor=False)
    if ctx.resources is None:
        render_problem(ctx)
        return
    history = open_history(ctx.config)
    quiz = st.session_state.get("quiz")
    if quiz is None:
        st.markdown("認定試験スタイルの問題を用語集から出題します。解説には用語集の出典が付きます。")
        render_quiz_setup(ctx, history)
    elif quiz["result"] is None:
        render_quiz_form(quiz, history)
    else:
        render_quiz_result(quiz)
    st.divider()
    render_quiz_stats(history)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title=APP_TITLE, page_icon=":material/school:", layout="wide", initial_sidebar_state="expanded")
    PAGES["chat"] = st.Page(page_chat, title="質問", icon=":material/forum:", url_path="chat", default=True)
    PAGES["quiz"] = st.Page(page_quiz, title="クイズ", icon=":material/quiz:", url_path="quiz")
    PAGES["glossary"] = st.Page(page_glossary, title="用語集", icon=":material/menu_book:", url_path="glossary")
    nav = st.navigation([PAGES["chat"], PAGES["quiz"], PAGES["glossary"]], position="top")
    st.sidebar.markdown("#### :material/school: AWS ML 用語学習")
    st.sidebar.caption("用語集に基づく Q&A と認定試験対策クイズ")
    ctx = CTX["ctx"] = load_context()
    CTX["previous_page"] = st.session_state.get("_page")
    st.session_state["_page"] = nav.url_path or "chat"
    render_sidebar(ctx)
    show_flash()
    if ctx.config is None:
        render_problem(ctx)
        return
    nav.run()


if __name__ == "__main__":
    main()
