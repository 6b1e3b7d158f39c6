"""Masking a term's names in a stem: the substring matcher of ``quiz.names`` against the regular
expression it replaced (case- and width-insensitive, any spacing between characters), on the
project's names and on generated text with full-width twins, mixed case and stray spaces."""
from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.names import MASK, mask


def _char_class(ch: str) -> str:
    forms = {ch, unicodedata.normalize("NFKC", ch)}
    for f in list(forms):
        if "!" <= f <= "~":
            forms.add(chr(ord(f) + 0xFEE0))
    return "[" + "".join(re.escape(f) for f in sorted(forms)) + "]" if len(forms) > 1 else re.escape(ch)


def reference_mask(text: str, names) -> str:
    out = text
    for name in sorted(set(names), key=len, reverse=True):
        chars = [c for c in name if not c.isspace()]
        out = re.compile(r"\s*".join(_char_class(c) for c in chars), re.I).sub(MASK, out)
    while MASK + MASK in out:
        out = out.replace(MASK + MASK, MASK)
    return out


NAMES = ["Amazon SageMaker Debugger", "SageMaker Debugger", "Debugger", "過学習（overfitting）", "過学習",
         "overfitting", "TensorBoard", "Box"]
ALPHABET = "DebugerSagMkrboxOVRFITNGｄｅｂｕｇ 　過学習（）()"


@settings(max_examples=400, deadline=None)
@given(names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=3), text=st.text(alphabet=ALPHABET, max_size=40))
def test_mask_is_the_reference_regexs(names, text):
    assert mask(text, names) == reference_mask(text, names)


def test_mask_on_a_stem():
    text = "Amazon SageMaker Debuggerは… SageMaker  Debugger と ｄｅｂｕｇｇｅｒ と DEBUGGER。"
    names = ["Amazon SageMaker Debugger", "SageMaker Debugger", "Debugger"]
    assert mask(text, names) == reference_mask(text, names) == f"{MASK}は… {MASK} と {MASK} と {MASK}。"
