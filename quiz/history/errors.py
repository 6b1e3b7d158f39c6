"""What can go wrong with the history, as exceptions whose message tells a person what to do.

Two families matter to callers: a *temporary* problem (the server is down, the file is locked by
another writer) means "keep the learner's answers and save them later"; anything else (a damaged
file, somebody else's database, a newer schema) needs a person, and the file is left untouched.
"""
from __future__ import annotations

from indexer.errors import ErrorKind, KnowledgeError


class HistoryError(KnowledgeError, RuntimeError):
    """The history database cannot be used; the message says why and what to do. Nothing in it
    was changed."""

    kind = ErrorKind.HISTORY


class HistoryCorruptError(HistoryError):
    pass


class HistoryUnavailableError(HistoryError):
    """Temporary: the database is down, refuses connections or is busy. Try again later."""


class HistoryLockedError(HistoryUnavailableError):
    pass


class LearnerNameError(HistoryError, ValueError):
    """A learner name that cannot be used (empty, too long, control characters)."""


class ExamError(HistoryError):
    """A mock-exam operation that does not fit the exam's state (finished, past its deadline,
    a question that is not part of it, a second open exam)."""
