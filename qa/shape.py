"""The shape of a question, before any retrieval: what is asked, among which choices, comparing
what, following up on what.

Learners paste certification items (a scenario of several sentences, a constraint, the question,
then choices A–D), compare two services ("AとBの違い", "A vs B", "どっち"), and follow up in a
chat (「その利点は？」). Each of these needs the question read differently:

* pasted choices are *candidates*, not more question words: their names must not make the
  question look off-topic, and the answer should be the best-supported candidate;
* the question sentence says what kind of answer is wanted (a use case, a cause, a method),
  while the scenario's other sentences only say what it is about;
* a comparison names two or more terms, and the answer needs each side, each cited;
* a follow-up without a named term is about the term the conversation was about.

Everything here is wording only (regular expressions over the NFKC-folded text); the terms come
from the alias table, so nothing depends on a particular question.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# A choice marker: "A." "B)" "(C)" "D:" "Ａ．" (NFKC-folded first), preceded by the start or a space.
_MARKER = re.compile(r"(?:^|(?<=[\s　。?？:：]))[(（]?([A-Ea-e1-5])[.)）:：、．]\s*")
_SENTENCE_END = re.compile(r"(?<=[。．!?！？])|(?<=[a-z0-9)]\.)\s+")
_ASKS = re.compile(r"[?？]|どれ|どの|どちら|どっち|何|なに|なん|どう|どこ|いつ|誰|ですか|ますか|でしょうか|べきか|は$"
                   r"|\b(which|what|how|why|who|where|when|should|can|does|is|are)\b", re.I)
_CONSTRAINT = re.compile(r"最も|もっとも|最小|最低|最少|なるべく|できるだけ|少ない|少なく|抑え|要件|条件|制約|必要があ"
                         r"|\b(least|most|minimi[sz]e|minimal|lowest|fewest|without|cost-effective|must|requirement)", re.I)
_COMPARE = re.compile(r"違い|ちがい|違う|ちがう|差は|差を|差異|比較|比べ|くらべ|どっち|どちら|使い分け|\bvs\.?(?=\s|$)|\bversus\b"
                      r"|difference|differ|compare|comparison|which (one|is better|should i)|better than|or\b.*\bwhich", re.I)
_ANAPHORA = re.compile(r"^(その|それ|これ|あれ|この|あの|そいつ|こいつ|そっち|こっち|じゃあ|では|なら)|(それ|これ|あれ)(は|の|を|って|で|が|に|と)"
                       r"|(その|この|あの)\S|\b(it|its|it's|this|that|they|them|their|those)\b", re.I)
# Only an opener (「じゃあ」「では」), no pronoun: a question naming a term of its own after it
# changes the subject (「じゃあ TensorBoard は？」) rather than pointing back.
_OPENER_ONLY = re.compile(r"^(じゃあ|じゃ|では|なら|(and|so)\b)[、,\s]*", re.I)
# Wording that changes the subject (「ところで」「話変わるけど」"by the way"): what follows is a new
# question, not a follow-up, however short, unless it also points back (「ところで、それの…」).
_NEW_TOPIC = re.compile(r"ところで|話(は|が)?変わ|別件|それとは別に|関係ない(けど|んだけど|ですが)|話題を変え"
                        r"|\b(by the way|btw|on another note|unrelated question|different question)\b", re.I)


@dataclass
class Shape:
    stem: str  # the question without pasted choices
    question: str  # the sentence that asks (the last one that does), or the stem
    constraint: str  # a sentence that restricts the answer (最もコストが低い…), or ""
    choices: list[str] = field(default_factory=list)
    comparison: bool = False  # the wording compares ("違い", "vs", "どっち")
    refers_back: bool = False  # the wording points at something said before (その, それ, it)
    opener_only: bool = False  # it only opens with じゃあ/では: a named term then changes the subject
    new_topic: bool = False  # it says it changes the subject (ところで, by the way) and points nowhere back
    sentences: int = 1

    @property
    def long(self) -> bool:
        return self.sentences >= 3 or len(self.stem) > 150


def split_choices(text: str) -> tuple[str, list[str]]:
    """``stem, [choice, …]`` when the text ends with at least three markers in order (A B C …);
    otherwise ``text, []``. Markers must run in sequence, so "Step A." alone is not a choice."""
    marks = list(_MARKER.finditer(text))
    for start in range(len(marks)):
        first = marks[start].group(1).lower()
        if first not in ("a", "1"):
            continue
        seq = [marks[start]]
        for m in marks[start + 1:]:
            if ord(m.group(1).lower()) == ord(seq[-1].group(1).lower()) + 1:
                seq.append(m)
        if len(seq) >= 3:
            choices = [text[m.end(): (seq[i + 1].start() if i + 1 < len(seq) else len(text))].strip(" 　,、")
                       for i, m in enumerate(seq)]
            if all(choices):
                stem = re.sub(r"(選択肢|choices|options)\s*[:：]?\s*$", "", text[: seq[0].start()].strip(), flags=re.I)
                return stem.strip(), choices
    return text, []


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def parse(text: str) -> Shape:
    norm = unicodedata.normalize("NFKC", text)
    stem, choices = split_choices(norm)
    sents = sentences(stem) or [stem]
    asking = [s for s in sents if _ASKS.search(s)]
    question = asking[-1] if asking else sents[-1]
    constraint = next((s for s in sents if s != question and _CONSTRAINT.search(s)), "")
    # In a short text the pointer may sit in either sentence (「それってどんなときに使うの？具体的な
    # 使い道は？」: the last one asks, the first points back).
    refers_back = len(sents) <= 2 and any(_ANAPHORA.search(s) for s in sents)
    return Shape(stem=stem, question=question, constraint=constraint, choices=choices,
                 comparison=bool(_COMPARE.search(stem)), refers_back=refers_back,
                 new_topic=not refers_back and bool(_NEW_TOPIC.search(stem)),
                 opener_only=bool(_OPENER_ONLY.match(question)) and not _ANAPHORA.search(_OPENER_ONLY.sub("", question, 1)),
                 sentences=len(sents))


def history_texts(history) -> list[tuple[str, str]]:
    """A conversation in any of the shapes callers have at hand → [(role, text)], oldest first.

    Accepts plain strings (earlier user questions), ``{"role": ..., "content": ...}`` chat
    messages, ``{"q"/"question": ...}`` records and Answer-like objects (``.question``)."""
    out: list[tuple[str, str]] = []
    for item in history or []:
        if isinstance(item, str):
            out.append(("user", item))
        elif isinstance(item, dict):
            text = item.get("content") or item.get("question") or item.get("q") or ""
            out.append((str(item.get("role", "user")), str(text)))
        elif hasattr(item, "question"):
            out.append(("user", str(item.question)))
    return [(r, t) for r, t in out if t and t.strip()]
