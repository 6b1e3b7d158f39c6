"""History write benchmark: 20 learners answering at once (4 processes x 5 threads, each answer
saved as it is given) on a SQLite file and on a throw-away PostgreSQL server started from the
machine's binaries. Prints attempts written / lost / duplicated and p50 / p95 write latency.

Two loads: back to back (no pause between answers: the worst case) and with a think time of up
to ``--think`` seconds between answers (closer to people taking a quiz).

    .venv/bin/python bench/bench_history.py [--learners 20] [--attempts 3] [--answers 5] [--think 1.0]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.config import PROJECT_ROOT  # noqa: E402
from indexer.glossary import load_glossary  # noqa: E402
from quiz.generate import QuizGenerator  # noqa: E402
from quiz.similarity import CharNgramSimilarity  # noqa: E402
from tests.history_load import run_load  # noqa: E402
from tests.pg import MISSING, PgServer, pg_bindir  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--learners", type=int, default=20)
    p.add_argument("--attempts", type=int, default=3, help="quizzes per learner")
    p.add_argument("--answers", type=int, default=5, help="answers per quiz")
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--think", type=float, default=1.0, help="max seconds between answers in the second load")
    args = p.parse_args()

    gen = QuizGenerator(load_glossary(PROJECT_ROOT / "knowledge"), CharNgramSimilarity(), knowledge_dir=PROJECT_ROOT / "knowledge")
    questions = [q.to_dict() for q in gen.build(60, seed=5)]
    bindir = pg_bindir()
    if bindir is None:
        print(MISSING, file=sys.stderr)
        return 1
    server = PgServer(bindir).init().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for think in (0.0, args.think):
                print(f"\n{args.learners} learners x {args.attempts} quizzes x {args.answers} answers, "
                      f"think time {'none' if not think else f'0-{think:g} s'}:")
                for label, url in (("SQLite", f"sqlite:///{tmp}/h{think}.sqlite"),
                                   ("PostgreSQL", server.create_database())):
                    report = run_load(url, questions, learners=args.learners, attempts=args.attempts,
                                      answers=args.answers, processes=args.processes, think=think)
                    print("  " + report.line(label), flush=True)
    finally:
        server.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
