"""Whatever a user types → a question that is safe to search with, and what to tell them about it.

Two texts come out: ``text`` is the question as asked (control characters stripped, cut to the
configured length) and is only ever echoed back as data; ``search`` additionally has markup
removed, so ``<script>alert(1)</script>`` cannot steer retrieval toward アラート通知.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

_BLOCKS = re.compile(r"<(script|style|iframe|object)\b[^>]*>.*?(</\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"</?[a-zA-Z!][^<>]{0,300}>")
# A link's target first (else "]" alone would match and leave "(http://…)" to be read as words).
_MD = re.compile(r"\]\([^)]*\)|!\[|[*_`#>|~\[\]]+")
# An address is where something is, not what is asked: its words (evil, example, com) are no
# evidence of a topic the glossary lacks.
_URL = re.compile(r"(?:\b(?:https?|ftp|file)://|\bwww\.|\bmailto:)\S+|\S+@\S+\.\S+", re.I)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class CleanQuestion:
    text: str
    search: str
    notice: str | None = None
    truncated: bool = False


def _strip_controls(text: str) -> str:
    """Drop control/format/private-use/unassigned code points; tabs and newlines become spaces.
    Zero-width and bidi controls (Cf) go too: they hide text from a reader but not from a matcher."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\v\f\u2028\u2029\x85":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def clean_question(raw: object, max_chars: int) -> CleanQuestion:
    if raw is None:
        raw = ""
    text = _SPACES.sub(" ", _strip_controls(str(raw))).strip()
    notice = None
    truncated = False
    if max_chars > 0 and len(text) > max_chars:
        notice = f"質問が長すぎるため（{len(text)}文字）、先頭の{max_chars}文字だけで検索しました。"
        text = text[:max_chars].rstrip()
        truncated = True
    search = html.unescape(text)
    search = _BLOCKS.sub(" ", search)
    search = _TAG.sub(" ", search)
    search = _MD.sub(" ", search)
    search = _URL.sub(" ", search)
    search = _SPACES.sub(" ", _strip_controls(search)).strip()
    return CleanQuestion(text, search, notice, truncated)
