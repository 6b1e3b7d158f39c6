"""Escaping and highlighting: glossary and user text are never rendered as HTML.

Text shown through Markdown goes through ``md_escape`` (every ASCII punctuation character
backslash-escaped) and highlights are added *after* escaping with Streamlit's
``:orange-background[...]`` directive. Pure functions, unit-tested in tests/test_app_text.py.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import Iterable

from indexer.text import aligned_form

# Material icons ship with Streamlit (no emoji font needed on the server or in the browser).
PIN = ":material/location_on:"
MARK_RIGHT = ":green[:material/check_circle: **正解**]"
MARK_WRONG = ":red[:material/cancel: **不正解**]"
MARK_SKIPPED = ":gray[:material/radio_button_unchecked: **未回答**]"

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all of them
# also disarms Streamlit's extensions (:color[..], :material/..:, $LaTeX$, "->" arrows).
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


# What GitHub-flavoured Markdown turns into a link by itself (Streamlit renders with remark-gfm,
# whose autolink step runs on the *decoded* text, so backslash escapes do not stop it): URLs with a
# scheme or "www.", and e-mail addresses. Shown as inline code instead: the full text, not clickable.
# Found from their anchors ("://", "www.", "@") outwards, so the work stays linear in the line.
_LINK_ANCHOR = re.compile(r"://|www\.|@", re.I)
_SCHEME_CHARS = re.compile(r"[A-Za-z0-9+.\-]")
_LOCAL_CHARS = re.compile(r"[\w.+\-]")
_URL_REST = re.compile(r"[^\s`]*")
_DOMAIN = re.compile(r"[\w\-]+(?:\.[\w\-]+)+")


def _link_spans(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _LINK_ANCHOR.finditer(line):
        if spans and m.start() < spans[-1][1]:
            continue  # inside the link found last
        start = m.start()
        if m.group(0) == "@":
            while start > 0 and _LOCAL_CHARS.match(line[start - 1]):
                start -= 1
            domain = _DOMAIN.match(line, m.end())
            if start == m.start() or not domain:
                continue
            end = domain.end()
        else:
            if m.group(0) == "://":
                while start > 0 and _SCHEME_CHARS.match(line[start - 1]):
                    start -= 1
                if start == m.start():
                    continue
            end = _URL_REST.match(line, m.end()).end()
        spans.append((start, end))
    return spans


def _escape_line(line: str) -> str:
    out, pos = [], 0
    for start, end in _link_spans(line):
        out.append(_MD_PUNCT.sub(r"\\\1", line[pos:start]))
        out.append(f"`{line[start:end]}`")  # no backtick inside (a link stops at one)
        pos = end
    out.append(_MD_PUNCT.sub(r"\\\1", line[pos:]))
    return "".join(out)


def md_escape(text: str) -> str:
    """Text → Markdown that shows exactly that text (no HTML, no formatting, no links, line breaks kept)."""
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_escape_line(line.strip()) for line in text.split("\n")]
    # A trailing backslash is a hard break in Markdown; two spaces are too, and are invisible.
    return "  \n".join(lines)


def match_spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where ``words`` occur in ``text`` (case- and width-insensitive), merged, in order."""
    folded = aligned_form(text)
    spans: list[tuple[int, int]] = []
    for word in {w for w in words if w and w.strip()}:
        needle = aligned_form(word.strip())
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


def format_seconds(seconds: float) -> str:
    return f"{seconds:.2f} 秒" if seconds < 10 else f"{seconds:.1f} 秒"


def _ago(seconds: int) -> str:
    if seconds < 60:
        return "たった今"
    if seconds < 3600:
        return f"{seconds // 60} 分前"
    if seconds < 86400:
        return f"{seconds // 3600} 時間前"
    return f"{seconds // 86400} 日前"


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
    rel = _ago(max(0, int((now - when).total_seconds())))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}（{rel}）".replace(" （", "（")
