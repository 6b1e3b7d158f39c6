"""What the benchmarks share: percentiles, peak memory of this process or of a child, and a config
file for a chosen runtime (so one bench run compares runtimes on the same machine and load)."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.config import Config  # noqa: E402

REFERENCE = "sentence-transformers"  # the runtime before issue 11, and the one any model can use

# Runs a module (`python -m <module> ...`) and reports the child's own peak RSS on stderr as it exits.
CHILD = (
    "import resource, runpy, sys\n"
    "module = sys.argv[1]\n"
    "sys.argv = [module] + sys.argv[2:]\n"
    "try:\n    runpy.run_module(module, run_name='__main__', alter_sys=True)\n"
    "finally:\n    print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    i = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[i]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_module(module: str, *args: str, env: dict | None = None, cwd: Path = ROOT) -> tuple[float, float, str, str]:
    """``python -m module args`` in a fresh process: wall seconds, its peak RSS (MiB), stdout, stderr."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, module, *args], cwd=cwd, capture_output=True,
                         text=True, env=env)
    seconds = time.perf_counter() - start
    rss = next((int(line.split()[1]) for line in out.stderr.splitlines() if line.startswith("RSS ")), 0)
    if out.returncode != 0:
        raise SystemExit(f"python -m {module} {' '.join(args)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return seconds, rss / 1024, out.stdout, out.stderr


def config_dict(config: Config) -> dict:
    """A config.yaml body with every path absolute, so the file can live anywhere."""
    return {
        "knowledge_dir": str(config.knowledge_dir), "aliases_file": str(config.aliases_file),
        "index_dir": str(config.index_dir), "cache_file": str(config.cache_file),
        "model": {**config.model.__dict__, "name_or_path": config.model_path},
        "qa": dict(config.qa.__dict__),
        "quiz": {"history_db": str(config.quiz.history_db), "default_n": config.quiz.default_n},
    }


def write_config(config: Config, path: Path, **model_changes) -> Path:
    config = replace(config, model=replace(config.model, **model_changes)) if model_changes else config
    path.write_text(yaml.safe_dump(config_dict(config), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def runtimes_to_compare(config: Config, compare: bool) -> list[str]:
    runtimes = [config.model.runtime]
    if compare and REFERENCE not in runtimes:
        runtimes.append(REFERENCE)
    return runtimes


def child_json(script: Path, *args: str) -> dict:
    """Run another bench script with --json in a fresh process (so runtimes never share one)."""
    out = subprocess.run([sys.executable, str(script), "--json", *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{script.name} {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout[out.stdout.index("{"):])


def print_comparison(title: str, rows: list[tuple[str, str, float | None]], results: dict[str, dict],
                     fmt: str = "{:.2f}") -> None:
    """rows: (label, key, target or None); a target is met when the figure is at most it."""
    runtimes = list(results)
    print(f"\n{title}")
    print(f"{'figure':44}" + "".join(f"{r:>22}" for r in runtimes) + f"{'target':>10}")
    for label, key, target in rows:
        cells = []
        for r in runtimes:
            value = results[r].get(key)
            mark = "" if target is None or value is None else (" ok" if value <= target else " MISS")
            cells.append(f"{(fmt.format(value) if value is not None else '-') + mark:>22}")
        print(f"{label:44}" + "".join(cells) + f"{'' if target is None else fmt.format(target):>10}")
