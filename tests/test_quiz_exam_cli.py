"""``python -m quiz exam``: real subprocesses (model, SQLite history) answering from stdin — a whole
exam, a pause and ``--resume``, an exam whose stored deadline passed while the learner was away —
and in-process runs with a clock that jumps past the deadline mid-exam (no sleeping)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from indexer.config import PROJECT_ROOT
from quiz import cli
from quiz import exam as mock
from quiz.generate import QuizGenerator
from quiz.history import History

PY = sys.executable


def _run(*args: str, stdin: str = "", timeout: int = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([PY, "-m", "quiz", "exam", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=PROJECT_ROOT, env=env)


@pytest.fixture
def config_file(tmp_path, project_config, shared_cache):
    import shutil

    knowledge = tmp_path / "knowledge"
    shutil.copytree(project_config.knowledge_dir, knowledge)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "knowledge_dir": str(knowledge),
        "model": {"name_or_path": project_config.model_path},
        "index_dir": str(tmp_path / "no-index"),
        "cache_file": str(shared_cache),
        "quiz": {"history_db": str(tmp_path / "history.sqlite"), "unsaved_dir": str(tmp_path / "unsaved"),
                 "exam": {"questions": 4, "minutes": 10, "pass_mark": 70}},
    }, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gen(embedder, shared_cache, project_config, tmp_path_factory):
    from indexer.loader import open_resources
    from quiz.generate import load_extra_aliases

    config = project_config.with_paths(cache_file=shared_cache, index_dir=tmp_path_factory.mktemp("gen") / "no-index")
    resources = open_resources(config, embedder=embedder, require_index=False)
    return QuizGenerator(resources.glossary, resources.embed_passages, knowledge_dir=config.knowledge_dir,
                         extra_aliases=load_extra_aliases(config.aliases_file, resources.glossary))


def right(q) -> str:
    return " ".join(str(i + 1) for i in sorted(q.correct_indices))


def wrong(q) -> str:
    bad = next(i for i, o in enumerate(q.options) if not o.correct)
    picks = [bad] + sorted(q.correct_indices)[: q.n_correct - 1]
    return " ".join(str(i + 1) for i in picks)


def planned(gen, n: int, seed: int, exam_id: int = 1):
    """The questions the CLI will ask, in its option order (the draw by seed, options by exam id)."""
    ids = [q.id for q in mock.draw_questions(gen, n, seed=seed)]
    return gen.questions(ids, seed=f"mock-exam-{exam_id}")


def test_a_whole_exam_from_stdin_no_feedback_until_the_report(config_file, gen, tmp_path):
    qs = planned(gen, 4, seed=7)
    answers = "\n".join([right(qs[0]), right(qs[1]), wrong(qs[2]), right(qs[3])]) + "\n"
    res = _run("--seed", "7", "--user", "hana", "--config", str(config_file), "--json", stdin=answers)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert (report["right"], report["total"], report["percent"], report["passed"]) == (3, 4, 75.0, True)
    assert report["pass_mark"] == 70 and not report["timed_out"] and report["user"] == "hana"
    assert [q["id"] for q in report["questions"]] == [q.id for q in qs]
    topics = {}
    for q, ok in zip(qs, (1, 1, 0, 1)):
        r, n = topics.get(q.topic, (0, 0))
        topics[q.topic] = (r + ok, n + 1)
    assert {t["topic"]: (t["right"], t["total"]) for t in report["topics"]} == topics
    # Questions and the remaining time on stderr, with no verdict before the end.
    assert res.stderr.count("残り時間 ") == 4 and "問題 4/4" in res.stderr
    assert "正解" not in res.stderr.split("問題 4/4")[0].replace("正解を", "")
    history = History(tmp_path / "history.sqlite", learner="hana", unsaved_dir=tmp_path / "unsaved")
    exam = history.exams()[0]
    assert exam.is_finished and exam.score["right"] == 3 and len(exam.answers) == 4
    assert [a["mode"] for a in history.attempts()] == ["exam"]


def test_pause_then_resume_keeps_the_answers_and_the_clock(config_file, gen, tmp_path):
    qs = planned(gen, 3, seed=2)
    res = _run("--n", "3", "--seed", "2", "--minutes", "20", "--config", str(config_file), stdin=right(qs[0]) + "\nq\n")
    assert res.returncode == 0, res.stderr
    assert "中断しました" in res.stdout and "--resume" in res.stdout and "の結果:" not in res.stdout
    history = History(tmp_path / "history.sqlite", unsaved_dir=tmp_path / "unsaved")
    exam = history.open_exam()
    assert exam is not None and list(exam.answers) == [qs[0].id] and exam.minutes == 20
    # Starting another exam is refused while this one is open.
    again = _run("--n", "3", "--config", str(config_file))
    assert again.returncode == 2 and "--resume" in again.stderr and "Traceback" not in again.stderr
    res = _run("--resume", "--config", str(config_file), stdin=f"{wrong(qs[1])}\n{right(qs[2])}\n")
    assert res.returncode == 0, res.stderr
    assert "問題 1/3" not in res.stdout and "問題 2/3" in res.stdout  # only the unanswered ones are asked
    assert "2/3 正解（67%） 合格ライン 70% → 不合格" in res.stdout
    assert "トピック別:" in res.stdout and "解説:" in res.stdout
    assert history.exams()[0].is_finished


def test_an_exam_whose_deadline_passed_while_away_is_graded_on_resume(config_file, gen, tmp_path):
    qs = planned(gen, 5, seed=3)
    history = History(tmp_path / "history.sqlite", learner="ken", unsaved_dir=tmp_path / "unsaved")
    started = datetime.now(timezone.utc) - timedelta(minutes=3)
    exam = history.start_exam([q.id for q in qs], minutes=2, now=started)  # stored start in the past
    history.save_exam_answer(exam.id, qs[0].id, qs[0].correct_indices, now=started + timedelta(seconds=30))
    res = _run("--resume", "--json", "--user", "ken", "--config", str(config_file))
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["timed_out"] and (report["right"], report["total"], report["unanswered"]) == (1, 5, 4)
    assert not report["passed"] and "時間切れ" in res.stderr
    assert history.exams()[0].is_finished and history.open_exam() is None


def test_time_runs_out_mid_exam(config_file, gen, tmp_path):
    """The clock (injected: server time, no sleeping) passes the deadline after the second answer."""
    qs = planned(gen, 4, seed=5)
    t0 = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)
    clock = [t0]

    class SlowLearner(io.StringIO):
        """Answers the first two questions at once; the third answer comes after the deadline."""
        lines = 0

        def readline(self, *a):
            SlowLearner.lines += 1
            if SlowLearner.lines == 3:
                clock[0] = t0 + timedelta(minutes=1, seconds=5)
            return super().readline(*a)

    from quiz import exam_cli

    out, err = io.StringIO(), io.StringIO()
    old, sys.stderr = sys.stderr, err
    try:
        code = exam_cli.main(["--n", "4", "--minutes", "1", "--seed", "5", "--config", str(config_file)],
                             stdin=SlowLearner("\n".join(right(q) for q in qs) + "\n"), stdout=out, generator=gen,
                             now=lambda: clock[0])
    finally:
        sys.stderr = old
    out, err = out.getvalue(), err.getvalue()
    assert "時間切れです。この回答は採点に含まれません。" in out
    assert code == 0, err
    assert "時間切れで終了しました。未回答 2 問は不正解として採点しました。" in out
    assert "2/4 正解（50%）" in out and "不合格" in out
    exam = History(tmp_path / "history.sqlite", unsaved_dir=tmp_path / "unsaved").exams()[0]
    assert exam.is_finished and len(exam.answers) == 2 and exam.score["timed_out"]


@pytest.mark.parametrize("args, message", [
    (["--pass-mark", "150"], "percentage"),
    (["--minutes", "0"], "at least 1"),
    (["--n", "many"], "not a whole number"),
])
def test_bad_arguments(args, message, config_file):
    res = _run(*args, "--config", str(config_file), timeout=60)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr


def test_the_quiz_json_command_is_unchanged(gen, tmp_path):
    out = io.StringIO()
    assert cli.main(["--n", "3", "--seed", "7", "--json", "--history", str(tmp_path / "h.sqlite")],
                    stdin=io.StringIO(""), stdout=out, generator=gen) == 0
    data = json.loads(out.getvalue())
    assert data["seed"] == 7 and [q["id"] for q in data["questions"]] == [q.id for q in gen.build(3, seed=7)]
