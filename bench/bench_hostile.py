"""Hostile questions: how long they take, and whether they hold up anyone else.

    .venv/bin/python bench/bench_hostile.py [--config config.yaml]

1. Tokenising an unknown katakana run of 250 / 500 / 1,000 characters ("データ"×n + "ア": before the
   fix, cubic: 0.6 s / 4.6 s / 41 s) and ``ask`` on the issue's 1,000-character repro.
2. A normal question asked while another thread asks the repro 5 times: its latency, alone and
   alongside (before the fix the answerer lock made it wait for the whole slow question).

Not a test: the figures depend on the machine; tests/test_qa_bounded.py holds the structural bounds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", help="path to config.yaml")
    args = parser.parse_args()
    from indexer.config import load_config
    from indexer.loader import open_resources as load_resources
    from qa import build_answerer
    from qa.tokenize import Tokenizer

    tok = Tokenizer()
    tok.tokens("ウォームアップ")
    print("tokenise an unknown katakana run:")
    for n in (250, 500, 1000):
        text = ("データ" * n)[: n - 1] + "ア"
        print(f"  {n:5d} chars: {timed(tok.tokens, text) * 1000:8.1f} ms")
    answerer = build_answerer(load_resources(load_config(args.config)))
    repro = "データ" * 333 + "ア"
    answerer.ask("過学習とは？")
    print(f"ask(repro, 1,000 chars): {timed(answerer.ask, repro) * 1000:.1f} ms")

    normal = "TensorBoardの主な機能は？"
    alone = [timed(answerer.ask, normal) for _ in range(10)]
    stop = threading.Event()

    def hostile() -> None:
        while not stop.is_set():
            answerer.ask(repro)

    t = threading.Thread(target=hostile)
    t.start()
    try:
        beside = [timed(answerer.ask, normal) for _ in range(10)]
    finally:
        stop.set()
        t.join()
    print(f"normal question alone: median {statistics.median(alone) * 1000:.1f} ms, "
          f"beside a hostile one: median {statistics.median(beside) * 1000:.1f} ms, max {max(beside) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
