"""The quiz's data model, shared by the generator, the scorer, the history, the checker and the app.

Everything a question shows is traceable: each option says which term › section and file:line it
was taken from, so the app can explain why a wrong option is wrong instead of only saying "wrong".
Plain dataclasses with ``to_dict``/``from_dict`` so the CLI can print JSON and the history can keep
a snapshot of what the learner actually saw.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Type id -> Japanese display name. The ids are stable (they go into question ids and the history);
# the display names are what a learner reads.
# 項目→説明 (label_description) is retired: it tested matching a glossary label to its own words.
# 定義→用語 is the conservative type, asked only about terms capabilities.yaml does not describe.
QUESTION_TYPES: dict[str, str] = {
    "scenario_service": "シナリオ→サービス",
    "scenario_pair": "シナリオ→2サービス",
    "term_statement": "正しい記述",
    "select_two": "2つ選択",
    "not_statement": "誤っているもの",
    "definition_term": "定義→用語",
}

# Types whose options are names (of terms or services): a name of the answer must never be in the stem.
NAME_OPTION_TYPES = frozenset({"definition_term", "scenario_service", "scenario_pair"})


class QuizError(ValueError):
    """A quiz request that cannot be served (unknown topic/type, n <= 0, too few questions).
    The message is meant for the learner and lists what would be valid."""


class NotEnoughQuestions(QuizError):
    def __init__(self, message: str, available: int):
        super().__init__(message)
        self.available = available


@dataclass(frozen=True)
class SourceRef:
    """Where a question's fact stands in the glossary; ``label`` is empty for intro sentences."""

    term: str
    section: str
    text: str
    file: str
    line: int
    label: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def title(self) -> str:
        return f"{self.term} › {self.section}"


@dataclass(frozen=True, kw_only=True)
class Option:
    text: str
    correct: bool
    term: str
    section: str
    file: str
    line: int
    why: str
    label: str = ""  # the entry's label when the option came from a labelled bullet
    # ``file``/``line``: a glossary bullet, or the capabilities.yaml row (a claim, a wrong answer, a
    # neighbouring service) the option rests on; ``why`` cites it.


@dataclass(frozen=True, kw_only=True)
class Question:
    id: str
    type: str
    topic: str
    stem: str
    options: tuple[Option, ...]
    explanation: str
    source: SourceRef
    n_correct: int
    sources: tuple[SourceRef, ...] = field(default=())  # every entry the question rests on (select-two: both)

    @property
    def type_name(self) -> str:
        return QUESTION_TYPES.get(self.type, self.type)

    @property
    def shown_topic(self) -> str:
        """The topic as a header may show it *before* the answer: empty where the options are
        names, since there the topic is the answer."""
        return "" if self.type in NAME_OPTION_TYPES else self.topic

    @property
    def correct_indices(self) -> frozenset[int]:
        return frozenset(i for i, o in enumerate(self.options) if o.correct)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["type_name"] = self.type_name
        d["options"] = [asdict(o) for o in self.options]
        d["source"] = asdict(self.source)
        d["sources"] = [asdict(s) for s in self.sources]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Question":
        return cls(
            id=d["id"],
            type=d["type"],
            topic=d["topic"],
            stem=d["stem"],
            options=tuple(Option(**o) for o in d["options"]),
            explanation=d["explanation"],
            source=SourceRef(**d["source"]),
            n_correct=int(d["n_correct"]),
            sources=tuple(SourceRef(**s) for s in d.get("sources", ())),
        )
