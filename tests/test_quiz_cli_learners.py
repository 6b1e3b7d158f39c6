"""``python -m quiz`` and learners: --user, --stats --json, --export, --delete, on SQLite and on a
real PostgreSQL server; the terminal quiz saving each answer as it is given, ended by real signals
sent to a real process; and a database that is down (a real server, stopped) losing nothing."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from indexer.config import PROJECT_ROOT
from indexer.glossary import load_glossary
from quiz import cli
from quiz.generate import QuizGenerator
from quiz.history import History
from quiz.similarity import CharNgramSimilarity

# The real CLI in a real process, with the character n-gram similarity instead of the E5 model so
# it starts in a second (the signals and the saving are what is tested here, not the distractors).
RUNNER = """
import sys
from indexer.config import PROJECT_ROOT
from indexer.glossary import load_glossary
from quiz import cli
from quiz.generate import QuizGenerator
from quiz.similarity import CharNgramSimilarity
gen = QuizGenerator(load_glossary(PROJECT_ROOT / "knowledge"), CharNgramSimilarity(), knowledge_dir=PROJECT_ROOT / "knowledge")
sys.exit(cli.main(sys.argv[1:], generator=gen))
"""


@pytest.fixture(scope="module")
def gen():
    return QuizGenerator(load_glossary(PROJECT_ROOT / "knowledge"), CharNgramSimilarity(), knowledge_dir=PROJECT_ROOT / "knowledge")


def _main(argv, gen, answers: str = ""):
    out, err = io.StringIO(), io.StringIO()
    old = sys.stderr
    sys.stderr = err
    try:
        code = cli.main(argv, stdin=io.StringIO(answers), stdout=out, generator=gen)
    finally:
        sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def _right(q) -> str:
    return " ".join(str(i + 1) for i in sorted(q.correct_indices))


def _wrong(q) -> str:
    return " ".join(str(i + 1) for i in [i for i in range(len(q.options)) if i not in q.correct_indices][: q.n_correct])


def test_users_stats_json_export_delete(gen, history_url, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDY_HISTORY_URL", history_url)  # the location comes from the environment
    monkeypatch.chdir(tmp_path)
    qs = gen.build(3, seed=21)
    code, out, err = _main(["--user", "hana", "--n", "3", "--seed", "21"], gen,
                           f"{_right(qs[0])}\n{_wrong(qs[1])}\n{_right(qs[2])}\n")
    assert code == 0, err
    assert "結果: 2/3 正解" in out and "履歴に記録しました（hana" in out
    code, _, err = _main(["--user", "ken", "--n", "3", "--seed", "21"], gen, f"{_wrong(qs[0])}\nq\n")
    assert code == 0, err

    code, out, _ = _main(["--stats", "--user", "hana", "--json"], gen)
    stats = json.loads(out)
    topics: dict = {}
    for q, ok in zip(qs, (1, 0, 1)):
        t = topics.setdefault(q.topic, {"answered": 0, "correct": 0})
        t["answered"] += 1
        t["correct"] += ok
    assert code == 0 and stats == {"user": "hana", "answered": 3, "correct": 2, "topics": topics}
    code, out, _ = _main(["--stats", "--user", "ken", "--json"], gen)
    assert json.loads(out) == {"user": "ken", "answered": 1, "correct": 0, "topics": {qs[0].topic: {"answered": 1, "correct": 0}}}
    code, out, _ = _main(["--users"], gen)
    assert out.split() == ["hana", "ken"]

    code, out, _ = _main(["--user", "hana", "--export", str(tmp_path / "hana.csv")], gen)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "hana.csv").read_text(encoding="utf-8-sig"), newline="")))
    assert code == 0 and [r["question_id"] for r in rows] == [q.id for q in qs] and "3 件" in out
    code, _, _ = _main(["--user", "hana", "--export", str(tmp_path / "hana.json")], gen)
    data = json.loads((tmp_path / "hana.json").read_text(encoding="utf-8"))
    assert data["user"] == "hana" and len(data["attempts"][0]["answers"]) == 3
    code, _, err = _main(["--user", "hana", "--export", str(tmp_path / "hana.txt")], gen)
    assert code == 2 and ".csv or .json" in err

    code, out, _ = _main(["--user", "hana", "--delete"], gen, "n\n")  # asked, declined
    assert code == 1 and "削除しませんでした" in out and "3 件の回答" in out
    assert json.loads(_main(["--stats", "--user", "hana", "--json"], gen)[1])["answered"] == 3
    code, out, _ = _main(["--user", "hana", "--delete"], gen, "")  # no answer (a script): nothing deleted
    assert code == 1
    code, out, _ = _main(["--user", "hana", "--delete"], gen, "y\n")
    assert code == 0 and "回答 3 件" in out
    assert json.loads(_main(["--stats", "--user", "hana", "--json"], gen)[1]) == {
        "user": "hana", "answered": 0, "correct": 0, "topics": {}}
    assert json.loads(_main(["--stats", "--user", "ken", "--json"], gen)[1])["answered"] == 1
    code, out, _ = _main(["--user", "ken", "--delete", "--yes"], gen)
    assert code == 0 and _main(["--users"], gen)[1].split() == []

    code, _, err = _main(["--user", "", "--stats"], gen)
    assert code == 2 and "cannot be empty" in err


class _Quiz:
    """The real CLI in a subprocess, driven line by line through a pipe."""

    def __init__(self, url: str, user: str, n: int, seed: int, unsaved, extra_env=None):
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "STUDY_HISTORY_URL": url, **(extra_env or {})}
        self.proc = subprocess.Popen([sys.executable, "-c", RUNNER, "--user", user, "--n", str(n), "--seed", str(seed)],
                                     cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.out: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for chunk in iter(lambda: self.proc.stdout.read(1), ""):
            self.out.append(chunk)

    def text(self) -> str:
        return "".join(self.out)

    def wait_for(self, marker: str, timeout: float = 60) -> None:
        end = time.time() + timeout
        while marker not in self.text():
            assert time.time() < end and self.proc.poll() is None, f"no {marker!r} in:\n{self.text()}\n{self.proc.stderr.read() if self.proc.poll() is not None else ''}"
            time.sleep(0.05)

    def answer(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        code = self.proc.wait(timeout=timeout)
        return code, self.text(), self.proc.stderr.read()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
                         ids=["SIGINT", "SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_signal_mid_quiz_loses_no_answer(gen, tmp_path, sig):
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    qs = gen.build(6, seed=33)
    quiz = _Quiz(url, "hana", 6, 33, tmp_path)
    for i, q in enumerate(qs[:3]):
        quiz.wait_for(f"問題 {i + 1}/6")
        quiz.answer(_right(q) if i != 1 else _wrong(q))
    quiz.wait_for("問題 4/6")  # the third answer was saved before this question was shown
    quiz.proc.send_signal(sig)
    code, out, err = quiz.finish()
    assert "Traceback" not in err + out, err
    if sig != signal.SIGKILL:  # SIGKILL cannot be handled: only "nothing lost" is asserted
        assert code == 128 + sig, (code, err)
        assert "中断しました" in out and "ここまでの回答は記録済みです" in out
    h = History(url, learner="hana", unsaved_dir=tmp_path)
    assert h.summary()["answered"] == 3 and h.summary()["correct"] == 2
    assert [a["n_questions"] for a in h.attempts()] == [3]  # one attempt, each answer once


def test_database_down_quiz_goes_on_and_answers_are_saved_later(gen, own_pg_server, tmp_path):
    """A real PostgreSQL server, stopped mid-quiz: the quiz goes on, the learner is told, the
    answers wait in the side file; with the server back, the next command saves them, once."""
    url = own_pg_server.create_database()
    unsaved = tmp_path / "unsaved"
    env = {"STUDY_CONFIG": str(_config(tmp_path, unsaved))}
    qs = gen.build(5, seed=44)
    quiz = _Quiz(url, "hana", 5, 44, unsaved, env)
    quiz.wait_for("問題 1/5")
    quiz.answer(_right(qs[0]))
    quiz.wait_for("問題 2/5")
    own_pg_server.stop()  # the database goes away while the learner is answering
    for i, q in enumerate(qs[1:4], 1):
        quiz.answer(_right(q))
        quiz.wait_for(f"問題 {i + 2}/5")
    quiz.answer("q")
    code, out, err = quiz.finish()
    assert "Traceback" not in err, err
    assert code == 3 and "進捗を今は保存できません" in out and "3 件の回答が保存待ちです" in out
    assert out.count("○ 正解") == 4  # the quiz itself went on
    side = list(unsaved.glob("*.jsonl"))
    assert len(side) == 1 and len(side[0].read_text(encoding="utf-8").splitlines()) == 3

    # A learner starting a quiz while the server is still down is not stopped either.
    quiz = _Quiz(url, "hana", 5, 45, unsaved, env)
    quiz.wait_for("問題 1/5")
    assert "進捗を今は保存できません" in quiz.text()
    quiz.answer("q")
    assert quiz.finish()[0] == 0

    own_pg_server.start()
    res = subprocess.run([sys.executable, "-c", RUNNER, "--user", "hana", "--stats", "--json"], cwd=PROJECT_ROOT,
                         env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "STUDY_HISTORY_URL": url, **env},
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {**json.loads(res.stdout), "user": "hana", "answered": 4, "correct": 4}
    assert "保存待ちだった 3 件の回答を履歴に保存しました" in res.stderr
    assert not list(unsaved.glob("*.jsonl"))
    h = History(url, learner="hana", unsaved_dir=unsaved)
    assert [a["n_questions"] for a in h.attempts()] == [4]  # one attempt: the kept answers joined it
    h.db.dispose()


def _config(tmp_path, unsaved):
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"quiz": {"unsaved_dir": str(unsaved), "default_n": 5}}), encoding="utf-8")
    return path
