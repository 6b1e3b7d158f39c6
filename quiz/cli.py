"""``python -m quiz``: take a quiz in the terminal, print one as JSON, review mistakes, see stats.

Examples::

    python -m quiz                          # 10 questions (config quiz.default_n), all topics and types
    python -m quiz --n 5 --topics Debugger EventBridge --types select_two
    python -m quiz --n 10 --seed 1 --json   # the same seed always gives the same quiz
    python -m quiz --review                 # missed questions that FSRS says are due, then other open mistakes
    python -m quiz --stats                  # accuracy per topic from the history
    python -m quiz --list-topics / --list-types
    python -m quiz --anki deck.apkg          # the whole question bank as an Anki deck (--topics/--types filter it)
    python -m quiz --anki missed.apkg --missed   # only the questions you answered wrong
    python -m quiz exam [--n N] [--minutes M] [--pass-mark P] [--resume]   # a timed mock exam (exam --help)

Learners: every command works on one learner's history, --user NAME (default: $STUDY_USER, else
"default", the profile an older single-learner history was moved into)::

    python -m quiz --user hana --n 5              # take a quiz as hana
    python -m quiz --user hana --stats --json     # {"user": "hana", "answered": N, "correct": M, "topics": {...}}
    python -m quiz --user hana --export hana.csv  # or .json: hana's attempts, answers, review cards, mock exams
    python -m quiz --user hana --delete [--yes]   # delete hana's history (asks first unless --yes)
    python -m quiz --users                        # who has a history here

The history is a SQLite file or a PostgreSQL database: config quiz.history_url, or $STUDY_HISTORY_URL,
or --history (a file path or a URL). Each answer is saved when it is given; Ctrl-C, SIGTERM or SIGHUP
end the quiz cleanly and lose nothing. When the database cannot be reached, the quiz goes on, the
answers wait in a side file and are saved by the next command that reaches it.

Exit status: 0 done; 1 deletion declined; 2 bad request (unknown topic/type, --n not positive, more
questions than the glossary yields - the message says how many there are, a bad learner name or export
file); 3 the history database is corrupt, locked, unreachable or unwritable (nothing in it is changed;
answers of a quiz are kept in the side file); 4 the glossary or the model cannot be loaded;
128+N the quiz was ended by signal N (its answers are saved).

Every check that needs only the command line or the glossary runs before the model is loaded, so
a typo is reported in a second, not after the model has loaded.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timezone
from typing import Callable, TextIO

from .model import QUESTION_TYPES, Question, QuizError

EXIT_BAD_REQUEST, EXIT_HISTORY, EXIT_LOAD = 2, 3, 4


def open_quiz_resources(config):
    """The glossary (and index, when built) through the shared ``open_resources``; the model loads
    on first use, so checking a request costs no model load, and a quiz works before any index."""
    from indexer.loader import open_resources

    return open_resources(config, require_index=False)


def quiz_aliases(resources) -> dict[str, tuple[str, ...]]:
    """The aliases the index was built with (so a half-edited aliases.yaml never changes a quiz);
    read from the file only when there is no index yet."""
    from .generate import load_extra_aliases

    if resources.aliases is not None:
        return dict(resources.aliases.terms)
    return load_extra_aliases(resources.config.aliases_file, resources.glossary)


def load_generator(config_path: str | None = None):
    """(config, QuizGenerator) for ``python -m quiz.validate``; raises KnowledgeError."""
    from indexer.config import load_config

    config = load_config(config_path)
    return config, _new_generator(config, open_quiz_resources(config))


def _new_generator(config, resources, extra=None):
    """The bank with its knowledge: aliases, capabilities.yaml and the reviewers' verdicts (a
    malformed one raises CapabilitiesError, a KnowledgeError naming file:line)."""
    from .generate import QuizGenerator, knowledge_extras

    glossary = resources.glossary
    extra = extra if extra is not None else quiz_aliases(resources)
    caps, review = knowledge_extras(config.knowledge_dir, glossary)
    return QuizGenerator(glossary, resources.embed_passages, extra_aliases=extra, capabilities=caps, review=review)


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


def _parser() -> argparse.ArgumentParser:
    doc = __doc__.split("\n")
    p = argparse.ArgumentParser(prog="python -m quiz", description="Take a quiz in the terminal, print one as JSON, review mistakes, see stats.",
                                epilog="\n".join(doc[2:]), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=_positive_int, default=None, help="number of questions (default: config quiz.default_n)")
    p.add_argument("--seed", default=None, help="quiz seed: the same seed gives the same quiz (default: random, printed)")
    p.add_argument("--topics", nargs="+", metavar="TOPIC", help="only these terms (names or aliases, e.g. Debugger 過学習)")
    p.add_argument("--types", nargs="+", metavar="TYPE", help="only these question types (see --list-types)")
    p.add_argument("--json", action="store_true", help="print the quiz (or with --stats, the totals) as JSON")
    p.add_argument("--review", action="store_true", help="a quiz of your missed questions (FSRS decides which are due)")
    p.add_argument("--stats", action="store_true", help="print accuracy per topic from the history")
    p.add_argument("--list-types", action="store_true", help="list the question types")
    p.add_argument("--list-topics", action="store_true", help="list the topics (terms) of the glossary")
    p.add_argument("--anki", metavar="FILE", help="write an Anki deck (.apkg) of the question bank instead of a quiz")
    p.add_argument("--missed", action="store_true", help="with --anki: only the questions you answered wrong (from the history)")
    p.add_argument("--config", help="path to config.yaml (default: the project's, or $STUDY_CONFIG)")
    p.add_argument("--history", help="history database: a SQLite file or a URL (default: config quiz.history_url "
                   "or $STUDY_HISTORY_URL)")
    p.add_argument("--user", default=None, metavar="NAME",
                   help="whose history (default: $STUDY_USER or 'default')")
    p.add_argument("--users", action="store_true", help="list the learners who have a history")
    p.add_argument("--export", metavar="FILE", help="write the learner's history to FILE (.csv or .json)")
    p.add_argument("--delete", action="store_true", help="delete the learner's history (asks first)")
    p.add_argument("--yes", action="store_true", help="with --delete: do not ask")
    return p


def _seed(raw: str | None) -> int | str:
    if raw is None:
        import secrets

        return secrets.randbelow(10**6)
    return int(raw) if re.fullmatch(r"-?\d+", raw) else raw


# ------------------------------------------------------------------------------------- terminal

def _ask(q: Question, number: int, total: int, inp: TextIO, out: TextIO) -> set[int] | None:
    print(f"\n問題 {number}/{total}  [{q.type_name}] {q.shown_topic}".rstrip(), file=out)
    print(q.stem, file=out)
    for i, o in enumerate(q.options, 1):
        print(f"  {i}) {o.text}", file=out)
    hint = f"{q.n_correct}つの番号をスペース区切りで" if q.n_correct > 1 else "番号"
    while True:
        print(f"回答（{hint}、q で終了）: ", end="", file=out, flush=True)
        line = inp.readline()
        if not line or line.strip().lower() in ("q", "quit", "exit"):
            return None
        parts = [x for x in re.split(r"[\s,、]+", line.strip()) if x]
        try:
            chosen = {int(x) - 1 for x in parts}
        except ValueError:
            print("  番号で答えてください。", file=out)
            continue
        if any(not 0 <= c < len(q.options) for c in chosen):
            print(f"  1〜{len(q.options)} の番号で答えてください。", file=out)
            continue
        if len(chosen) != q.n_correct:
            print(f"  {q.n_correct}つ選んでください。", file=out)
            continue
        return chosen


def _feedback(q: Question, chosen: set[int], out: TextIO) -> None:
    right = q.correct_indices
    ok = chosen == set(right)
    answer = "、".join(f"{i + 1}) {q.options[i].text}" for i in sorted(right))
    print(("○ 正解！" if ok else f"× 不正解。正解: {answer}"), file=out)
    print(q.explanation, file=out)
    for i, o in enumerate(q.options, 1):
        print(f"  {i}) {o.why}", file=out)


def _say(out: TextIO, text: str = "", **kw) -> None:
    """Print, unless the terminal is gone (SIGHUP): the answers matter more than the message."""
    try:
        print(text, file=out, flush=True, **kw)
    except (OSError, ValueError):
        pass


def run_interactive(questions: list[Question], history, *, mode: str, seed, inp: TextIO, out: TextIO,
                    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> int:
    """Ask, and save each answer the moment it is given (a kill loses at most the question on
    screen). A signal during a save waits for the save; then the quiz ends with its summary."""
    from .history import AnswerRecord, AttemptInfo
    from .scoring import score
    from .signals import Interrupts, QuizInterrupted

    attempt = AttemptInfo.new(mode=mode, seed=seed, started_at=now())
    answers: dict[str, set[int]] = {}
    asked: list[Question] = []
    kept = None  # the last SaveOutcome that could not reach the database
    stopped: int | None = None
    with Interrupts() as interrupts:
        try:
            for number, q in enumerate(questions, 1):
                chosen = _ask(q, number, len(questions), inp, out)
                if chosen is None:
                    _say(out, "\n中断しました。ここまでの回答は記録済みです。")
                    break
                answers[q.id] = chosen
                asked.append(q)
                record = AnswerRecord.of(number - 1, score([q], {q.id: chosen}).results[0], now())
                with interrupts.deferred():
                    outcome = history.save_answers(attempt, [record])
                if not outcome.saved:
                    if kept is None:
                        _say(out, f"⚠ 進捗を今は保存できません。回答は保管し、次に履歴へ接続できたときに保存します。（{outcome.message}）")
                    kept = outcome
                _feedback(q, chosen, out)
        except (KeyboardInterrupt, QuizInterrupted) as e:
            stopped = e.signum if isinstance(e, QuizInterrupted) else 2
            _say(out, f"\n中断しました（{'Ctrl-C' if stopped == 2 else QuizInterrupted(stopped)}）。ここまでの回答は記録済みです。")
    return _finish(asked, answers, history, kept, stopped, out)


def _finish(asked, answers, history, kept, stopped, out: TextIO) -> int:
    from .scoring import score

    if not asked:
        _say(out, "回答がないので記録しません。")
        return 128 + stopped if stopped else 0
    result = score(asked, answers)
    _say(out, f"\n結果: {result.summary()}")
    for topic, (r, n) in sorted(result.per_topic.items()):
        _say(out, f"  {topic}: {r}/{n}")
    if kept is not None:
        _say(out, f"⚠ {kept.pending} 件の回答が保存待ちです（{history.pending.path}）。次に履歴へ接続できたときに保存します。")
        try:
            print(f"error: {kept.message}", file=sys.stderr)
        except (OSError, ValueError):
            pass
        return 128 + stopped if stopped else EXIT_HISTORY
    _say(out, f"履歴に記録しました（{history.learner}、{history.path}）。")
    return 128 + stopped if stopped else 0


def _print_stats(history, out: TextIO) -> None:
    stats = history.topic_stats()
    if not stats:
        print("まだ履歴がありません。`python -m quiz` で始めましょう。", file=out)
        return
    print(f"{'トピック':<30} 回答  正解  正答率  未解決のミス", file=out)
    for s in stats.values():
        print(f"{s.topic:<30} {s.answered:4d}  {s.right:4d}  {s.accuracy:6.0%}  {s.open_mistakes:4d}", file=out)
    queue = history.review_queue()
    due = sum(i.is_due for i in queue)
    print(f"\n復習キュー: {due} 問が復習時期、{len(queue) - due} 問が未解決（python -m quiz --review）", file=out)
    points = history.accuracy_over_time()
    if points:
        print("\n最近の受験（トピック別の正答率）:", file=out)
        recent = sorted({p.attempt_id for p in points})[-5:]
        for aid in recent:
            row = [p for p in points if p.attempt_id == aid]
            cells = ", ".join(f"{p.topic} {p.right}/{p.total}" for p in row)
            print(f"  #{aid} {row[0].at[:16].replace('T', ' ')}: {cells}", file=out)


# ------------------------------------------------------------------------------------- learners

def _open_history(args, config):
    import os

    from .history import DEFAULT_LEARNER, History

    url = args.history or os.environ.get("STUDY_HISTORY_URL") or config.quiz.url
    user = args.user if args.user is not None else os.environ.get("STUDY_USER") or DEFAULT_LEARNER
    return History(url, learner=user, unsaved_dir=config.quiz.unsaved_dir)


def _flush(history, out: TextIO) -> None:
    """Save answers an earlier command had to keep aside; silent when there are none."""
    from .history import HistoryUnavailableError

    try:
        n = history.flush_pending()
    except HistoryUnavailableError:
        return
    if n:
        print(f"保存待ちだった {n} 件の回答を履歴に保存しました。", file=out)


def _learner_command(args, history, inp: TextIO, out: TextIO) -> int:
    from .history import write_export

    if args.users:
        for name in history.db.learners():
            print(name, file=out)
        return 0
    if args.export:
        from .history import HistoryError, export_format

        try:
            export_format(args.export)
        except HistoryError as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_BAD_REQUEST
        _flush(history, sys.stderr)
        n = write_export(history, args.export)
        print(f"{history.learner} の履歴（{n} 件の回答）を {args.export} に書き出しました。", file=out)
        return 0
    if args.delete:
        total = history.summary()["answered"]
        if not args.yes:
            print(f"{history.learner} の履歴（{total} 件の回答、{len(history.attempts())} 回の受験）を削除します。"
                  "元に戻せません。よろしいですか？ [y/N] ", end="", file=out, flush=True)
            if inp.readline().strip().lower() not in ("y", "yes", "はい"):
                print("削除しませんでした。", file=out)
                return 1
        counts = history.delete()
        print(f"{history.learner} の履歴を削除しました（回答 {counts['answers']} 件、受験 {counts['attempts']} 回、"
              f"復習カード {counts['cards']} 枚、模試 {counts['mock_exams']} 回）。", file=out)
        return 0
    _flush(history, sys.stderr if args.json else out)
    if args.json:
        json.dump(history.summary(), out, ensure_ascii=False)
        print(file=out)
    else:
        print(f"学習者: {history.learner}", file=out)
        _print_stats(history, out)
    return 0


def _export_anki(generator, path: str, topics: list[str], types: list[str], missed_ids: list[str] | None, out: TextIO) -> int:
    """The bank (never a question reviewed as flawed), or the learner's missed questions as the bank
    asks them now (ids the glossary no longer yields are left out)."""
    from .anki import export_anki

    if missed_ids is None:
        ids, deck = sorted(i for i in generator.bank if i not in generator.blocked), "AWS ML 用語集クイズ"
    else:
        ids, deck = missed_ids, "AWS ML 用語集クイズ（間違えた問題）"
    questions = [q for q in generator.questions(ids) if q.topic in topics and q.type in types]
    if not questions:
        print("書き出す問題がありません。" + ("間違えた問題があると、ここに出てきます。" if missed_ids is not None else ""), file=out)
        return 0
    try:
        n = export_anki(questions, path, deck)
    except OSError as e:
        print(f"error: cannot write {path}: {e}", file=sys.stderr)
        return EXIT_BAD_REQUEST
    print(f"{n} 問を Anki のデッキ {path} に書き出しました。", file=out)
    return 0


# ------------------------------------------------------------------------------------- main

def main(argv: list[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
         generator=None) -> int:
    """``generator`` lets tests and the app pass an already-built QuizGenerator (no model load)."""
    from indexer.errors import ErrorKind, KnowledgeError

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["exam"]:
        from .exam_cli import main as exam_main

        return exam_main(argv[1:], stdin=stdin, stdout=stdout, generator=generator)
    args = _parser().parse_args(argv)
    try:
        return _run(args, stdin or sys.stdin, stdout or sys.stdout, generator)
    except QuizError as e:  # NotEnoughQuestions included: the message says how many there are
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_REQUEST
    except KnowledgeError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_HISTORY if e.kind is ErrorKind.HISTORY else EXIT_LOAD


def _run(args: argparse.Namespace, inp: TextIO, out: TextIO, generator) -> int:
    if args.list_types:
        for k, v in QUESTION_TYPES.items():
            print(f"{k:18s} {v}", file=out)
        return 0

    from indexer.config import load_config

    from .generate import resolve_topics, resolve_types
    from .history import HistoryUnavailableError, LearnerNameError
    from .names import term_aliases

    config = load_config(args.config)
    try:
        history = _open_history(args, config)
    except LearnerNameError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_REQUEST
    if args.users or args.stats or args.export or args.delete:
        return _learner_command(args, history, inp, out)

    resources = open_quiz_resources(config) if generator is None else None
    glossary = generator.glossary if generator is not None else resources.glossary
    if args.list_topics:
        for t in glossary.terms:
            others = [a for a in term_aliases(t) if a != t.name]  # the glossary's own names; aliases.yaml adds more
            print(t.name + (f"  （{', '.join(others)}）" if others else ""), file=out)
        return 0

    n = args.n or config.quiz.default_n
    extra = generator.extra_aliases if generator is not None else quiz_aliases(resources)
    topics = resolve_topics(glossary, _split(args.topics), extra)
    types = resolve_types(_split(args.types))
    seed = _seed(args.seed)

    review_ids: list[str] = []
    if args.missed and not args.anki:
        print("error: --missed goes with --anki FILE", file=sys.stderr)
        return EXIT_BAD_REQUEST
    missed_ids: list[str] | None = None
    if args.anki and args.missed:
        missed_ids = [m.question_id for m in history.missed_questions()]
    if (args.review or not args.json) and not args.anki:
        # Open the history before the quiz: a corrupt or locked file must stop us before the learner
        # has answered anything, not after.
        try:
            history.check()
            _flush(history, out)
            if args.review:
                review_ids = [i.question_id for i in history.review_queue()]
        except HistoryUnavailableError as e:
            if args.review:  # the review queue lives in the database
                raise
            # A server that is down must not stop the learner: the answers wait in the side file.
            print(f"⚠ 進捗を今は保存できません（{e}）。回答は保管し、後で保存します。", file=out)
        if args.review and not review_ids:
            print("復習する問題はありません。間違えた問題があると、ここに出てきます。", file=out)
            return 0

    if generator is None:
        print("モデルを読み込んでいます…", file=sys.stderr, flush=True)
        generator = _new_generator(config, resources, extra)

    if args.anki:
        return _export_anki(generator, args.anki, topics, types, missed_ids, out)
    if args.review:
        # Ids the glossary no longer yields (their entry was removed or relabelled) cannot be asked.
        available = generator.questions(review_ids, seed)
        pool = [q for q in available if q.topic in topics and q.type in types]
        retired = len(review_ids) - len(available)
        if retired:
            print(f"（{retired} 問は用語集の変更で出題できなくなりました）", file=sys.stderr)
        questions = pool[:n]
        if not questions:
            print("この条件で復習する問題はありません。", file=out)
            return 0
    else:
        questions = generator.build(n, topics, types, seed)

    if args.json:
        json.dump({"seed": seed, "questions": [q.to_dict() for q in questions]}, out, ensure_ascii=False, indent=1)
        print(file=out)
        return 0
    print(f"{'復習' if args.review else 'クイズ'}: {len(questions)} 問（seed {seed}）", file=out)
    return run_interactive(questions, history, mode="review" if args.review else "quiz", seed=seed, inp=inp, out=out)
