"""Load test: N real browser sessions chatting with one ``streamlit run app.py`` at once.

    .venv/bin/python bench/bench_load.py [--sessions 20] [--questions 6] [--think 2.5 7.5]
                                         [--long-chat 60] [--json out.json] [--browser PATH]

Starts the app on a temporary workspace (index built by ``python -m indexer``), warms it with one
question, then opens ``--sessions`` browser contexts in one Debian Chromium (Playwright, as
tests/e2e does). Each session asks ``--questions`` questions, thinking a uniformly random
2.5–7.5 s before each, and measures Enter → answer visible. Prints p50/p95 latency, server CPU
seconds per question (from /proc: the server's user+system time over the run / questions
answered), the server's own time per answer as the app shows it (``in_app``), the Chromium processes'
CPU per question and how busy the machine's cores were (server + browser), server RSS (peak of
samples), errors. ``--long-chat N`` then has one session ask N
questions back to back and prints the server's and the browser's CPU per question for the first
and last ten (flat means a long chat costs no more per question than a short one), and the page's
main-thread seconds per question by kind (all tasks, JavaScript, layout, style recalculation, from
Chrome DevTools' Performance metrics): what the browser's share of the load is made of.

Not a test: the figures depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = ["過学習とは何ですか？", "過学習を防ぐ方法は？", "SageMaker Debugger の主な機能は？",
             "EventBridge は何に使いますか？", "TensorBoardの利点は？", "SageMaker Pipelines のステップの種類は？",
             "イベントバスとは？", "早期停止とは？", "カレーの作り方を教えて", "What is EventBridge?"]
CLOCK = os.sysconf("SC_CLK_TCK")
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def browser_cpu(seen: dict[int, float]) -> None:
    """Record the user+system seconds of every Chromium process now running into ``seen`` (pid →
    seconds). Sampled every second: a closed tab's process takes its figure with it, so the last
    sample of each pid is what it used. The browser shares the 2 cores with the server, so its
    share explains part of what a session waits."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if "chrom" in (stat.parent / "comm").read_text():
                seen[int(stat.parent.name)] = cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile


def default_browser() -> str:
    """The lightest real browser at hand. The sessions' browsers share the server's 2 cores; the
    headless shell (same Blink, same JavaScript, no browser UI) leaves more of them to the server,
    which is what this test measures. The tests' full Chromium stays available with --browser."""
    from tests.e2e.test_browser import CHROMIUM

    return HEADLESS_SHELL if Path(HEADLESS_SHELL).exists() else CHROMIUM


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


async def ask(page, question: str, timeout_ms: int, in_app: list[float] | None = None) -> float:
    """Enter → the new answer (with its latency line) visible. Messages are found by number
    (``st-key-msg-<n>``) when the app keys them, else by position (the app before issue 13)."""
    from tests.e2e.test_browser import CHAT_INPUT, LAST_MESSAGE_NUMBER_JS, LATENCY, MESSAGE, NEXT_ANSWER_JS

    before = await page.locator(MESSAGE).count()
    last = await page.evaluate(LAST_MESSAGE_NUMBER_JS)
    box = page.locator(CHAT_INPUT)
    await box.fill(question)
    started = time.perf_counter()
    await box.press("Enter")
    await page.wait_for_function(NEXT_ANSWER_JS, arg=[MESSAGE, before + 1, last + 2], polling=100, timeout=timeout_ms)
    seconds = time.perf_counter() - started
    if in_app is not None:  # the time the server took for the answer, as the app shows it
        keyed = page.locator(f".st-key-msg-{last + 2}")
        found = LATENCY.search(await keyed.inner_text()) if await keyed.count() else None
        if found:
            in_app.append(float(found.group(1)))
    return seconds


async def session(browser, url: str, n: int, think: tuple[float, float], rng: random.Random,
                  latencies: list[float], errors: list[str], ready: list | None = None,
                  go: asyncio.Event | None = None, in_app: list[float] | None = None) -> None:
    """Open the page (not measured: every session's first run draws the whole page), wait for
    ``go``, then ask ``n`` questions with think time before each."""
    from tests.e2e.test_browser import CHAT_INPUT

    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = await context.new_page()
    try:
        try:
            await page.goto(url, timeout=300_000)
            await page.locator(CHAT_INPUT).wait_for(timeout=300_000)
        except Exception as e:  # noqa: BLE001 — a session that never got the page is an error
            errors.append(f"page load: {type(e).__name__}: {str(e)[:120]}")
            n = 0
        finally:
            if ready is not None:
                ready.append(1)
        if go is not None:
            await go.wait()
        for _ in range(n):
            await asyncio.sleep(rng.uniform(*think))
            try:
                latencies.append(await ask(page, rng.choice(QUESTIONS), 120_000, in_app))
            except Exception as e:  # noqa: BLE001 — counted and reported
                errors.append(f"{type(e).__name__}: {str(e)[:120]}")
    finally:
        await context.close()


async def run(args, server) -> dict:
    from playwright.async_api import async_playwright

    from tests.e2e.test_browser import LAUNCH_ARGS

    pid = server.proc.pid
    out: dict = {"sessions": args.sessions, "think_s": list(args.think), "questions_per_session": args.questions,
                 "browser": args.browser}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=args.browser, args=LAUNCH_ARGS, headless=True)
        warm: list[float] = []
        await session(browser, server.url, 1, (0, 0), random.Random(0), warm, [])  # model load, caches
        latencies: list[float] = []
        errors: list[str] = []
        in_app: list[float] = []
        rss: list[float] = []
        ready: list = []
        go = asyncio.Event()
        tasks = []
        for i in range(args.sessions):  # learners arrive over a few seconds, not in one instant
            tasks.append(asyncio.create_task(session(browser, server.url, args.questions, tuple(args.think),
                                                     random.Random(i), latencies, errors, ready, go, in_app)))
            await asyncio.sleep(0.5)
        while len(ready) < args.sessions and not all(t.done() for t in tasks):
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)  # the last page's run finishes
        browser_start: dict[int, float] = {}
        browser_cpu(browser_start)
        browser_seen = dict(browser_start)
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        go.set()

        async def sample() -> None:
            while True:
                rss.append(rss_mib(pid))
                browser_cpu(browser_seen)
                await asyncio.sleep(1.0)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(*tasks)
        sampler.cancel()
        cpu = cpu_seconds(pid) - cpu0
        browser_cpu(browser_seen)
        browser_s = sum(browser_seen.values()) - sum(browser_start.values())
        out.update(questions=len(latencies), wall_s=round(time.perf_counter() - t0, 1),
                   p50_s=round(pct(latencies, 50), 2), p95_s=round(pct(latencies, 95), 2),
                   in_app_p50_s=round(pct(in_app, 50), 2), in_app_p95_s=round(pct(in_app, 95), 2),
                   cpu_per_question_s=round(cpu / max(1, len(latencies)), 3),
                   browser_cpu_per_question_s=round(browser_s / max(1, len(latencies)), 3),
                   machine_busy=round((cpu + browser_s) / ((os.cpu_count() or 1) * (time.perf_counter() - t0)), 2),
                   rss_peak_mib=round(max(rss), 0), errors=len(errors), error_samples=errors[:3])
        if args.long_chat:
            out["long_chat"] = await long_chat(browser, server, args.long_chat)
        await browser.close()
    return out


MAIN_THREAD = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


async def main_thread_seconds(cdp) -> dict[str, float]:
    """The page's main-thread time so far, by kind (Chrome DevTools' Performance domain)."""
    metrics = (await cdp.send("Performance.getMetrics"))["metrics"]
    return {m["name"]: float(m["value"]) for m in metrics if m["name"] in MAIN_THREAD}


async def long_chat(browser, server, n: int) -> dict:
    """One session, n questions back to back: server and browser CPU per question, first ten vs
    last ten (the browser redraws the chat on every question: flat means past turns cost nothing),
    and where the page's main thread spends its time per question (JavaScript, layout, style)."""
    from tests.e2e.test_browser import CHAT_INPUT

    pid = server.proc.pid
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = await context.new_page()
    await page.goto(server.url)
    await page.locator(CHAT_INPUT).wait_for(timeout=180_000)
    cdp = await context.new_cdp_session(page)
    await cdp.send("Performance.enable")
    thread0 = await main_thread_seconds(cdp)
    per_q, per_b, lat, seen = [], [], [], {}
    for i in range(n):
        c0 = cpu_seconds(pid)
        browser_cpu(seen)
        b0 = sum(seen.values())
        lat.append(await ask(page, QUESTIONS[i % len(QUESTIONS)], 120_000))
        await asyncio.sleep(0.5)  # let the rerun's tail (rendering after the answer) finish
        per_q.append(cpu_seconds(pid) - c0)
        browser_cpu(seen)
        per_b.append(sum(seen.values()) - b0)
    thread = {k: v - thread0.get(k, 0.0) for k, v in (await main_thread_seconds(cdp)).items()}
    await context.close()
    return {"questions": n, "page_main_thread_per_question_s": {k: round(v / n, 4) for k, v in thread.items()},
            "cpu_first10_s": round(statistics.mean(per_q[:10]), 3),
            "cpu_last10_s": round(statistics.mean(per_q[-10:]), 3),
            "browser_cpu_first10_s": round(statistics.mean(per_b[:10]), 3),
            "browser_cpu_last10_s": round(statistics.mean(per_b[-10:]), 3),
            "latency_first10_s": round(statistics.mean(lat[:10]), 2), "latency_last10_s": round(statistics.mean(lat[-10:]), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=6, help="questions per session")
    parser.add_argument("--think", type=float, nargs=2, default=(2.5, 7.5), metavar=("MIN", "MAX"))
    parser.add_argument("--long-chat", type=int, default=0, metavar="N", help="then one session asks N questions")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--browser", default=default_browser(),
                        help="the Chromium to drive (default: Debian's chromium-headless-shell when installed, "
                             "else the tests' Chromium)")
    args = parser.parse_args()

    import subprocess

    from tests.e2e.test_browser import OUT, Server
    from tests.e2e.workspace import project_model_path, write_workspace

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        config = write_workspace(Path(tmp), project_model_path())
        server = Server(config, "bench_load_server.log")
        build = subprocess.run([sys.executable, "-m", "indexer", "--quiet"], env=server.env, capture_output=True, text=True)
        if build.returncode != 0:
            sys.exit(build.stderr)
        server.start()
        try:
            result = asyncio.run(run(args, server))
        finally:
            server.stop()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
