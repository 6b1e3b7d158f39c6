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
                         names_of: Callable[[str], tuple[str, ...]], n_options: int = 4,
                         at: int | None = None) -> Iterable[Question]:
    """``at``: the term's position in ``terms`` (and row of ``v_intro``), when the caller knows it."""
    if not term.intro:
        return
    names = names_of(term.name)
    stem = f"次の説明の{MASK}に当てはまる用語はどれですか？\n\n{mask(term.intro, names)}"
    if names_any(stem, names):
        return
    me_at = at if at is not None else next(i for i, t in enumerate(terms) if t.name == term.name)
    ranked = _nearest_distractors(me_at, terms, v_intro, near, stem, names_of, n_options - 1)
    if len(ranked) < n_options - 1:
        return
    ref = SourceRef(term=term.name, section=INTRO, text=term.intro, file=term.file, line=term.intro_line)
    options = [Option(text=term.name, correct=True, term=term.name, section=INTRO, file=term.file, line=term.intro_line,
                      why=f"正しい: {term.name} › {INTRO}（{term.file}:{term.intro_line}）の説明です。")]
    for other in ranked:
        first = other.intro_entries[0].text if other.intro_entries else other.name
        options.append(Option(text=other.name, correct=False, term=other.name, section=INTRO, file=other.file,
                              line=other.intro_line, why=f"誤り: {other.name} は「{first}」（{other.file}:{other.intro_line}）。"))
    expl = f"{MASK}に入るのは「{term.name}」です。\n根拠: {term.name} › {INTRO}（{term.file}:{term.intro_line}）\n「{term.intro}」"
    yield Question(id=qid("definition_term", [f"{term.name}›{INTRO}›intro"]), type="definition_term", topic=term.name,
                   stem=stem, options=tuple(options), explanation=expl, source=ref, n_correct=1, sources=(ref,))


def _nearest_distractors(me_at: int, terms: Sequence[Term], v_intro: np.ndarray, near: float, stem: str,
                         names_of: Callable[[str], tuple[str, ...]], wanted: int) -> list[Term]:
    """The ``wanted`` terms whose intros are closest to this one's without saying the same thing
    (cosine under ``near``) and whose names the stem does not contain. One matrix product ranks
    every term; only the nearest few are checked by name, so a bank of T terms costs T products,
    not T² name checks."""
    scores = v_intro @ v_intro[me_at]
    picked: list[Term] = []
    for j in _by_score(scores):
        other = terms[int(j)]
        if int(j) == me_at or other.name == terms[me_at].name or scores[j] >= near:
            continue  # itself, or an intro that says the same: the definition would fit both
        if names_any(stem, names_of(other.name)):
            continue
        picked.append(other)
        if len(picked) == wanted:
            break
    return picked


def _by_score(scores: np.ndarray, first: int = 64) -> Iterable[int]:
    """Indices from the highest score down, sorting only as far as the caller reads: the best
    ``first`` by a partial sort (linear), the rest only if those run out. Sorting all T scores for
    each of T terms was the bank's largest cost at 5,000 terms. Ties keep index order, as a stable
    sort of the whole array would."""
    n = len(scores)
    if n <= first:
        yield from np.argsort(-scores, kind="stable")
        return
    head = np.argpartition(-scores, first - 1)[:first]
    cut = scores[head].min()
    head = np.flatnonzero(scores > cut)  # everything strictly above the cut, in index order …
    ties = np.flatnonzero(scores == cut)
    order = np.concatenate([head[np.argsort(-scores[head], kind="stable")], ties])  # … then the cut's ties
    yield from order
    rest = np.setdiff1d(np.arange(n), order, assume_unique=True)
    yield from rest[np.argsort(-scores[rest], kind="stable")]
