"""The reviewed bank: knowledge/quiz_review.yaml records, per question id, a reviewer's verdict
(good / acceptable / flawed, see /work/shared/quiz_review_rubric.md) and the reason.

Why a file under version control: structural checks cannot tell a question that teaches a falsehood
from a good one; a person reading it against real AWS knowledge can. The verdicts travel with the
glossary, ``make quiz-check`` prints their counts for a fixed sample, and a flawed id never reaches
a learner (the bank keeps it out of every draw).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Iterable

import yaml

from .capabilities import CapabilitiesError

FILE_NAME = "quiz_review.yaml"


class Verdict(str, Enum):
    GOOD = "good"
    ACCEPTABLE = "acceptable"
    FLAWED = "flawed"


@dataclass(frozen=True)
class Reviewed:
    id: str
    verdict: Verdict
    reason: str
    digest: str = ""  # what the question said when it was reviewed (see ``digest``)


def digest(q) -> str:
    """The stem and the options with their keys: an edit of capabilities.yaml or the glossary that
    changes what a reviewed question says makes its verdict stale (counted as unreviewed)."""
    import hashlib

    body = "\n".join([q.stem, *sorted(f"{o.correct}:{o.text}" for o in q.options)])
    return hashlib.sha1(body.encode("utf-8")).hexdigest()[:10]


@dataclass
class Review:
    file: str = FILE_NAME
    items: dict[str, Reviewed] = field(default_factory=dict)

    def is_flawed(self, qid: str) -> bool:
        r = self.items.get(qid)
        return r is not None and r.verdict is Verdict.FLAWED

    def counts(self, questions: Iterable) -> dict[str, Counter]:
        """type → Counter of verdicts (and 'unreviewed') for these questions."""
        out: dict[str, Counter] = {}
        for q in questions:
            r = self.items.get(q.id)
            fresh = r is not None and (not r.digest or r.digest == digest(q))
            out.setdefault(q.type, Counter())[r.verdict.value if fresh else "unreviewed"] += 1
        return out


def load_review(path: str | Path) -> Review:
    """Missing file → no verdicts. A malformed one raises CapabilitiesError naming file:line."""
    path = Path(path)
    if not path.exists():
        return Review(file=path.name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise CapabilitiesError(f"{path.name}:{mark.line + 1 if mark else 1}: not valid YAML") from None
    review = Review(file=path.name)
    for qid, row in (data.get("questions") or {}).items():
        try:
            review.items[qid] = Reviewed(qid, Verdict(row["verdict"]), str(row.get("reason", "")), str(row.get("digest", "")))
        except (KeyError, TypeError, ValueError):
            raise CapabilitiesError(f"{path.name}: question {qid}: verdict must be good, acceptable or flawed") from None
    return review


def save_review(path: str | Path, review: Review, questions: dict) -> None:
    """Write the verdicts back, sorted by type then id, each with the stem's start for a reader."""
    rows = {}
    for qid in sorted(review.items, key=lambda i: (i.split(":")[0], i)):
        r = review.items[qid]
        q = questions.get(qid)
        rows[qid] = {"verdict": r.verdict.value, "reason": r.reason,
                     **({"digest": digest(q), "stem": q.stem[-60:]} if q else {"digest": r.digest})}
    head = ("# Reviewed questions: verdict per id (good / acceptable / flawed) and why, judged by the rubric\n"
            "# (key right, every distractor wrong in reality, stem unambiguous, tests understanding).\n"
            "# Flawed ids are never drawn. `digest` is what the question said when reviewed: after an edit that\n"
            "# changes it, the verdict counts as unreviewed until someone reviews it again. `stem` helps a reader.\n")
    Path(path).write_text(head + yaml.safe_dump({"questions": rows}, allow_unicode=True, sort_keys=False, width=200),
                          encoding="utf-8")
