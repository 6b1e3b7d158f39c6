"""Question ids, per-question randomness, and options that carry their own evidence.

Every option says where it comes from (a glossary bullet, or a row of capabilities.yaml) and why it
is right or wrong, so the app can explain a wrong choice instead of only saying "wrong".
"""
from __future__ import annotations

import hashlib
import random
from typing import Iterable, Sequence

from indexer.glossary import Entry, Term

from .capabilities import Capabilities, Capability, Fact, WrongAnswer
from .model import Option, SourceRef


def qid(qtype: str, keys: Iterable[str]) -> str:
    """Stable across runs and across edits elsewhere: built from the type and what the question
    rests on (capability ids, term › section › label), never from line numbers."""
    digest = hashlib.sha1("\n".join([qtype, *keys]).encode("utf-8")).hexdigest()[:12]
    return f"{qtype}:{digest}"


def rng_for(*parts: object) -> random.Random:
    seed = int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")
    return random.Random(seed)


def entry_ref(term: str, section: str, entry: Entry) -> SourceRef:
    return SourceRef(term=term, section=section, text=entry.display, file=entry.file, line=entry.line, label=entry.label)


def quote(term: str, section: str, entry: Entry) -> str:
    return f"{term} › {section}（{entry.file}:{entry.line}）「{entry.display}」"


def evidence_ref(fact: Fact, term: str) -> SourceRef:
    return entry_ref(term, fact.evidence_section, fact.evidence)


def claim_option(cap: Capability, fact: Fact, term: str, caps: Capabilities, *, is_answer: bool) -> Option:
    """A statement about ``term`` taken from the table: true when ``fact`` is a `has` row (then the
    reason quotes the glossary), false for a `lacks` row. In an "which is false?" question the false
    statement is the answer, so whether it is the answer is passed separately."""
    if fact.evidence is not None:
        reason = f"正しい記述です。用語集 {quote(term, fact.evidence_section, fact.evidence)}。"
    else:
        reason = f"誤った記述です。{term} は{fact.why}。"
    why = ("正解: " if is_answer else "不正解: ") + reason
    return Option(text=cap.claim, correct=is_answer, term=term, section=f"capabilities › {cap.id}",
                  file=caps.file, line=fact.line, why=why)


def service_option(fact: Fact, caps: Capabilities, *, correct: bool, term: Term | None = None) -> Option:
    """A service's name as an option: the key quotes its glossary bullet, a distractor says why not."""
    if correct:
        e = fact.evidence
        return Option(text=fact.service, correct=True, term=fact.service, section=fact.evidence_section,
                      file=e.file, line=e.line, label=e.label,
                      why=f"正しい: {quote(fact.service, fact.evidence_section, e)}。")
    return Option(text=fact.service, correct=False, term=fact.service, section=f"capabilities › {fact.capability}",
                  file=caps.file, line=fact.line,
                  why=f"誤り: {fact.service} は{fact.why}。")


def role_option(term: str, section: str, entry: Entry, correct: bool, why: str) -> Option:
    return Option(text=entry.text, correct=correct, term=term, section=section, file=entry.file, line=entry.line,
                  label=entry.label, why=f"{why}（{entry.file}:{entry.line}）。")


def wrong_option(term: str, wrong: WrongAnswer, caps: Capabilities, *, is_answer: bool = False) -> Option:
    """A wrong answer from the table; in a "which is not appropriate?" question it is the answer."""
    lead = "正解（適切でない）: " if is_answer else "誤り: "
    return Option(text=wrong.text, correct=is_answer, term=term, section=f"capabilities › {wrong.role}",
                  file=caps.file, line=wrong.line, why=f"{lead}{wrong.why}。")


def join_reasons(first: str, second: str) -> str:
    """Two reasons about one service as one text, without repeating a shared opening clause
    (「記録と比較のためのもので、A」 + 「記録と比較のためのもので、B」 → 「…で、A。また、B」)."""
    if first == second:
        return first
    head = first.split("、")[0]
    if second.startswith(head + "、"):
        second = second[len(head) + 1 :]
    return f"{first}。また、{second}"


def take(groups: Sequence[Sequence], k: int, rng: random.Random) -> list:
    """``k`` items, exhausting earlier (more plausible) groups first, each group in a seeded order."""
    out: list = []
    for group in groups:
        group = list(group)
        rng.shuffle(group)
        out += group[: k - len(out)]
    return out if len(out) == k else []


def _bigrams(text: str) -> frozenset[str]:
    t = "".join(text.split())
    return frozenset(t[i : i + 2] for i in range(len(t) - 1))


def take_alike(groups: Sequence[Sequence], k: int, anchors: Sequence[str], text_of, rng: random.Random) -> list:
    """Like ``take``, but within each group the candidates whose wording is closest (shared
    character pairs) to the right answers come first: an option from a visibly different
    vocabulary is spotted without any knowledge."""
    ref = frozenset().union(*(_bigrams(a) for a in anchors)) if anchors else frozenset()

    def score(x) -> float:
        b = _bigrams(text_of(x))
        return len(b & ref) / max(1, len(b | ref))

    out: list = []
    for group in groups:
        group = list(group)
        rng.shuffle(group)
        group.sort(key=score, reverse=True)
        out += group[: k - len(out)]
    return out if len(out) == k else []


def _alike(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / max(1, len(x | y))


def stands_out(answers: Sequence[str], others: Sequence[str]) -> bool:
    """Would wording alone find the answer? One answer: it is the option least like the rest (the
    odd one out by vocabulary). Two answers: they are more alike to each other than either is to
    any other option. Measured on shared character pairs, so it needs no model."""
    texts = [*answers, *others]
    if len(answers) == 1:
        mean = [sum(_alike(t, u) for j, u in enumerate(texts) if j != i) / (len(texts) - 1) for i, t in enumerate(texts)]
        return mean[0] == min(mean)
    within = _alike(answers[0], answers[1])
    return within > max(_alike(a, o) for a in answers for o in others)
