"""定義→用語, the conservative type: the only question asked about a term capabilities.yaml does not
describe yet (a glossary edit that adds a term still yields questions, and none that could teach a
falsehood: the options are term names, the key is the term whose intro is quoted with its name
masked, and a term whose intro says nearly the same thing is never offered)."""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np

from indexer.glossary import INTRO, Term

from .model import Option, Question, SourceRef
from .names import MASK, mask, names_any
from .options import qid


def definition_questions(term: Term, terms: Sequence[Term], v_intro: np.ndarray, near: float,
                         names_of: Callable[[str], tuple[str, ...]], n_options: int = 4) -> Iterable[Question]:
    if not term.intro:
        return
    names = names_of(term.name)
    stem = f"次の説明の{MASK}に当てはまる用語はどれですか？\n\n{mask(term.intro, names)}"
    if names_any(stem, names):
        return
    me = v_intro[terms.index(term)]
    ranked = []
    for j, other in enumerate(terms):
        if other.name == term.name or names_any(stem, names_of(other.name)):
            continue
        score = float(v_intro[j] @ me)
        if score >= near:
            continue  # two intros that say the same: the definition would fit both
        ranked.append((score, other))
    ranked.sort(key=lambda x: -x[0])
    if len(ranked) < n_options - 1:
        return
    ref = SourceRef(term=term.name, section=INTRO, text=term.intro, file=term.file, line=term.intro_line)
    options = [Option(text=term.name, correct=True, term=term.name, section=INTRO, file=term.file, line=term.intro_line,
                      why=f"正しい: {term.name} › {INTRO}（{term.file}:{term.intro_line}）の説明です。")]
    for _, other in ranked[: n_options - 1]:
        first = other.intro_entries[0].text if other.intro_entries else other.name
        options.append(Option(text=other.name, correct=False, term=other.name, section=INTRO, file=other.file,
                              line=other.intro_line, why=f"誤り: {other.name} は「{first}」（{other.file}:{other.intro_line}）。"))
    expl = f"{MASK}に入るのは「{term.name}」です。\n根拠: {term.name} › {INTRO}（{term.file}:{term.intro_line}）\n「{term.intro}」"
    yield Question(id=qid("definition_term", [f"{term.name}›{INTRO}›intro"]), type="definition_term", topic=term.name,
                   stem=stem, options=tuple(options), explanation=expl, source=ref, n_correct=1, sources=(ref,))
