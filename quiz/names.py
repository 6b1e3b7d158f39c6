"""Names, masks and section kinds: the text rules the generator and the checker both rely on.

A stem that says "Debugger" gives away "Amazon SageMaker Debugger", so a term's aliases include its
trailing word groups ("SageMaker Debugger", "Debugger") and both halves of "過学習（overfitting）".
Leading groups alone ("Amazon", "SageMaker") are shared by several terms and are not aliases.
"""
from __future__ import annotations

import re
from typing import Iterable

from indexer.glossary import Term
from indexer.text import aligned_form, compact_form

MASK = "（　　）"

# Words that on their own name a vendor or platform, never one term.
_GENERIC = {"amazon", "aws", "sagemaker", "amazon sagemaker", "aws sagemaker"}


def aliases(name: str) -> tuple[str, ...]:
    """Every form of a term's name a learner would recognise, longest first (the order masking needs)."""
    found = [name]
    m = re.match(r"^(.*?)[（(]\s*(.+?)\s*[)）]$", name)
    halves = [m.group(1).strip(), m.group(2).strip()] if m else [name]
    found += halves
    for half in halves:
        words = half.split()
        for i in range(1, len(words)):
            tail = " ".join(words[i:])
            if compact_form(tail) not in _GENERIC and len(compact_form(tail)) >= 3:
                found.append(tail)
    out = list(dict.fromkeys(a for a in found if a and compact_form(a) not in _GENERIC))
    return tuple(sorted(out, key=len, reverse=True))


def term_aliases(term: Term) -> tuple[str, ...]:
    return tuple(sorted(dict.fromkeys(a for n in term.names for a in aliases(n)), key=len, reverse=True))


def names_any(text: str, names: Iterable[str]) -> bool:
    t = compact_form(text)
    return any(compact_form(n) and compact_form(n) in t for n in names)


def _spans(text: str, name: str) -> list[tuple[int, int]]:
    """Where ``name`` occurs in ``text``, ignoring case, full/half width and any spacing between its
    characters ('SageMaker  Debugger', 'ｄｅｂｕｇｇｅｒ'), left to right and non-overlapping.
    Substring search on position-keeping forms, no regex: a bank of thousands of terms masks its
    stems without compiling a pattern per name (compiling cost 3 ms a name, 95 % of the bank)."""
    core = "".join(aligned_form(name).split())
    if not core:
        return []
    folded = aligned_form(text)
    keep = [i for i, ch in enumerate(folded) if not ch.isspace()]
    compact = "".join(folded[i] for i in keep)
    spans, p = [], compact.find(core)
    while p >= 0:
        spans.append((keep[p], keep[p + len(core) - 1] + 1))
        p = compact.find(core, p + len(core))
    return spans


def mask(text: str, names: Iterable[str]) -> str:
    """Replace every alias (longest first) by a blank."""
    out = text
    for name in sorted(set(names), key=len, reverse=True):
        for start, end in reversed(_spans(out, name)):
            out = out[:start] + MASK + out[end:]
    # "（　　）（　　）" can appear when two aliases touch; one blank is enough.
    while MASK + MASK in out:
        out = out.replace(MASK + MASK, MASK)
    return out


# Words that name a vendor only; every option may carry them, so they identify nothing.
_VENDOR = {"amazon", "aws"}
# Katakana readings of English name words a Japanese stem would use (「パイプライン」 names Pipelines).
_READINGS = {
    "pipeline": ("パイプライン",), "debugger": ("デバッガ",), "tensor": ("テンソル",), "board": ("ボード",),
    "event": ("イベント",), "bridge": ("ブリッジ",), "monitor": ("モニタ",), "clarify": ("クラリファイ",),
    "experiment": ("エクスペリメント",), "function": ("ファンクション",), "lambda": ("ラムダ",),
    "sagemaker": ("セージメーカー",), "cloudwatch": ("クラウドウォッチ",),
}


def name_words(name: str) -> frozenset[str]:
    """The words of a product name a stem could give it away by: each ASCII word ('SageMaker',
    'Pipelines'), its CamelCase parts ('Event', 'Bridge'), singular forms, and katakana readings;
    vendor words ('Amazon', 'AWS') are left out, every option may carry them."""
    out: set[str] = set()
    for word in re.findall(r"[A-Za-z][A-Za-z0-9]+", name):
        parts = [word] + re.findall(r"[A-Z][a-z0-9]+", word)
        for p in parts:
            p = p.lower()
            if p in _VENDOR or len(p) < 3:
                continue
            forms = {p, p[:-1]} if p.endswith("s") and len(p) > 4 else {p}
            for f in forms:
                out.add(f)
                out.update(_READINGS.get(f, ()))
    for m in re.findall(r"[\u30a0-\u30ff\u4e00-\u9fff]{2,}", name):
        out.add(m)
    return frozenset(out)


def _word_in(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![A-Za-z]){re.escape(word)}", text, re.I) is not None
    return word in text


def giveaway(stem: str, keys: Iterable[str], others: Iterable[str]) -> str | None:
    """The word of the stem that identifies a key among the offered options, or None: a fragment
    of a key's name (「パイプライン」) or a product-family word ('SageMaker') that no wrong option's
    name carries. A word every option shares decides nothing and is allowed."""
    shared = frozenset().union(*(name_words(o) for o in others)) if others else frozenset()
    for key in keys:
        for word in sorted(name_words(key) - shared, key=len, reverse=True):
            if _word_in(stem, word):
                return word
    return None
