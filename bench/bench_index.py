"""Index build benchmark: full build, one-bullet incremental rebuild, no-op rebuild, peak memory.

Each scenario runs `python -m indexer` as its own process on a temporary copy of knowledge/, the
way an editor runs it, so imports and model loading are part of the figures.

    .venv/bin/python bench/bench_index.py
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.config import load_config  # noqa: E402

OLD = "特定のパターンに一致するイベントのフィルタリング"
NEW = "JSON形式のパターンでイベントの属性を照合するフィルタリング"


# Runs `python -m indexer` and reports the child's own peak RSS on stderr as it exits.
CHILD = (
    "import resource, runpy, sys\n"
    "sys.argv = ['indexer'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('indexer', run_name='__main__')\n"
    "finally:\n    print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def run(config: Path, *args: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS of the child in MiB, and its summary line."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, "--quiet", "--config", str(config), *args],
                         cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    rss = next((int(line.split()[1]) for line in out.stderr.splitlines() if line.startswith("RSS ")), 0)
    if "index" not in out.stdout:
        raise SystemExit(f"indexer failed:\n{out.stderr}")
    return seconds, rss / 1024, out.stdout.strip()


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    project = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(project.knowledge_dir, tmp / "knowledge")
        config = tmp / "config.yaml"
        config.write_text(
            f"knowledge_dir: {tmp / 'knowledge'}\nindex_dir: {tmp / 'index'}\n"
            f"cache_file: {tmp / 'cache.sqlite'}\nmodel:\n  name_or_path: {project.model_path}\n",
            encoding="utf-8",
        )
        rows = [("full build (empty cache, model load included)", *run(config))]
        glossary = tmp / "knowledge" / "aws_ml_glossary.ja.md"
        glossary.write_text(glossary.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
        rows.append(("incremental, one bullet edited", *run(config)))
        rows.append(("no-op (nothing changed)", *run(config)))
        rows.append(("full rebuild (--full, cache ignored)", *run(config, "--full")))
    print(f"{'scenario':48} {'seconds':>8} {'peak RSS MiB':>13}  summary")
    for name, seconds, rss, summary in rows:
        print(f"{name:48} {seconds:8.2f} {rss:13.0f}  {summary}")


if __name__ == "__main__":
    main()
