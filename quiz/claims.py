"""What a service can and cannot do: 正しい記述, 2つ選択 and 誤っているもの about one service.

The right statements are the service's `has` rows of capabilities.yaml that quote a glossary bullet;
the wrong ones are its `lacks` rows - what a neighbour does (「ハイパーパラメータの最適な組み合わせを
自動で探索」 is automatic model tuning, not Debugger) - from the service's own area first, then its
neighbour areas, never from a far one: an odd option is then not spotted by its vocabulary. `partly` rows are never used: half-true is neither answer.
"""
from __future__ import annotations

from typing import Iterable

from indexer.glossary import Term

from .capabilities import Capabilities, Kind, Support
from .model import Question
from itertools import combinations

from .options import claim_option, evidence_ref, qid, rng_for, stands_out, take_alike


def claim_questions(term: Term, caps: Capabilities, n_options: int = 4) -> Iterable[Question]:
    if caps.kind(term.name) not in (Kind.SERVICE, Kind.TOOL):
        return
    rights = [(c, f) for c, f in caps.facts_of(term.name, Support.HAS) if f.evidence is not None]
    lacks = caps.facts_of(term.name, Support.LACKS)
    area = caps.area(term.name)
    near = caps.neighbour_areas.get(area, ())
    groups = [[x for x in lacks if x[0].area == area], [x for x in lacks if x[0].area in near]]
    context = (caps.contexts.get(area) or ("",))[0]
    name = term.name

    def make(qtype: str, right: list, n_wrong: int, stem: str) -> Question | None:
        id_ = qid(qtype, [name, *(c.id for c, _ in right)])
        ranked = take_alike(groups, sum(map(len, groups)), [c.claim for c, _ in right], lambda x: x[0].claim, rng_for(id_))
        wrong = next((list(w) for w in combinations(ranked, n_wrong) if not _giveaway(qtype, right, w)), None)
        if not wrong:
            return None  # every choice of wrong options would let the wording give the answer away
        refs = tuple(evidence_ref(f, name) for _, f in right)
        false_is_answer = qtype == "not_statement"  # the one false statement is the answer
        options = [claim_option(c, f, name, caps, is_answer=not false_is_answer) for c, f in right]
        options += [claim_option(c, f, name, caps, is_answer=false_is_answer) for c, f in wrong]
        expl = "\n".join([f"{name} について、根拠と理由:"]
                         + [f"・できる: {c.claim} — {r.title}（{r.where}）「{r.text}」" for (c, _), r in zip(right, refs)]
                         + [f"・できない: {c.claim} — {name} は{f.why}。" for c, f in wrong])
        return Question(id=id_, type=qtype, topic=name, stem=stem, options=tuple(options), explanation=expl,
                        source=refs[0], n_correct=2 if qtype == "select_two" else 1, sources=refs)

    lead = f"{context}このチームは {name} の利用を検討しています。"
    for fact in rights:
        q = make("term_statement", [fact], n_options - 1, f"{lead}{name} でできることとして正しいものはどれですか？")
        if q:
            yield q
    for i in range(len(rights) - 1):
        q = make("select_two", rights[i : i + 2], 3, f"{lead}{name} でできることを2つ選んでください。")
        if q:
            yield q
    for i in range(len(rights) - 2):
        q = make("not_statement", rights[i : i + 3], 1,
                 f"{lead}{name} でできることの説明として誤っているものはどれですか？")
        if q:
            yield q


def _giveaway(qtype: str, right: list, wrong) -> bool:
    rights, wrongs = [c.claim for c, _ in right], [c.claim for c, _ in wrong]
    if qtype == "not_statement":  # the one false statement is the answer
        return stands_out(wrongs, rights)
    return stands_out(rights, wrongs)
