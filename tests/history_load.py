"""Many learners answering at once against one history (SQLite file or PostgreSQL server), the way
app servers do: several processes, each with one shared Database and a thread per learner saving
every answer as it is given. Used by tests/test_history_concurrency.py and bench/bench_history.py.

Each answer is saved with a fresh History call, timed; afterwards the database is compared with
what the workers say they saved: attempts missing (lost) or stored more than once (duplicated),
answers per attempt, and every attempt's totals.
"""
from __future__ import annotations

import multiprocessing as mp
import random
import statistics
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select


@dataclass(frozen=True)
class LoadReport:
    learners: int
    attempts_expected: int
    attempts_written: int
    attempts_lost: int
    attempts_duplicated: int
    answers_expected: int
    answers_written: int
    errors: int
    p50_ms: float
    p95_ms: float
    seconds: float

    def line(self, label: str) -> str:
        return (f"{label:<11} learners {self.learners:3d}  attempts {self.attempts_written}/{self.attempts_expected} "
                f"(lost {self.attempts_lost}, duplicated {self.attempts_duplicated})  answers "
                f"{self.answers_written}/{self.answers_expected}  errors {self.errors}  write p50 {self.p50_ms:.1f} ms  "
                f"p95 {self.p95_ms:.1f} ms  ({self.seconds:.1f} s)")


def _learner(db, name, questions, n_attempts, n_answers, out, think):
    from quiz.history import AnswerRecord, AttemptInfo, History
    from quiz.model import Question
    from quiz.scoring import score

    h = History(db, learner=name)
    rng = random.Random(name)
    for _ in range(n_attempts):
        attempt = AttemptInfo.new(mode="quiz", seed=name)
        picked = [Question.from_dict(d) for d in rng.sample(questions, n_answers)]
        for pos, q in enumerate(picked):
            chosen = set(q.correct_indices) if rng.random() < 0.6 else {(min(q.correct_indices) + 1) % len(q.options)}
            record = AnswerRecord.of(pos, score([q], {q.id: chosen}).results[0])
            t0 = time.perf_counter()
            try:
                h._save(attempt, [record])  # the write itself: no side file, an error is an error
                out.append(("ok", attempt.key, time.perf_counter() - t0))
            except Exception as e:  # noqa: BLE001 - counted and reported
                out.append(("error", f"{type(e).__name__}: {e}"[:300], 0.0))
            if think:
                time.sleep(rng.uniform(0, think))
        if rng.random() < 0.3:  # a retry of the whole attempt (a re-sent request): must not double it
            h._save(attempt, [])


def _process(url, names, questions, n_attempts, n_answers, think, queue):
    from quiz.history import Database

    db = Database(url, busy_timeout=30)
    results: list = []
    threads = [threading.Thread(target=_learner, args=(db, n, questions, n_attempts, n_answers, results, think))
               for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.dispose()
    queue.put(results)


def run_load(url: str, questions: list[dict], *, learners: int = 20, attempts: int = 5, answers: int = 4,
             processes: int = 4, think: float = 0.0) -> LoadReport:
    from quiz.history import Database
    from quiz.history import schema as s

    Database(url).learners()  # create and migrate once, as a deployment does before it serves
    names = [f"learner{i:02d}" for i in range(learners)]
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    t0 = time.perf_counter()
    procs = [ctx.Process(target=_process, args=(url, names[i::processes], questions, attempts, answers, think, queue))
             for i in range(processes)]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get(timeout=600)]
    for p in procs:
        p.join(timeout=60)
    seconds = time.perf_counter() - t0
    oks = [r for r in results if r[0] == "ok"]
    errors = [r for r in results if r[0] == "error"]
    keys = {r[1] for r in oks}
    db = Database(url)
    with db.begin() as conn:
        stored = conn.execute(select(s.attempts.c.client_key, func.count()).group_by(s.attempts.c.client_key)).all()
        n_answers = conn.execute(select(func.count()).select_from(s.answers)).scalar()
        bad_totals = conn.execute(select(func.count()).select_from(s.attempts).where(s.attempts.c.n_questions != answers)).scalar()
    db.dispose()
    counts = dict(stored)
    latencies = sorted(r[2] * 1000 for r in oks)
    q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else [0.0] * 19
    if errors:
        print("first error:", errors[0][1])
    return LoadReport(
        learners=learners, attempts_expected=learners * attempts, attempts_written=len(counts),
        attempts_lost=len(keys - set(counts)), attempts_duplicated=sum(c - 1 for c in counts.values()) + bad_totals,
        answers_expected=learners * attempts * answers, answers_written=int(n_answers), errors=len(errors),
        p50_ms=statistics.median(latencies) if latencies else 0.0, p95_ms=q[18], seconds=seconds)
