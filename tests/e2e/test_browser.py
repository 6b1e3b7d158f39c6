"""The real thing: ``streamlit run app.py`` in a subprocess, driven by Debian's Chromium.

One server for the module (a temporary workspace whose index is built by ``python -m indexer``),
one browser; the tests run in order and share the page like one user's visit:

1. ask a question — measures start-up (process start → first answer visible) — and open a citation;
2. ask more questions — per-question latency, in the browser and as the app shows it;
3. hostile input appears as text (no script runs, no markup);
4. a short quiz: answer, submit, see the score and explanations;
5. a second browser session gets the page without reloading the model;
6. a restart (warm embedding cache) — the start-up time a user normally waits.

Timings go to stdout and ``test-output/e2e_timings.json``; screenshots to ``test-output/``.
Run: ``.venv/bin/python -m pytest -q -s tests/e2e/test_browser.py``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright import sync_api

from indexer.config import PROJECT_ROOT
from tests.e2e.server import Server
from tests.e2e.workspace import project_model_path, write_workspace

sync_api.expect.set_options(timeout=60_000)  # a busy machine: a first quiz builds its question bank

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
OUT = PROJECT_ROOT / "test-output"
ANSWER_TIMEOUT = 180_000  # ms, the first answer includes the model load on a busy machine
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage"]

CHAT_INPUT = "[data-testid='stChatInput'] textarea"
NAV = "[data-testid='stTopNavLink']"
LATENCY = re.compile(r"timer\s*([\d.]+) 秒")  # the caption under an answer (the icon reads "timer")
MESSAGE = "[data-testid='stChatMessage']"
# The answer to the question just sent: message number ``num`` (the app keys each message
# ``st-key-msg-<n>`` and draws only the latest turns in full), or, for an app that does not key
# them, the ``pos``-th message on the page; answered once its latency line is shown.
NEXT_ANSWER_JS = """([sel, pos, num]) => {
    const keyed = document.querySelector('.st-key-msg-' + num);
    const m = keyed || (document.querySelector('[class*="st-key-msg-"]') ? null : document.querySelectorAll(sel)[pos]);
    // A rerun keeps the previous run's elements (stale) until it ends: wait for the run to end.
    const idle = document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']");
    return !!idle && !!m && /timer\\s*[\\d.]+ 秒/.test(m.innerText); }"""
LAST_MESSAGE_NUMBER_JS = """() => Math.max(-1, ...[...document.querySelectorAll('[class*="st-key-msg-"]')]
    .map(e => parseInt([...e.classList].find(c => c.startsWith('st-key-msg-')).slice(11))))"""

# Outside CI a machine without Chromium skips (run `make browser`); in CI the set-up installs it,
# so a missing browser must fail rather than quietly skip the only real-browser test.
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                reason=f"no Chromium at {CHROMIUM} (make browser)")

TIMINGS: dict = {"questions": []}
DIALOGS: list[str] = []
REQUESTS: list[str] = []  # every URL the learner's tab asked for


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    config = write_workspace(root, project_model_path())
    OUT.mkdir(exist_ok=True)
    srv = Server(config, "e2e_server.log")
    build = subprocess.run([sys.executable, "-m", "indexer", "--quiet"], env=srv.env, cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    try:
        TIMINGS["server_healthy_s"] = round(srv.start(), 2)
        yield srv
    finally:
        srv.stop()


# Named chrome/tab rather than browser/page: pytest-playwright, when installed, owns those names
# (and would parametrize the tests and try to use its own downloaded browser).
@pytest.fixture(scope="module")
def chrome():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def tab(chrome, server):
    context = chrome.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.on("dialog", lambda d: (DIALOGS.append(d.message), d.dismiss()))  # an alert() would land here
    page.on("request", lambda r: REQUESTS.append(r.url))
    page.set_default_timeout(60_000)
    page.goto(server.url)
    yield page
    context.close()


def _idle(page) -> None:
    """Wait until no script run is in progress (``stApp``'s script state, the attribute Streamlit's
    own browser tests wait on): a click while elements are still being replaced can be lost."""
    page.wait_for_timeout(150)  # let a just-sent rerun request reach the server
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=ANSWER_TIMEOUT)


def _shot(page, name: str) -> None:
    page.wait_for_timeout(400)  # let the last delta paint
    page.screenshot(path=str(OUT / name))


def _ask(page, question: str) -> tuple[object, float]:
    """Type a question, press Enter; return the new assistant message and the seconds until its
    answer (with the app's latency line) was visible."""
    messages = page.locator(MESSAGE)
    before = messages.count()
    number = page.evaluate(LAST_MESSAGE_NUMBER_JS) + 2
    box = page.locator(CHAT_INPUT)
    box.fill(question)
    t0 = time.perf_counter()
    box.press("Enter")
    # Polled on every animation frame: expect()'s back-off (up to 1 s) would blur the measurement.
    page.wait_for_function(NEXT_ANSWER_JS, arg=[MESSAGE, before + 1, number], polling="raf", timeout=ANSWER_TIMEOUT)
    seconds = time.perf_counter() - t0
    reply = page.locator(f".st-key-msg-{number} {MESSAGE}")
    sync_api.expect(reply).to_contain_text(LATENCY)
    return reply, seconds


def _in_app_seconds(reply) -> float:
    m = LATENCY.search(reply.inner_text())
    assert m, reply.inner_text()
    return float(m.group(1))


def test_first_answer_with_citations_and_glossary_link(tab, server):
    page = tab
    page.locator(CHAT_INPUT).wait_for(timeout=ANSWER_TIMEOUT)  # the model loads during the first run
    TIMINGS["page_ready_s"] = round(time.perf_counter() - server.started, 2)
    sync_api.expect(page.get_by_text("過学習とは何ですか？").first).to_be_visible()  # example questions
    _shot(page, "01_welcome.png")
    reply, browser_s = _ask(page, "過学習の検出方法は？")
    TIMINGS["startup_to_first_answer_s"] = round(time.perf_counter() - server.started, 2)
    TIMINGS["questions"].append({"question": "過学習の検出方法は？", "browser_s": round(browser_s, 3),
                                 "in_app_s": _in_app_seconds(reply), "first": True})
    text = reply.inner_text()
    assert "［1］" in text and "過学習（overfitting）" in text and "aws_ml_glossary.ja.md:" in text
    assert "出典（" in text
    # The matched word is highlighted in the answer (Streamlit's background colour span).
    assert reply.locator("[data-testid='stMarkdownContainer'] span[class*='ColoredBackground'], "
                         "[data-testid='stMarkdownContainer'] span[style*='background']",
                         has_text="過学習").count() > 0, reply.inner_html()[:3000]
    _shot(page, "02_answer.png")
    # Follow the second citation's button to the glossary.
    reply.get_by_role("button", name="［2］").click()
    sync_api.expect(page.locator("h1", has_text="用語集")).to_be_visible()
    sync_api.expect(page.get_by_text("質問ページから開いた節").or_(page.get_by_text("質問ページから開いた箇所"))).to_be_visible()
    assert "term=" in page.url
    _shot(page, "03_glossary_from_citation.png")
    page.locator(NAV, has_text="質問").click()
    # The page draws its messages one after another: wait for both, not just the first.
    sync_api.expect(page.locator(MESSAGE), "the chat history survived the page switch").to_have_count(2)


def test_per_question_latency(tab):
    page = tab
    for q in ("TensorBoard の主な機能は？", "EventBridge は何に使いますか？", "SageMaker Pipelines の利点は？",
              "今日の天気は？"):
        reply, browser_s = _ask(page, q)
        TIMINGS["questions"].append({"question": q, "browser_s": round(browser_s, 3), "in_app_s": _in_app_seconds(reply)})
    assert "［1］" not in reply.inner_text()  # the out-of-scope one: no citations ...
    assert reply.locator("[data-testid='stButton']").count() >= 1  # ... but suggested terms
    _shot(page, "04_out_of_scope.png")


def test_older_turns_are_sent_when_opened_and_stay_open(tab):
    """Five questions in: the first two are one collapsed expander whose text the server sends only
    once it is opened; opened, it stays open as the conversation goes on."""
    page = tab
    older = page.locator("[data-testid='stExpander']", has_text="以前の会話")
    sync_api.expect(older).to_have_count(1)
    assert "過学習の検出方法は？" not in older.inner_text()
    older.locator("summary").click()
    sync_api.expect(older).to_contain_text("過学習の検出方法は？")
    _ask(page, "早期停止とは？")
    sync_api.expect(older).to_contain_text("（3 問）")
    sync_api.expect(older).to_contain_text("TensorBoard の主な機能は？")


def test_the_page_fetches_nothing_from_elsewhere(tab, server):
    """A classroom or office network may have no internet, and a learner's browser should not tell
    a third party which page it opened: every request (scripts, fonts, the favicon) goes to the app."""
    assert REQUESTS, "no request was recorded"
    elsewhere = sorted({u for u in REQUESTS if not u.startswith((server.url, "data:", "blob:"))})
    assert elsewhere == []


def test_hostile_input_shows_as_text(tab):
    page = tab
    hostile = "<script>alert(1)</script> **bold** https://evil.example/phish www.evil.example a@evil.example"
    reply, _ = _ask(page, hostile)
    user = page.locator(MESSAGE).nth(page.locator(MESSAGE).count() - 2)
    content = user.locator("[data-testid='stChatMessageContent']")
    assert hostile in content.inner_text()
    assert content.locator("script").count() == 0 and content.locator("strong").count() == 0
    assert content.locator("a").count() == 0, "user text became a link"
    page.wait_for_timeout(500)
    assert DIALOGS == []
    user.scroll_into_view_if_needed()
    _shot(page, "05_hostile_input.png")


def test_short_quiz(tab):
    try:
        _short_quiz(tab)
    except BaseException:
        tab.screenshot(path=str(OUT / "failed_quiz.png"), full_page=True)
        (OUT / "failed_quiz.html").write_text(tab.content(), encoding="utf-8")
        raise


def _short_quiz(page):
    page.locator(NAV, has_text="クイズ").click()
    sync_api.expect(page.locator("h1", has_text="クイズ")).to_be_visible()
    _idle(page)
    thumb = page.locator("[data-testid='stSlider'] input[type='range']")
    thumb.focus()
    thumb.press("Home")  # 1 question ...
    thumb.press("ArrowRight")
    thumb.press("ArrowRight")  # ... 3 questions
    sync_api.expect(thumb).to_have_attribute("aria-valuetext", "3")
    page.get_by_role("button", name="クイズを始める").click()
    sync_api.expect(page.get_by_text("全 3 問")).to_be_visible()
    sync_api.expect(page.get_by_role("button", name="採点する")).to_be_visible()  # the whole form is drawn
    _idle(page)
    sync_api.expect(page.get_by_text(re.compile(r"^問 \d / 3"))).to_have_count(3)
    form = page.locator("[data-testid='stForm']")
    for radio in form.locator("[data-testid='stRadio']").all():
        option = radio.locator("[data-testid='stRadioOption']").first
        option.click()
        sync_api.expect(option).to_have_attribute("data-selected", "true")
    checks = form.locator("[data-testid='stCheckbox']")
    for i in range(min(2, checks.count())):
        checks.nth(i).locator("label").click()
        sync_api.expect(checks.nth(i).locator("input")).to_be_checked()
    n_radio = form.locator("[data-testid='stRadio']").count()
    assert n_radio + (checks.count() > 0) == 3
    _shot(page, "06_quiz_form.png")
    page.get_by_role("button", name="採点する").click()
    sync_api.expect(page.locator("[data-testid='stMetricValue']").first).to_contain_text("/ 3")
    sync_api.expect(page.get_by_text("解説").first).to_be_visible()
    sync_api.expect(page.get_by_text(re.compile("問 [123]：.*(正解|不正解|未回答)"))).to_have_count(3)
    _idle(page)
    assert page.get_by_text(re.compile("問 [123]：.*未回答")).count() == 0, "every answer reached the server"
    page.set_viewport_size({"width": 1366, "height": 1500})  # taller shots: results and charts
    page.locator("[data-testid='stMetric']").first.scroll_into_view_if_needed()
    _shot(page, "07_quiz_result.png")
    page.get_by_text("成績の記録").scroll_into_view_if_needed()
    sync_api.expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
    _shot(page, "08_quiz_history.png")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_second_session_does_not_reload(chrome, server):
    context = chrome.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(server.url)
    page.locator(CHAT_INPUT).wait_for(timeout=60_000)
    TIMINGS["second_session_ready_s"] = round(time.perf_counter() - t0, 2)
    info = page.locator("[data-testid='stSidebar'] [data-testid='stExpander']", has_text="技術情報")
    info.locator("summary").click()
    sync_api.expect(info).to_contain_text("モデル読み込み: 1 回")
    m = re.search(r"モデル読み込み: 1 回（([\d.]+) 秒）", info.inner_text())
    TIMINGS["model_load_in_server_s"] = float(m.group(1)) if m else None
    m = re.search(r"回答エンジン準備: 1 回（([\d.]+) 秒）", info.inner_text())
    TIMINGS["answerer_build_in_server_s"] = float(m.group(1)) if m else None
    _shot(page, "09_second_session_sidebar.png")
    context.close()


def test_restart_start_up_to_first_answer(chrome, server):
    """A restart of the same workspace: the embedding cache is warm, as on any start after the
    first one, so this is the start-up time a user normally waits."""
    server.stop()
    server.log_path = OUT / "e2e_server_restart.log"
    TIMINGS["restart_server_healthy_s"] = round(server.start(), 2)
    context = chrome.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.goto(server.url)
    page.locator(CHAT_INPUT).wait_for(timeout=ANSWER_TIMEOUT)
    TIMINGS["restart_page_ready_s"] = round(time.perf_counter() - server.started, 2)
    reply, browser_s = _ask(page, "過学習とは何ですか？")
    TIMINGS["restart_to_first_answer_s"] = round(time.perf_counter() - server.started, 2)
    assert "［1］" in reply.inner_text()
    context.close()


def teardown_module(module):
    if not TIMINGS["questions"]:
        return
    later = [q["in_app_s"] for q in TIMINGS["questions"] if not q.get("first")]
    if later:
        TIMINGS["in_app_median_s"] = sorted(later)[len(later) // 2]
        TIMINGS["browser_median_s"] = sorted(q["browser_s"] for q in TIMINGS["questions"] if not q.get("first"))[len(later) // 2]
    # Reported against issue 11's targets, never asserted: speed goals live in benchmarks.
    TIMINGS["targets"] = {name: {"value": TIMINGS.get(name), "target_s": target,
                                 "met": TIMINGS.get(name) is not None and TIMINGS[name] <= target}
                          for name, target in (("startup_to_first_answer_s", 4.0), ("restart_to_first_answer_s", 4.0))}
    OUT.mkdir(exist_ok=True)
    (OUT / "e2e_timings.json").write_text(json.dumps(TIMINGS, ensure_ascii=False, indent=1), encoding="utf-8")
    print("\ne2e timings:", json.dumps(TIMINGS, ensure_ascii=False, indent=1))
