"""Names, masks and section kinds: the text rules the generator and the checker both rely on.

A stem that says "Debugger" gives away "Amazon SageMaker Debugger", so a term's aliases include its
trailing word groups ("SageMaker Debugger", "Debugger") and both halves of "過学習（overfitting）".
Leading groups alone ("Amazon", "SageMaker") are shared by several terms and are not aliases.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable

from indexer.glossary import Term
from indexer.text import compact_form

MASK = "（　　）"

# Words that on their own name a vendor or platform, never one term.
_GENERIC = {"amazon", "aws", "sagemaker", "amazon sagemaker", "aws sagemaker"}

_SERVICE_LABEL = re.compile(r"^(Amazon|AWS)\s+\S")


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


def _char_class(ch: str) -> str:
    """A character and its full-width/half-width twin, so masking survives width differences."""
    forms = {ch, unicodedata.normalize("NFKC", ch)}
    for f in list(forms):
        if "!" <= f <= "~":
            forms.add(chr(ord(f) + 0xFEE0))
    return "[" + "".join(re.escape(f) for f in sorted(forms)) + "]" if len(forms) > 1 else re.escape(ch)


def name_pattern(name: str) -> re.Pattern:
    """Case- and width-insensitive, any spacing between characters ('SageMaker  Debugger')."""
    chars = [c for c in name if not c.isspace()]
    return re.compile(r"\s*".join(_char_class(c) for c in chars), re.I)


def mask(text: str, names: Iterable[str]) -> str:
    """Replace every alias (longest first) by a blank."""
    out = text
    for name in sorted(set(names), key=len, reverse=True):
        out = name_pattern(name).sub(MASK, out)
    # "（　　）（　　）" can appear when two aliases touch; one blank is enough.
    while MASK + MASK in out:
        out = out.replace(MASK + MASK, MASK)
    return out


def is_service_label(label: str) -> bool:
    """'Amazon SageMaker Clarify', 'AWS Step Functions': bullet labels that name an AWS service,
    not 'Amazon SageMaker Experimentsとの統合', which names a relationship."""
    return bool(_SERVICE_LABEL.match(label)) and not re.search(r"(統合|連携|対応)$|との", label)


def section_kind(heading: str) -> str:
    """Group headings that hold the same kind of statement, so distractors come from comparable
    sections (a use case is a plausible wrong use case; a definition is not)."""
    h = compact_form(heading)
    if "基本概念" in h or "概要" in h or "定義" in h:
        return "concept"
    if "ユースケース" in h or "活用" in h:
        return "usecase"
    if "利点" in h or "メリット" in h:
        return "benefit"
    if "対策" in h or "防止" in h:
        return "countermeasure"  # AWSでの対策 too: an AWS service that counters overfitting is a countermeasure
    if "検出" in h or "診断" in h:
        return "detection"
    if "統合" in h or "連携" in h or h.startswith("aws"):
        return "integration"
    if any(k in h for k in ("特徴", "機能", "コンポーネント", "タイプ", "ソース", "ステップ")):
        return "feature"
    return "other"


# Spellings of one idea that share no characters. Only what this glossary needs; extend it when an
# edit introduces a new pair (the quality tests show such a pair as a distractor that is true).
SYNONYMS = {
    "クロスバリデーション": "交差検証",
    "視覚化": "可視化",
    "モニタリング": "監視",
    "コラボレーション": "協業",
}


# How a managed service is run and billed: the glossary states these under one service only, but
# nearly every managed AWS service can claim them (SageMaker Pipelines is serverless and scales
# too), so offering one as a *wrong* statement about another service would teach a falsehood.
OPERATING_MODEL_LABELS = ("サーバーレス", "スケーラビリティ", "信頼性", "コスト効率", "運用オーバーヘッド")


def is_operating_model(label: str) -> bool:
    return any(compact_form(word) in compact_form(label) for word in OPERATING_MODEL_LABELS)


@lru_cache(maxsize=1 << 16)
def label_key(text: str) -> str:
    """``compact_form`` with synonyms mapped to one spelling: the key two labels are compared by."""
    out = compact_form(text)
    for variant, canonical in SYNONYMS.items():
        out = out.replace(compact_form(variant), compact_form(canonical))
    return out


@lru_cache(maxsize=1 << 16)
def labels_overlap(a: str, b: str, min_common: int = 4) -> bool:
    """Two labels that name the same idea: equal after NFKC, one inside the other, or sharing a
    run of ``min_common`` characters ('リアルタイムモニタリング' / 'リアルタイム更新',
    'ハイパーパラメータ最適化' / 'ハイパーパラメータ調整')."""
    na, nb = label_key(a), label_key(b)
    if not na or not nb:
        return False
    if na == nb or (min(len(na), len(nb)) >= 2 and (na in nb or nb in na)):
        return True
    return not _grams(na, min_common).isdisjoint(_grams(nb, min_common))


def shared_runs(a: str, b: str, n: int = 3) -> frozenset[str]:
    """The n-character runs two labels share, after folding."""
    return _grams(label_key(a), n) & _grams(label_key(b), n)


@lru_cache(maxsize=1 << 14)
def _grams(text: str, n: int) -> frozenset[str]:
    """Character n-grams: two strings share a run of n characters iff their n-gram sets meet."""
    return frozenset(text[i : i + n] for i in range(len(text) - n + 1))
