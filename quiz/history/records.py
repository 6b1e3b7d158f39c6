"""The history's domain records: plain frozen dataclasses, nothing that talks to a database."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..model import Question
from ..scoring import QuestionResult


def utc(now: datetime | None = None) -> datetime:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("datetimes given to History must be timezone-aware")
    return now.astimezone(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class AttemptInfo:
    """One quiz being taken. ``key`` is made here, before anything is saved, so the same answers
    saved twice (retry, side-file flush) land in one attempt, once."""
    mode: str = "quiz"
    seed: str | None = None
    started_at: datetime = field(default_factory=utc)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def new(cls, *, mode: str = "quiz", seed: object = None, started_at: datetime | None = None) -> "AttemptInfo":
        return cls(mode=mode, seed=None if seed is None else str(seed), started_at=utc(started_at))

    def to_dict(self) -> dict:
        return {"key": self.key, "mode": self.mode, "seed": self.seed, "started_at": iso(self.started_at)}

    @classmethod
    def from_dict(cls, d: dict) -> "AttemptInfo":
        return cls(mode=d["mode"], seed=d["seed"], started_at=parse_iso(d["started_at"]), key=d["key"])


@dataclass(frozen=True)
class AnswerRecord:
    """One answer as given: which options, right or not, and the question as it was shown."""
    position: int
    question: Question
    chosen: tuple[int, ...]
    correct: tuple[int, ...]
    is_correct: bool
    answered: bool
    answered_at: datetime

    @classmethod
    def of(cls, position: int, result: QuestionResult, answered_at: datetime | None = None) -> "AnswerRecord":
        return cls(position=position, question=result.question, chosen=tuple(sorted(result.chosen)),
                   correct=tuple(sorted(result.correct)), is_correct=result.is_correct,
                   answered=result.answered, answered_at=utc(answered_at))

    def to_dict(self) -> dict:
        return {"position": self.position, "question": self.question.to_dict(), "chosen": list(self.chosen),
                "correct": list(self.correct), "is_correct": self.is_correct, "answered": self.answered,
                "answered_at": iso(self.answered_at)}

    @classmethod
    def from_dict(cls, d: dict) -> "AnswerRecord":
        return cls(position=int(d["position"]), question=Question.from_dict(d["question"]),
                   chosen=tuple(d["chosen"]), correct=tuple(d["correct"]), is_correct=bool(d["is_correct"]),
                   answered=bool(d["answered"]), answered_at=parse_iso(d["answered_at"]))


@dataclass(frozen=True)
class SaveOutcome:
    """What became of answers handed to History.save_answers: stored, or kept in the learner's
    side file (``pending`` answers wait there) because the database could not take them now."""
    saved: bool
    pending: int = 0
    message: str = ""
    attempt_id: int | None = None


@dataclass(frozen=True)
class TopicStat:
    topic: str
    answered: int
    right: int
    open_mistakes: int  # questions of this topic whose latest answer was wrong
    last_answered_at: str | None

    @property
    def accuracy(self) -> float:
        return self.right / self.answered if self.answered else 0.0


class _Accuracy:
    """Right over total, 0 for nothing answered (a point of an accuracy curve)."""

    right: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass(frozen=True)
class AccuracyPoint(_Accuracy):
    attempt_id: int
    at: str
    topic: str
    right: int
    total: int


@dataclass(frozen=True)
class AttemptAccuracy(_Accuracy):
    """One attempt's score (over all topics, or one): a point on the learner's curve."""

    number: int  # 1 for the learner's first attempt (that includes the topic), 2 for the next …
    attempt_id: int
    at: str
    right: int
    total: int


@dataclass(frozen=True)
class MissedQuestion:
    question_id: str
    topic: str
    type: str
    times_wrong: int
    times_seen: int
    last_wrong_at: str
    last_correct: bool
    question: Question  # the snapshot the learner last saw


@dataclass(frozen=True)
class ReviewItem:
    question_id: str
    topic: str
    type: str
    due: datetime
    is_due: bool
    lapses: int
    last_correct: bool


@dataclass(frozen=True)
class MockExam:
    """A timed practice exam in progress or finished. ``answers`` maps question id to the chosen
    option indices; ``score`` is whatever the exam page stored when it finished the exam."""
    id: int
    learner: str
    title: str
    question_ids: tuple[str, ...]
    answers: dict[str, tuple[int, ...]]
    started_at: datetime
    minutes: int | None
    deadline: datetime | None
    finished_at: datetime | None
    score: dict | None

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    def is_open(self, now: datetime | None = None) -> bool:
        return not self.is_finished and (self.deadline is None or utc(now) < self.deadline)

    def seconds_left(self, now: datetime | None = None) -> float | None:
        return None if self.deadline is None else max(0.0, (self.deadline - utc(now)).total_seconds())

    @staticmethod
    def answers_json(answers: dict[str, tuple[int, ...]]) -> str:
        return json.dumps({k: sorted(v) for k, v in answers.items()}, ensure_ascii=False)
