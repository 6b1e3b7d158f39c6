"""シナリオ→サービス: a situation, a deciding constraint, and neighbouring services as options.

Built from capabilities.yaml, not from glossary bullets: a bullet such as
「ハイパーパラメータ最適化: パラメータ変更の影響の詳細な分析」 under Debugger makes a scenario whose
real answer is another service. A capability is asked only when exactly one service in the table
has it (a second one, offered or not, would fit as well: the scenario is rejected), the key is a
glossary term whose bullet the explanation quotes, and the wrong options are services the table
says only partly or cannot do it - partly first, because a neighbour that could almost work is the
exam's real test - each with its reason.
"""
from __future__ import annotations

from typing import Callable, Iterable

from indexer.glossary import Glossary

from .capabilities import Capabilities, Capability, Kind, Support
from .model import Question
from .names import names_any
from .options import evidence_ref, qid, quote, rng_for, service_option, take

QUESTION = "この要件を満たすサービスまたはツールとして最も適切なものはどれですか？"


def scenario_questions(glossary: Glossary, caps: Capabilities, names_of: Callable[[str], tuple[str, ...]],
                       n_options: int = 4) -> Iterable[Question]:
    for cap in caps.capabilities:
        if not (cap.need and cap.constraint):
            continue
        having = cap.having()
        if len(having) != 1:
            continue  # another service fits as well: whichever we offered, the item would be arguable
        key = having[0]
        term = glossary.term(key.service)
        if term is None or key.evidence is None or caps.kind(term.name) not in (Kind.SERVICE, Kind.TOOL):
            continue
        for i, context in enumerate(caps.contexts.get(cap.area) or ("",)):
            q = _one(cap, key, context, i, caps, names_of, n_options)
            if q is not None:
                yield q


def _one(cap: Capability, key, context: str, variant: int, caps: Capabilities, names_of, n_options: int) -> Question | None:
    stem = f"{context}{cap.need}{cap.constraint}{QUESTION}"
    if names_any(stem, names_of(key.service)) or key.evidence.label in stem:
        return None  # the stem would name the answer or quote the glossary's label
    id_ = qid("scenario_service", [cap.id, str(variant)])
    rng = rng_for(id_)
    area = caps.area(key.service)
    others = [f for f in cap.not_having() if not names_any(stem, names_of(f.service))]
    partly = [f for f in others if f.support is Support.PARTLY]
    near = [f for f in others if f.support is Support.LACKS and caps.area(f.service) == area]
    far = [f for f in others if f.support is Support.LACKS and caps.area(f.service) != area]
    wrong = take([partly, near, far], n_options - 1, rng)
    if not wrong:
        return None
    options = [service_option(key, caps, correct=True)] + [service_option(f, caps, correct=False) for f in wrong]
    expl = (f"正解は「{key.service}」です。\n根拠: {quote(key.service, key.evidence_section, key.evidence)}\n"
            + "\n".join(f"・{f.service}: {f.why}（{caps.file}:{f.line}）" for f in wrong))
    ref = evidence_ref(key, key.service)
    return Question(id=id_, type="scenario_service", topic=key.service, stem=stem, options=tuple(options),
                    explanation=expl, source=ref, n_correct=1, sources=(ref,))
