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

from dataclasses import replace
from typing import Callable, Iterable

from indexer.glossary import Glossary

from .capabilities import Capabilities, Capability, Fact, Kind, Support
from .model import Question
from .names import giveaway, names_any
from .options import evidence_ref, join_reasons, qid, quote, rng_for, service_option, take

QUESTION = "この要件を満たすサービスまたはツールとして最も適切なものはどれですか？"
QUESTION_PAIR = "これら2つの要件を満たすために組み合わせるサービスまたはツールとして、最も適切なものを2つ選んでください。"


def askable(glossary: Glossary, caps: Capabilities) -> list[tuple[Capability, Fact]]:
    """Capabilities a scenario may ask, with their one key: a need and a constraint, exactly one
    service that has it (another one, offered or not, would fit as well), and that service a
    glossary term whose bullet the explanation can quote."""
    out = []
    for cap in caps.capabilities:
        having = cap.having()
        if not (cap.need and cap.constraint) or len(having) != 1:
            continue
        key = having[0]
        term = glossary.term(key.service)
        if term is not None and key.evidence is not None and caps.kind(term.name) in (Kind.SERVICE, Kind.TOOL):
            out.append((cap, key))
    return out


def scenario_questions(glossary: Glossary, caps: Capabilities, names_of: Callable[[str], tuple[str, ...]],
                       n_options: int = 4) -> Iterable[Question]:
    for cap, key in askable(glossary, caps):
        for i, context in enumerate(caps.contexts.get(cap.area) or ("",)):
            q = _one(cap, key, context, i, caps, names_of, n_options)
            if q is not None:
                yield q


def pair_questions(glossary: Glossary, caps: Capabilities, names_of: Callable[[str], tuple[str, ...]]) -> Iterable[Question]:
    """シナリオ→2サービス: two needs of one team that two different services answer (「S3 到着で起動」
    → EventBridge, 「前処理から登録までを再現可能に」 → Pipelines), as real items combine them. Wrong
    options are services the table lists, for both needs, as only partly able or unable."""
    found = askable(glossary, caps)
    for i, (a, ka) in enumerate(found):
        for b, kb in found[i + 1 :]:
            if a.area != b.area or ka.service == kb.service:
                continue
            q = _pair(a, ka, b, kb, caps, names_of)
            if q is not None:
                yield q


def _pair(a: Capability, ka: Fact, b: Capability, kb: Fact, caps: Capabilities, names_of) -> Question | None:
    id_ = qid("scenario_pair", [a.id, b.id])
    rng = rng_for(id_)
    contexts = caps.contexts.get(a.area) or ("",)
    stem = f"{contexts[rng.randrange(len(contexts))]}{a.need}{a.constraint}また、{b.need}{b.constraint}{QUESTION_PAIR}"
    if any(names_any(stem, names_of(k.service)) or k.evidence.label in stem for k in (ka, kb)):
        return None
    rows = {f.service: (f, b.support_of(f.service)) for f in a.not_having()}
    both = [(fa, fb) for fa, fb in rows.values() if fb is not None and fb.support is not Support.HAS
            and not names_any(stem, names_of(fa.service))]
    partly = [x for x in both if Support.PARTLY in (x[0].support, x[1].support)]
    wrong = take([partly, [x for x in both if x not in partly]], 3, rng)
    if not wrong or giveaway(stem, (ka.service, kb.service), [fa.service for fa, _ in wrong]):
        return None  # a word of the stem would tell a key from the offered wrong options
    options = [service_option(ka, caps, correct=True), service_option(kb, caps, correct=True)]
    for fa, fb in wrong:
        o = service_option(fa, caps, correct=False)
        options.append(replace(o, why=f"誤り: {fa.service} は{join_reasons(fa.why, fb.why)}。"))
    refs = (evidence_ref(ka, ka.service), evidence_ref(kb, kb.service))
    expl = "\n".join([f"正解は「{ka.service}」と「{kb.service}」です。",
                      f"・1つ目の要件: {quote(ka.service, ka.evidence_section, ka.evidence)}",
                      f"・2つ目の要件: {quote(kb.service, kb.evidence_section, kb.evidence)}"]
                     + [f"・{fa.service}（誤り）: {join_reasons(fa.why, fb.why)}。" for fa, fb in wrong])
    topic = (ka, kb)[rng.randrange(2)].service  # either key: the pair counts for both services in turn
    return Question(id=id_, type="scenario_pair", topic=topic, stem=stem, options=tuple(options),
                    explanation=expl, source=refs[0], n_correct=2, sources=refs)


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
    if not wrong or giveaway(stem, (key.service,), [f.service for f in wrong]):
        return None  # a word of the stem would tell the key from the offered wrong options
    options = [service_option(key, caps, correct=True)] + [service_option(f, caps, correct=False) for f in wrong]
    expl = (f"正解は「{key.service}」です。\n根拠: {quote(key.service, key.evidence_section, key.evidence)}\n"
            + "\n".join(f"・{f.service}（誤り）: {f.why}。" for f in wrong))
    ref = evidence_ref(key, key.service)
    return Question(id=id_, type="scenario_service", topic=key.service, stem=stem, options=tuple(options),
                    explanation=expl, source=ref, n_correct=1, sources=(ref,))
