"""Two app servers, one database: two ``streamlit run`` processes on different ports, one
PostgreSQL database (a throw-away server) and one index folder. A quiz answered in a real browser
on one server shows in the other server's history for the same learner, and not for another one.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright import sync_api

from indexer.config import PROJECT_ROOT
from quiz.history import History
from tests.e2e.server import Server
from tests.e2e.workspace import project_model_path, write_workspace

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage"]
TIMEOUT = 180_000  # ms: each server loads the model on its first quiz, on a busy machine

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                reason=f"no Chromium at {CHROMIUM} (make browser)")


@pytest.fixture(scope="module")
def servers(tmp_path_factory, pg_server):
    url = pg_server.create_database()
    config = write_workspace(tmp_path_factory.mktemp("two"), project_model_path())
    env = {"STUDY_HISTORY_URL": url}
    a, b = Server(config, "two_servers_a.log", env), Server(config, "two_servers_b.log", env)
    build = subprocess.run([sys.executable, "-m", "indexer", "--quiet"], env=a.env, cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    try:
        a.start()
        b.start()
        assert a.url != b.url
        yield url, a, b
    finally:
        a.stop()
        b.stop()


@pytest.fixture(scope="module")
def chrome():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


def _page(chrome, url: str):
    context = chrome.new_context(viewport={"width": 1366, "height": 1400}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    return page


def _idle(page) -> None:
    page.wait_for_timeout(150)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=TIMEOUT)


def _take_quiz(page, n: int) -> None:
    """Start an n-question quiz and answer every question with its first option(s)."""
    sync_api.expect(page.locator("h1", has_text="クイズ")).to_be_visible(timeout=TIMEOUT)
    _idle(page)
    thumb = page.locator("[data-testid='stSlider'] input[type='range']")
    thumb.focus()
    thumb.press("Home")
    for _ in range(n - 1):
        thumb.press("ArrowRight")
    sync_api.expect(thumb).to_have_attribute("aria-valuetext", str(n))
    page.get_by_role("button", name="クイズを始める").click()
    sync_api.expect(page.get_by_role("button", name="採点する")).to_be_visible(timeout=TIMEOUT)
    _idle(page)
    form = page.locator("[data-testid='stForm']")
    for radio in form.locator("[data-testid='stRadio']").all():
        option = radio.locator("[data-testid='stRadioOption']").first
        option.click()
        sync_api.expect(option).to_have_attribute("data-selected", "true")
    checks = form.locator("[data-testid='stCheckbox']")
    for i in range(checks.count()):
        checks.nth(i).locator("label").click()
    page.get_by_role("button", name="採点する").click()
    sync_api.expect(page.locator("[data-testid='stMetricValue']").first).to_contain_text(f"/ {n}", timeout=TIMEOUT)
    _idle(page)


def test_a_quiz_on_one_server_shows_on_the_other_for_that_learner_only(servers, chrome):
    url, a, b = servers
    on_a = _page(chrome, f"{a.url}/quiz?user=hana")
    _take_quiz(on_a, 2)
    # Stored once, for hana, in the shared database.
    hana = History(url, learner="hana")
    assert hana.summary()["answered"] == 2 and len(hana.attempts()) == 1
    assert History(url, learner="ken").summary()["answered"] == 0

    on_b = _page(chrome, f"{b.url}/quiz?user=hana")
    sync_api.expect(on_b.get_by_text(re.compile("学習者 hana：受験 1 回・回答 2 件"))).to_be_visible(timeout=TIMEOUT)
    other = _page(chrome, f"{b.url}/quiz?user=ken")
    sync_api.expect(other.get_by_text("まだ記録がありません").first).to_be_visible(timeout=TIMEOUT)
    assert other.get_by_text(re.compile("受験 1 回")).count() == 0
    # A reload keeps the learner (the profile lives in the URL).
    on_b.reload()
    _idle(on_b)
    sync_api.expect(on_b.get_by_text(re.compile("学習者 hana：受験 1 回・回答 2 件"))).to_be_visible(timeout=TIMEOUT)
    hana.db.dispose()
