"""Answers the database could not take right now, kept per learner in a side file (JSON lines,
fsync'd) and saved later. Saving is idempotent (attempt keys), so a crash between "saved" and
"removed from the side file" only means the next flush finds them already there.

Every read-modify-write of a side file holds an exclusive ``flock`` on it: two app servers or an
app and a CLI on one machine never flush the same answers at the same time or lose an append.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .records import AnswerRecord, AttemptInfo


def side_file(directory: Path, learner: str, database: str) -> Path:
    """A file name that is safe for any learner name and tied to one database."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", learner).strip("_")[:40] or "learner"
    digest = hashlib.sha1(f"{database}\n{learner}".encode()).hexdigest()[:12]
    return directory / f"{slug}-{digest}.jsonl"


class PendingAnswers:
    def __init__(self, directory: Path, learner: str, database: str):
        self.path = side_file(Path(directory), learner, database)
        self.learner = learner

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(self, attempt: AttemptInfo, answers: list[AnswerRecord]) -> None:
        lines = "".join(json.dumps({"learner": self.learner, "attempt": attempt.to_dict(), "answer": a.to_dict()},
                                   ensure_ascii=False) + "\n" for a in answers)
        with self._locked():
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(lines)
                f.flush()
                os.fsync(f.fileno())

    def _read(self) -> list[tuple[AttemptInfo, AnswerRecord]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                out.append((AttemptInfo.from_dict(d["attempt"]), AnswerRecord.from_dict(d["answer"])))
            except (ValueError, KeyError, TypeError):
                continue  # a line cut by a crash mid-write: the rest are still good
        return out

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self._locked():
            return len(self._read())

    def drain(self, save: Callable[[AttemptInfo, list[AnswerRecord]], object]) -> int:
        """Save what is kept, attempt by attempt in the order given; stop at the first failure
        (``save`` raises) and keep the rest. Returns how many answers were saved."""
        if not self.path.exists():
            return 0
        with self._locked():
            items = self._read()
            groups: dict[str, tuple[AttemptInfo, list[AnswerRecord]]] = {}
            for attempt, answer in items:
                groups.setdefault(attempt.key, (attempt, []))[1].append(answer)
            saved, left = 0, []
            failure: Exception | None = None
            for attempt, answers in groups.values():
                if failure is None:
                    try:
                        save(attempt, answers)
                        saved += len(answers)
                        continue
                    except Exception as e:  # noqa: BLE001 - re-raised below once the file is consistent
                        failure = e
                left.extend((attempt, a) for a in answers)
            self._rewrite(left)
        if failure is not None:
            raise failure
        return saved

    def _rewrite(self, items: list[tuple[AttemptInfo, AnswerRecord]]) -> None:
        if not items:
            self.path.unlink(missing_ok=True)
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for attempt, answer in items:
                f.write(json.dumps({"learner": self.learner, "attempt": attempt.to_dict(), "answer": answer.to_dict()},
                                   ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def discard(self) -> None:
        with self._locked():
            self.path.unlink(missing_ok=True)
