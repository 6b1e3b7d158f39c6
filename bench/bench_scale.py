"""Growth with the glossary: synthetic glossaries of 5, 50, 500 and 5,000 terms (bench/synth_glossary.py).

    .venv/bin/python bench/bench_scale.py [--sizes 5 50 500 5000] [--budget-min 15] [--json]

For each size, in fresh processes (the way a user meets them):

* full build — ``python -m indexer`` on an empty embedding cache: wall seconds and peak RSS;
* incremental — the same after editing one bullet;
* index on disk — the build folder (FAISS + chunks + manifest); the embedding cache beside it;
* start → first answer — a process that imports the packages, loads the index (``open_resources``),
  builds the answerer and answers one question through the package API (no browser: one per size
  would cost minutes). Measured twice: the first start after a build (the answerer embeds every
  entry then, filling the cache) and a restart (the cache is warm: what a user normally waits);
* ask p50/p95 — 40 questions about the generated terms, in the restarted process;
* quiz of 20 — ``build_quiz(resources, 20)`` in the restarted process (its first quiz: the bank is
  built then);
* peak RSS of the restarted process after all that.

Then the table, and per figure the log-log slope between consecutive sizes and overall (1 = linear).
A size is skipped, and said so, when the time the previous size took, scaled linearly, would not fit
in what is left of ``--budget-min`` (the model's throughput on a busy 2-core machine decides this).
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, config_dict, run_module  # noqa: E402
from synth_glossary import write_glossary  # noqa: E402

from indexer.config import load_config  # noqa: E402

# A fresh process: start -> first answer, then steady-state figures. Prints one JSON line.
PROBE = r"""
import json, resource, statistics, sys, time
started = float(sys.argv[2])
from indexer.config import load_config
from indexer.loader import open_resources
from qa import build_answerer
config = load_config(sys.argv[1])
resources = open_resources(config)
loaded = time.time()
answerer = build_answerer(resources)
built = time.time()
names = [t.name for t in resources.glossary.terms]
answer = answerer.ask(f"{names[0].split('（')[0]}とは何ですか？")
first = time.time()
out = {"start_to_answer_s": first - started, "load_s": loaded - started, "answerer_s": built - loaded,
       "first_ask_s": first - built, "answered": bool(answer.citations) if hasattr(answer, "citations") else True}
if sys.argv[3] == "full":
    forms = ["{}とは何ですか？", "{} の利点は？", "What is {}?", "{}の使用例を教えて"]
    picks = [names[(i * 7919) % len(names)] for i in range(40)]
    ms = []
    for i, name in enumerate(picks):
        q = forms[i % len(forms)].format(name.split("（")[0] if i % 4 != 2 else name.split("（")[-1].rstrip("）"))
        t = time.perf_counter(); answerer.ask(q); ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    out["ask_p50_ms"] = statistics.median(ms)
    out["ask_p95_ms"] = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    from quiz.generate import build_quiz
    t = time.perf_counter()
    questions = build_quiz(resources, 20, seed=1, allow_fewer=True)
    out["quiz20_s"] = time.perf_counter() - t
    out["quiz_questions"] = len(questions)
out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("PROBE" + json.dumps(out))
"""

FIGURES = [  # key, label, unit
    ("chunks", "chunks", ""), ("full_build_s", "full build", "s"), ("full_build_mib", "full build peak", "MiB"),
    ("incremental_s", "one-bullet rebuild", "s"), ("incremental_mib", "one-bullet rebuild peak", "MiB"),
    ("index_mb", "index on disk", "MB"), ("cache_mb", "embedding cache", "MB"),
    ("first_start_s", "first start -> answer", "s"), ("restart_s", "restart -> answer", "s"),
    ("restart_load_s", "  of which open_resources", "s"), ("restart_answerer_s", "  of which build_answerer", "s"),
    ("ask_p50_ms", "ask p50", "ms"), ("ask_p95_ms", "ask p95", "ms"), ("quiz20_s", "quiz of 20", "s"),
    ("peak_mib", "Q&A+quiz process peak", "MiB"),
]


def probe(config: Path, mode: str) -> dict:
    started = time.time()
    done = subprocess.run([sys.executable, "-c", PROBE, str(config), repr(started), mode], cwd=ROOT,
                          capture_output=True, text=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("PROBE")), None)
    if not line:
        raise SystemExit(f"probe failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(line[len("PROBE"):])


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).resolve().rglob("*") if p.is_file()) / 1e6


def edit_one_bullet(knowledge: Path) -> None:
    first = sorted(knowledge.glob("glossary_*.md"))[0]
    lines = first.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.startswith("- **"))
    lines[i] = lines[i].rstrip("\n") + "（編集済み）\n"
    first.write_text("".join(lines), encoding="utf-8")


def measure(size: int, root: Path) -> dict:
    import yaml

    knowledge = write_glossary(size, root / "knowledge")
    project = load_config()
    workspace = project.with_paths(knowledge_dir=knowledge, aliases_file=knowledge / "aliases.yaml",
                                   index_dir=root / "data" / "index", cache_file=root / "data" / "cache.sqlite")
    raw = config_dict(workspace)
    raw["quiz"]["history_db"] = str(root / "data" / "history.sqlite")
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    row: dict = {"terms": size}
    seconds, rss, out, _ = run_module("indexer", "--quiet", "--config", str(config))
    row.update(full_build_s=seconds, full_build_mib=rss, summary=out.strip())
    manifest = json.loads((root / "data" / "index" / "manifest.json").read_text(encoding="utf-8"))
    row["chunks"] = manifest["chunk_count"]
    row["index_mb"] = folder_mb(root / "data" / "index")
    edit_one_bullet(knowledge)
    seconds, rss, out, _ = run_module("indexer", "--quiet", "--config", str(config))
    row.update(incremental_s=seconds, incremental_mib=rss, incremental_summary=out.strip())
    first = probe(config, "start")
    row["first_start_s"] = first["start_to_answer_s"]
    again = probe(config, "full")
    row.update(restart_s=again["start_to_answer_s"], restart_load_s=again["load_s"],
               restart_answerer_s=again["answerer_s"], ask_p50_ms=again["ask_p50_ms"], ask_p95_ms=again["ask_p95_ms"],
               quiz20_s=again["quiz20_s"], quiz_questions=again["quiz_questions"], peak_mib=again["peak_rss_mib"])
    row["cache_mb"] = (root / "data" / "cache.sqlite").stat().st_size / 1e6
    return row


def slope(rows: list[dict], key: str, a: int, b: int) -> float | None:
    x0, x1 = rows[a]["terms"], rows[b]["terms"]
    y0, y1 = rows[a].get(key), rows[b].get(key)
    if not y0 or not y1 or y0 <= 0 or y1 <= 0:
        return None
    return math.log(y1 / y0) / math.log(x1 / x0)


def print_table(rows: list[dict]) -> None:
    sizes = [r["terms"] for r in rows]
    print(f"\n{'figure':30}{'unit':>5}" + "".join(f"{s:>10}" for s in sizes)
          + "".join(f"{f'{a}→{b}':>11}" for a, b in zip(sizes, sizes[1:])) + f"{'overall':>9}")
    for key, label, unit in FIGURES:
        cells = "".join(f"{rows[i][key]:>10.{0 if key == 'chunks' else 2}f}" for i in range(len(rows)))
        pairs = [slope(rows, key, i, i + 1) for i in range(len(rows) - 1)]
        overall = slope(rows, key, 0, len(rows) - 1) if len(rows) > 1 else None
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        print(f"{label:30}{unit:>5}{cells}" + "".join(f"{fmt(p):>11}" for p in pairs) + f"{fmt(overall):>9}")
    print("slopes: log(y1/y0)/log(x1/x0) with x = terms; 1 = linear, 0 = constant, 2 = quadratic")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 50, 500, 5000])
    parser.add_argument("--budget-min", type=float, default=15.0, help="skip a size that would not fit (default 15)")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    parser.add_argument("--keep", type=Path, help="keep the workspaces under this folder")
    args = parser.parse_args()
    started = time.perf_counter()
    rows, skipped = [], []
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=args.keep))
    try:
        previous: tuple[int, float] | None = None
        for size in sorted(args.sizes):
            left = args.budget_min * 60 - (time.perf_counter() - started)
            if previous:
                estimate = previous[1] * size / previous[0]
                if estimate > left:
                    skipped.append(f"{size} terms: skipped, about {estimate / 60:.0f} min expected "
                                   f"({previous[1]:.0f} s at {previous[0]} terms, scaled linearly), {left / 60:.1f} min left")
                    print(skipped[-1], flush=True)
                    continue
            t = time.perf_counter()
            print(f"{size} terms …", flush=True)
            rows.append(measure(size, tmp / f"t{size}"))
            previous = (size, time.perf_counter() - t)
            print(f"  {size} terms measured in {previous[1]:.0f} s: {rows[-1]['summary']}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if rows:
        print_table(rows)
    for line in skipped:
        print(line)
    print(f"model.runtime: {load_config().model.runtime}; total {time.perf_counter() - started:.0f} s")
    if args.json:
        print(json.dumps({"rows": rows, "skipped": skipped}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
