"""Text normalisation, one module, one name per job, so "the same text" means one thing everywhere.

* ``match_form``     NFKC + lower case: ＳａｇｅＭａｋｅｒ and sagemaker compare equal. What qa
                     indexes and compares.
* ``compact_form``   ``match_form`` without whitespace: 'SageMaker  Debugger' = 'sagemakerdebugger'.
                     For comparing names and labels whose spacing varies.
* ``aligned_form``   ``match_form`` character by character, so position i of the result is
                     position i of the input: for finding spans to highlight in the original text.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")


def match_form(text: str) -> str:
    """NFKC + lower case (may change the length: 'ﾊﾟ' becomes one character)."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=1 << 16)
def compact_form(text: str) -> str:
    """``match_form`` with every whitespace run removed."""
    return _SPACE.sub("", match_form(text))


def aligned_form(text: str) -> str:
    """Per-character NFKC + lower case that keeps string positions (one character → one character;
    a character whose normal form is longer is only lower-cased)."""
    out = []
    for ch in text:
        folded = match_form(ch)
        out.append(folded if len(folded) == 1 else ch.lower() if len(ch.lower()) == 1 else ch)
    return "".join(out)


def contains(text: str, query: str) -> bool:
    """Whether ``query`` occurs in ``text``, ignoring case and full/half width."""
    return aligned_form(query) in aligned_form(text)
