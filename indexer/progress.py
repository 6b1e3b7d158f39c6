"""Build progress as data: each front end (terminal bar, Streamlit bar) words it in its own
language, so nobody parses another package's English to translate it."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable


class Stage(Enum):
    READING = "reading"              # parsing the glossary
    UP_TO_DATE = "up_to_date"        # nothing changed: the build stops here
    LOADING_MODEL = "loading_model"  # some chunk is new: the model is needed
    EMBEDDING = "embedding"          # done / total chunks embedded
    WRITING = "writing"              # writing and swapping in the new index
    DONE = "done"


# Where each stage starts on a 0..1 bar; embedding fills the span up to WRITING.
_START = {Stage.READING: 0.0, Stage.LOADING_MODEL: 0.1, Stage.EMBEDDING: 0.2, Stage.WRITING: 0.92,
          Stage.UP_TO_DATE: 1.0, Stage.DONE: 1.0}


@dataclass(frozen=True)
class BuildProgress:
    stage: Stage
    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float:
        """How full a progress bar should be (0..1)."""
        if self.stage is Stage.EMBEDDING and self.total:
            return _START[Stage.EMBEDDING] + 0.7 * self.done / self.total
        return _START[self.stage]


ProgressListener = Callable[[BuildProgress], None]
