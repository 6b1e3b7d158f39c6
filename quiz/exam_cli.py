"""``python -m quiz exam``: a timed mock exam in the terminal.

    python -m quiz exam                        # config quiz.exam: questions, minutes, pass mark
    python -m quiz exam --n 30 --minutes 45 --pass-mark 72 --user hana
    python -m quiz exam --resume               # continue the open exam (its clock kept running)
    python -m quiz exam --n 5 --json < answers # questions on stderr, the report as JSON on stdout

No feedback until the end: each answer is saved the moment it is given, the remaining time is
shown with every question, and the deadline is the one stored when the exam started (another
terminal or the app sees the same clock). ``q``, end of input, Ctrl-C, SIGTERM or SIGHUP pause
the exam (continue with --resume, the clock does not stop); an answer given after the deadline is
not counted and the exam is graded with the answers given, unanswered counting wrong. An exam whose
time ran out while nobody was answering is graded the next time the learner runs this command.

Exit status: 0 finished or paused; 2 bad request (an exam is already open without --resume,
numbers out of range, more questions than the glossary yields); 3 the history cannot be used;
4 the glossary or the model cannot be loaded; 128+N paused by signal N.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Callable, TextIO

from . import exam as mock
from .cli import EXIT_BAD_REQUEST, EXIT_HISTORY, EXIT_LOAD, _ask, _feedback, _open_history, _positive_int, _split
from .model import Question, QuizError


def _percent(value: str) -> float:
    try:
        p = float(value.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number") from None
    if not 0 < p <= 100:
        raise argparse.ArgumentTypeError(f"must be a percentage in (0, 100], got {value}")
    return p


def _parser() -> argparse.ArgumentParser:
    doc = __doc__.split("\n")
    p = argparse.ArgumentParser(prog="python -m quiz exam", description="A timed mock exam in the terminal.",
                                epilog="\n".join(doc[2:]), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=_positive_int, help="number of questions (default: config quiz.exam.questions)")
    p.add_argument("--minutes", type=_positive_int, help="time limit (default: config quiz.exam.minutes)")
    p.add_argument("--pass-mark", type=_percent, metavar="P", help="percent right needed to pass "
                   "(default: config quiz.exam.pass_mark)")
    p.add_argument("--topics", nargs="+", metavar="TOPIC", help="only these terms (names or aliases)")
    p.add_argument("--seed", default=None, help="draw seed (default: random)")
    p.add_argument("--resume", action="store_true", help="continue the open exam")
    p.add_argument("--json", action="store_true", help="questions on stderr, the report as one JSON object on stdout")
    p.add_argument("--user", default=None, metavar="NAME", help="whose exam (default: $STUDY_USER or 'default')")
    p.add_argument("--history", help="history database: a SQLite file or a URL")
    p.add_argument("--config", help="path to config.yaml (default: the project's, or $STUDY_CONFIG)")
    return p


def _clock() -> datetime:
    return datetime.now(timezone.utc)


def main(argv: list[str], *, stdin: TextIO | None = None, stdout: TextIO | None = None, generator=None,
         now: Callable[[], datetime] = _clock) -> int:
    from indexer.errors import ErrorKind, KnowledgeError

    args = _parser().parse_args(argv)
    out = stdout or sys.stdout
    try:
        return _run(args, stdin or sys.stdin, out, sys.stderr if args.json else out, generator, now)
    except QuizError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_REQUEST
    except KnowledgeError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_HISTORY if e.kind is ErrorKind.HISTORY else EXIT_LOAD


def _generator(config, out: TextIO):
    from .cli import _new_generator, open_quiz_resources

    resources = open_quiz_resources(config)
    print("モデルを読み込んでいます…", file=sys.stderr, flush=True)
    return _new_generator(config, resources)


def _run(args, inp: TextIO, out: TextIO, talk: TextIO, generator, now) -> int:
    from indexer.config import load_config

    config = load_config(args.config)
    history = _open_history(args, config)
    history.check()
    still_open = history.open_exam(now())
    if still_open is not None and not args.resume:  # refused before the model loads
        print(f"error: mock exam #{still_open.id} of {history.learner} is still open "
              f"({mock.format_remaining(mock.seconds_left(still_open, now()))} left); continue it with --resume",
              file=sys.stderr)
        return EXIT_BAD_REQUEST
    generator = generator or _generator(config, talk)
    pass_mark = args.pass_mark or config.quiz.exam.pass_mark
    settled = mock.settle_expired(history, generator, pass_mark=pass_mark, now=now())
    for exam, report in settled:
        print(f"模擬試験 #{exam.id} は時間切れで終了し、採点しました。", file=talk)
    exam = history.open_exam(now())
    if args.resume:
        if exam is None:
            if settled:  # the exam to resume ran out while away: its report is the answer
                closed, report = settled[-1]
                _report(closed, report, mock.results_of(generator, closed), history, args.json, out, talk)
                return 0
            print("続きの模擬試験はありません。`python -m quiz exam` で始めましょう。", file=talk)
            return 0
    elif exam is not None:  # opened by another session while the model was loading
        raise QuizError(f"mock exam #{exam.id} of {history.learner} is still open; continue it with --resume")
    else:
        from .generate import resolve_topics

        n = args.n or config.quiz.exam.questions
        minutes = args.minutes or config.quiz.exam.minutes
        topics = resolve_topics(generator.glossary, _split(args.topics), generator.extra_aliases) if args.topics else None
        exam, _ = mock.start_exam(history, generator, n=n, minutes=minutes, topics=topics, seed=args.seed, now=now())
        print(f"模擬試験 #{exam.id}: {len(exam.question_ids)} 問・{minutes} 分・合格ライン {pass_mark:g}%"
              f"（学習者 {history.learner}）。解答中は正誤を表示しません。", file=talk)
    return _sit(exam, history, generator, pass_mark, args.json, inp, out, talk, now)


def _sit(exam, history, generator, pass_mark: float, as_json: bool, inp: TextIO, out: TextIO, talk: TextIO,
         now) -> int:
    """Ask the unanswered questions, saving each answer as given; grade at the end or time-out."""
    from .signals import Interrupts, QuizInterrupted

    questions = mock.exam_questions(generator, exam)
    stopped = None
    with Interrupts() as interrupts:
        try:
            for number, q in enumerate(questions, 1):
                if q.id in exam.answers:
                    continue
                left = mock.seconds_left(exam, now())
                if left is not None and left <= 0:
                    break
                print(f"\n残り時間 {mock.format_remaining(left)}", file=talk)
                chosen = _ask(q, number, len(questions), inp, talk)
                if chosen is None:
                    return _pause(exam, talk, now)
                with interrupts.deferred():
                    saved = mock.save_answer(history, exam, q.id, chosen, now=now())
                if saved is None:
                    print("時間切れです。この回答は採点に含まれません。", file=talk)
                    break
                exam = saved
        except (KeyboardInterrupt, QuizInterrupted) as e:
            stopped = e.signum if isinstance(e, QuizInterrupted) else 2
    if stopped:
        _pause(exam, talk, now)
        return 128 + stopped
    exam = next(e for e in history.exams() if e.id == exam.id)
    if exam.is_finished:  # finished in another session meanwhile
        report = mock.report_of(exam)
        result = mock.results_of(generator, exam)
    else:
        exam, report, result, outcome = mock.finish(history, generator, exam, pass_mark=pass_mark, now=now())
        if not outcome.saved:
            print(f"⚠ {outcome.message}", file=talk)
    _report(exam, report, result, history, as_json, out, talk)
    return 0


def _pause(exam, talk: TextIO, now) -> int:
    left = mock.format_remaining(mock.seconds_left(exam, now()))
    try:
        print(f"\n中断しました。回答は保存済みです。続きは `python -m quiz exam --resume`（残り {left}、時間は止まりません）。",
              file=talk, flush=True)
    except (OSError, ValueError):
        pass
    return 0


def _report(exam, report: mock.ExamReport, result, history, as_json: bool, out: TextIO, talk: TextIO) -> None:
    if as_json:
        data = {"exam_id": exam.id, "user": history.learner, **report.to_dict(),
                "questions": [{"id": r.id, "topic": r.question.topic, "chosen": sorted(r.chosen),
                               "correct": sorted(r.correct), "is_correct": r.is_correct, "answered": r.answered}
                              for r in result.results]}
        json.dump(data, out, ensure_ascii=False)
        print(file=out)
        return
    verdict = "合格" if report.passed else "不合格"
    print(f"\n模擬試験 #{exam.id} の結果: {report.right}/{report.total} 正解（{report.percent:.0f}%）"
          f" 合格ライン {report.pass_mark:g}% → {verdict}", file=out)
    if report.timed_out:
        print(f"時間切れで終了しました。未回答 {report.unanswered} 問は不正解として採点しました。", file=out)
    elif report.unanswered:
        print(f"未回答 {report.unanswered} 問は不正解として採点しました。", file=out)
    print("トピック別:", file=out)
    for t in report.topics:
        mark = "○" if report.topic_passed(t) else "×"
        print(f"  {mark} {t.topic}: {t.right}/{t.total}（{t.percent:.0f}%）", file=out)
    print("\n解説:", file=out)
    for i, r in enumerate(result.results, 1):
        print(f"\n問題 {i}: {r.question.stem}", file=out)
        if r.answered:
            _feedback(r.question, set(r.chosen), out)
        else:
            _unanswered(r.question, out)
    print(f"\n履歴に記録しました（{history.learner}、{history.path}）。", file=out)


def _unanswered(q: Question, out: TextIO) -> None:
    answer = "、".join(f"{i + 1}) {q.options[i].text}" for i in sorted(q.correct_indices))
    print(f"－ 未回答。正解: {answer}", file=out)
    print(q.explanation, file=out)
