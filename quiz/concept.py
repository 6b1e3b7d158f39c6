"""Questions about a concept (過学習 and any concept an editor adds): diagnosis, symptoms,
detection, remedies - never a service template (a phenomenon has no 「ユースケース」).

The right answers are the glossary bullets capabilities.yaml assigns to a role (remedy → 防止策と対策,
minus what it excludes, e.g. クロスバリデーション, an evaluation method); the wrong answers are the
table's wrong answers for that role, each with its reason (「正則化の係数を下げる」 makes overfitting
worse). Cause and remedy questions start from a case - 「訓練データでの正解率は 99 %、検証データでは
70 %」 - and never name the concept, so the learner has to diagnose before choosing.
"""
from __future__ import annotations

from typing import Iterable

from indexer.glossary import Term

from .capabilities import Capabilities, Case, ConceptFacts, Kind, RoleEntry
from .model import Question
from .names import names_any
from .options import entry_ref, qid, rng_for, role_option, take, wrong_option

# role → (question for one answer, for two, for the false one). {name}: the concept's short name.
_ASK = {
    "cause": ("この結果の原因として最も考えられるものはどれですか？", None, None),
    "remedy": ("次に取るべき対策として最も適切なものはどれですか？", "次に取るべき対策として適切なものを2つ選んでください。",
               "次に取るべき対策として適切でないものはどれですか？"),
    "symptom": ("{name}が起きているモデルに見られる特徴として正しいものはどれですか？",
                "{name}が起きているモデルに見られる特徴を2つ選んでください。",
                "{name}が起きているモデルに見られる特徴として誤っているものはどれですか？"),
    "detection": ("学習させたモデルに{name}が起きていないかを確かめる方法として適切なものはどれですか？",
                  "学習させたモデルに{name}が起きていないかを確かめる方法を2つ選んでください。",
                  "学習させたモデルに{name}が起きていないかを確かめる方法として適切でないものはどれですか？"),
}
# Why a right answer is right, per role, in words: the glossary line alone says what, not why.
_WHY_RIGHT = {
    "cause": "観察された結果を説明する原因",
    "remedy": "観察された問題そのものを抑える対策",
    "symptom": "この現象が起きたモデルに現れる特徴",
    "detection": "この現象が起きているかを、学習に使っていないデータなどで見分ける方法",
}
_FROM_CASE = {"cause", "remedy"}  # asked from an observation, with the concept unnamed


def concept_questions(term: Term, caps: Capabilities, aliases: tuple[str, ...], n_options: int = 4) -> Iterable[Question]:
    facts = caps.concepts.get(term.name)
    if facts is None or caps.kind(term.name) is not Kind.CONCEPT:
        return
    short = term.names[1] if len(term.names) > 1 else term.name
    for role, (one, two, odd) in _ASK.items():
        rights = [r for r in facts.right.get(role, ()) if not names_any(r.entry.text, aliases)]
        wrongs = list(facts.wrong.get(role, ()))
        if role in _FROM_CASE and not facts.cases:
            continue
        shapes = [("term_statement", 1, one)]
        shapes += [("select_two", 2, two)] if two else []
        shapes += [("not_statement", 3, odd)] if odd else []
        for qtype, size, ask in shapes:
            for i in range(len(rights) - size + 1):
                for case in (facts.cases if role == "cause" else (None,)):
                    q = _one(term, facts, caps, role, qtype, rights[i : i + size], wrongs, ask.format(name=short),
                             case, aliases, n_options)
                    if q is not None:
                        yield q


def _one(term: Term, facts: ConceptFacts, caps: Capabilities, role: str, qtype: str, right: list[RoleEntry],
         wrongs: list, ask: str, case: Case | None, aliases, n_options: int) -> Question | None:
    keys = [term.name, role, *(r.entry.label for r in right)] + ([case.observation] if case else [])
    id_ = qid(qtype, keys)
    rng = rng_for(id_)
    if role in _FROM_CASE and case is None:
        case = facts.cases[rng.randrange(len(facts.cases))]
    stem = (f"{case.context}{case.observation}" if case else "") + ask
    if case and names_any(stem, aliases):
        return None  # the diagnosis would be given away
    n_wrong = 1 if qtype == "not_statement" else (5 if qtype == "select_two" else n_options) - len(right)
    wrong = take([wrongs], n_wrong, rng)
    if not wrong:
        return None
    false_is_answer = qtype == "not_statement"
    name = term.name
    options = [role_option(name, r.section, r.entry, not false_is_answer,
                           ("不正解: 適切な記述です。" if false_is_answer else "正しい: ") + f"用語集 {name} › {r.section}「{r.entry.display}」")
               for r in right]
    options += [wrong_option(name, w, caps, is_answer=false_is_answer) for w in wrong]
    refs = tuple(entry_ref(name, r.section, r.entry) for r in right)
    why_right = _WHY_RIGHT.get(role, "用語集の記述どおり")
    diagnosis = f"「{case.observation}」という状況は{term.names[0]}です。" if case else ""
    expl = "\n".join([diagnosis]
                     + [f"・適切: 「{r.entry.text}」— {why_right}。根拠: {ref.title}（{ref.where}）" for r, ref in zip(right, refs)]
                     + [f"・不適切: 「{w.text}」— {w.why}。" for w in wrong]).strip()
    return Question(id=id_, type=qtype, topic=name, stem=stem, options=tuple(options), explanation=expl,
                    source=refs[0], n_correct=len(right) if qtype != "not_statement" else 1, sources=refs)
