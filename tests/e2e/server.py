"""``streamlit run app.py`` as a real server process for the browser tests: a free localhost port,
its own process group (stopped by its id, never by name), a log file under test-output/."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from indexer.config import PROJECT_ROOT
from tests.e2e.workspace import APP

OUT = PROJECT_ROOT / "test-output"
START_TIMEOUT = 120  # s, server health


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


class Server:
    """``streamlit run app.py`` on a free localhost port, in its own process group."""

    def __init__(self, config: Path, log_name: str, env: dict | None = None):
        self.env = {**os.environ, "STUDY_CONFIG": str(config), "PYTHONUNBUFFERED": "1", **(env or {})}
        self.log_path = OUT / log_name
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Start and wait for /_stcore/health; returns seconds to healthy. ``self.started`` is the
        moment the process was launched (the zero of every start-up timing)."""
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        OUT.mkdir(exist_ok=True)
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            env=self.env, cwd=PROJECT_ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        while not _healthy(self.url):
            assert self.proc.poll() is None, self.log_path.read_text(encoding="utf-8")
            assert time.perf_counter() - self.started < START_TIMEOUT, "server did not become healthy"
            time.sleep(0.2)
        return time.perf_counter() - self.started

    def stop(self) -> None:
        if self.proc is None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # only the server this test started
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None
        self.log.close()
