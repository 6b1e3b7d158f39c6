"""The records a question produces: ``Answer`` (what every front end shows or prints as JSON)
and its ``Citation``s, each pointing at the glossary's file and line."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Citation:
    term: str
    section: str
    text: str  # the quoted entry, exactly as the glossary has it ("label: text" for bullets)
    score: float  # how well this entry answers the question, 0..1 (section rank, meaning, words)
    source: str  # "file:line" of the entry itself
    file: str  # relative to the knowledge folder
    line: int  # 1-based
    matched: list[str] = field(default_factory=list)  # substrings of ``text`` the question asked about

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SectionRef:
    """A section of the glossary to look at (not a quote): where a refused question's own words are."""

    term: str
    section: str
    file: str  # relative to the knowledge folder
    line: int  # 1-based, the section's heading

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    found: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # closest terms, most useful when not found
    # When not found: the best-ranked sections holding words of the question, so a learner whose
    # wording the abstention did not trust is one click from where the glossary talks about it.
    nearest: list[SectionRef] = field(default_factory=list)
    message: str = ""  # for a person: why there is no answer, or ""
    notice: str | None = None  # e.g. the question was cut to the maximum length
    reason: str = ""  # the abstention rule that decided (machine-readable)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "found": self.found,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "suggestions": list(self.suggestions),
            "nearest": [n.to_json() for n in self.nearest],
            "message": self.message,
            "notice": self.notice,
            "reason": self.reason,
        }
