"""Cold starts and the app's memory: what a user waits for before the first answer.

    .venv/bin/python bench/bench_cold.py [--runtime R] [--json] [--no-app]
    .venv/bin/python bench/bench_cold.py --compare   # the configured runtime and sentence-transformers

* ``python -m qa "過学習とは何ですか？"`` in a fresh process, three times: wall seconds (first and
  median; the first also pays for a cold disk cache) and peak RSS;
* ``streamlit run app.py`` → the first answer visible in Debian's Chromium (process start is zero;
  the browser is launched before, as a learner's browser is already open),
  then nine more browser sessions, each asking a question; the server's peak and current RSS after
  all ten (``VmHWM`` / ``VmRSS`` of the one server process).

The app runs on a temporary workspace: a copy of knowledge/ and of the project's embedding cache,
its index built by ``python -m indexer`` first, so the start measured is the ordinary one (warm
cache), not the very first after installing.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import child_json, print_comparison, run_module, runtimes_to_compare, write_config  # noqa: E402

from indexer.config import load_config  # noqa: E402

QUESTION = "過学習とは何ですか？"
SESSION_QUESTIONS = ["EventBridge は何に使いますか？", "TensorBoard の主な機能は？", "過学習を防ぐ方法は？",
                     "SageMaker Debugger で何が検出できますか", "What is EventBridge?", "早期停止とは",
                     "イベントパターンとは", "正則化の種類は？", "モデルの可視化ツールは？"]
ROWS = [("python -m qa cold, first (s)", "qa_first_s", 2.0), ("python -m qa cold, median of 3 (s)", "qa_median_s", 2.0),
        ("python -m qa peak RSS (MiB)", "qa_peak_mib", 350.0),
        ("streamlit run -> server healthy (s)", "app_healthy_s", None),
        ("streamlit run -> first answer in browser (s)", "app_first_answer_s", 4.0),
        ("app server peak RSS, 10 sessions (MiB)", "app_peak_mib", 500.0),
        ("app server RSS after 10 sessions (MiB)", "app_rss_mib", 500.0)]


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS / VmHWM of a process in MiB, from /proc."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out


def cold_qa(config: Path) -> dict:
    walls, peaks = [], []
    for _ in range(3):
        seconds, rss, out, _ = run_module("qa", "--config", str(config), QUESTION)
        if "過学習" not in out:
            raise SystemExit(f"python -m qa did not answer:\n{out}")
        walls.append(seconds)
        peaks.append(rss)
    return {"qa_first_s": walls[0], "qa_median_s": statistics.median(walls), "qa_peak_mib": max(peaks)}


def app_sessions(config: Path, sessions: int = 10) -> dict:
    """The real server and browser, driven with the e2e test's own helpers."""
    from playwright import sync_api

    from tests.e2e.test_browser import CHAT_INPUT, CHROMIUM, LAUNCH_ARGS, OUT, Server, _ask

    OUT.mkdir(exist_ok=True)
    server = Server(config, "bench_cold_server.log")
    with sync_api.sync_playwright() as p:
        # The learner's browser is already open: it starts before the server, outside the figure.
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        figures = {"app_healthy_s": server.start()}
        try:
            for i in range(sessions):
                context = browser.new_context(locale="ja-JP")
                page = context.new_page()
                page.set_default_timeout(180_000)
                page.goto(server.url)
                page.locator(CHAT_INPUT).wait_for(timeout=180_000)
                reply, _ = _ask(page, QUESTION if i == 0 else SESSION_QUESTIONS[(i - 1) % len(SESSION_QUESTIONS)])
                if i == 0:
                    figures["app_first_answer_s"] = time.perf_counter() - server.started
                if "［1］" not in reply.inner_text():
                    raise SystemExit(f"session {i + 1}: no cited answer")
                # sessions stay open: the server holds ten of them when it is measured
            status = proc_status(server.proc.pid)
            figures.update(app_peak_mib=status["VmHWM"], app_rss_mib=status["VmRSS"], app_sessions=sessions)
            browser.close()
        finally:
            server.stop()
    return figures


def measure(runtime: str | None, with_app: bool) -> dict:
    project = load_config()
    figures: dict = {"runtime": runtime or project.model.runtime}
    changes = {"runtime": runtime} if runtime else {}
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        tmp = Path(tmp)
        figures.update(cold_qa(write_config(project, tmp / "project.yaml", **changes)))
        if with_app:
            shutil.copytree(project.knowledge_dir, tmp / "knowledge")
            cache = tmp / "cache.sqlite"
            if Path(project.cache_file).exists():
                shutil.copy(project.cache_file, cache)
            workspace = project.with_paths(knowledge_dir=tmp / "knowledge", aliases_file=tmp / "knowledge" / "aliases.yaml",
                                           index_dir=tmp / "index", cache_file=cache)
            workspace = workspace.with_paths(quiz=type(project.quiz)(history_db=tmp / "history.sqlite"))
            config = write_config(workspace, tmp / "config.yaml", **changes)
            run_module("indexer", "--quiet", "--config", str(config))
            figures.update(app_sessions(config))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runtime", help="override model.runtime")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-app", action="store_true", help="only the CLI (no server, no browser)")
    parser.add_argument("--compare", action="store_true", help="the configured runtime and sentence-transformers")
    args = parser.parse_args()
    if args.compare:
        extra = ["--no-app"] if args.no_app else []
        results = {r: child_json(Path(__file__), "--runtime", r, *extra) for r in runtimes_to_compare(load_config(), True)}
        print_comparison("Cold start and app memory (bench_cold.py)", ROWS, results)
        return 0
    figures = measure(args.runtime, not args.no_app)
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print_comparison(f"Cold start and app memory, runtime {figures['runtime']}", ROWS, {figures["runtime"]: figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
