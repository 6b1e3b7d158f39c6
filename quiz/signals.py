"""Ending a terminal quiz by a signal without a traceback and without losing the answer being saved.

Inside ``Interrupts()`` SIGINT, SIGTERM and SIGHUP raise QuizInterrupted in the main thread (so a
blocking ``readline`` returns at once), except while ``deferred()`` is active - around saving an
answer - when the signal is remembered and raised right after the save has committed.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class QuizInterrupted(Exception):
    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Interrupts:
    def __init__(self) -> None:
        self._deferring = False
        self._pending: int | None = None
        self._old: dict[int, object] = {}

    def __enter__(self) -> "Interrupts":
        if threading.current_thread() is threading.main_thread():
            for sig in HANDLED:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()

    def _handle(self, signum: int, _frame) -> None:
        if self._deferring:
            self._pending = self._pending or signum
            return
        raise QuizInterrupted(signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        if self._pending is not None:
            signum, self._pending = self._pending, None
            raise QuizInterrupted(signum)
