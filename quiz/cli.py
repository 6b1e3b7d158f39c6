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

Exit status: 0 done; 2 bad request (unknown topic/type, --n not positive, more questions than the
glossary yields - the message says how many there are); 3 the history database is corrupt, locked
or unwritable (nothing in it is changed); 4 the glossary or the model cannot be loaded.

Every check that needs only the command line or the glossary runs before the model is loaded, so
a typo is reported in a second, not after the model has loaded.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TextIO

from .model import QUESTION_TYPES, Question, QuizError

EXIT_BAD_REQUEST, EXIT_HISTORY, EXIT_LOAD = 2, 3, 4


def open_quiz_resources(config):
    """The glossary (and index, when built) through the shared ``open_resources``; the model loads
    on first use, so checking a request costs no model load, and a quiz works before any index."""
    from indexer.loader import open_resources

    return open_resources(config, require_index=False)


def load_generator(config_path: str | None = None):
    """(config, QuizGenerator) for ``python -m quiz.validate``; raises KnowledgeError."""
    from indexer.config import load_config

    config = load_config(config_path)
    return config, _new_generator(config, open_quiz_resources(config))


def _new_generator(config, resources, extra=None):
    """The bank with its knowledge: aliases, capabilities.yaml and the reviewers' verdicts (a
    malformed one raises CapabilitiesError, a KnowledgeError naming file:line)."""
    from .generate import QuizGenerator, knowledge_extras, load_extra_aliases

    glossary = resources.glossary
    extra = extra if extra is not None else load_extra_aliases(config.aliases_file, glossary)
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
    p.add_argument("--json", action="store_true", help="print the quiz as JSON instead of running it")
    p.add_argument("--review", action="store_true", help="a quiz of your missed questions (FSRS decides which are due)")
    p.add_argument("--stats", action="store_true", help="print accuracy per topic from the history")
    p.add_argument("--list-types", action="store_true", help="list the question types")
    p.add_argument("--list-topics", action="store_true", help="list the topics (terms) of the glossary")
    p.add_argument("--anki", metavar="FILE", help="write an Anki deck (.apkg) of the question bank instead of a quiz")
    p.add_argument("--missed", action="store_true", help="with --anki: only the questions you answered wrong (from the history)")
    p.add_argument("--config", help="path to config.yaml (default: the project's, or $STUDY_CONFIG)")
    p.add_argument("--history", help="history database (default: config quiz.history_db)")
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


def run_interactive(questions: list[Question], history, *, mode: str, seed, inp: TextIO, out: TextIO,
                    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> int:
    from .history import HistoryError
    from .scoring import score

    started = now()
    answers: dict[str, set[int]] = {}
    asked: list[Question] = []
    for number, q in enumerate(questions, 1):
        chosen = _ask(q, number, len(questions), inp, out)
        if chosen is None:
            print("\n中断しました。ここまでの回答を記録します。", file=out)
            break
        answers[q.id] = chosen
        asked.append(q)
        _feedback(q, chosen, out)
    if not asked:
        print("回答がないので記録しません。", file=out)
        return 0
    result = score(asked, answers)
    print(f"\n結果: {result.summary()}", file=out)
    for topic, (r, n) in sorted(result.per_topic.items()):
        print(f"  {topic}: {r}/{n}", file=out)
    try:
        attempt = history.record_attempt(result, mode=mode, seed=seed, started_at=started, now=now())
        print(f"履歴に記録しました（#{attempt}、{history.path}）。", file=out)
    except HistoryError as e:
        # The learner's answers are not thrown away because the database is unusable.
        spill = Path(history.path).with_name(f"{Path(history.path).stem}.unsaved-{now():%Y%m%dT%H%M%S}.json")
        try:
            spill.write_text(json.dumps({"mode": mode, "seed": seed, "answers": {k: sorted(v) for k, v in answers.items()},
                                         "questions": [q.to_dict() for q in asked]}, ensure_ascii=False, indent=1), encoding="utf-8")
            where = f"; the answers were saved to {spill}"
        except OSError:
            where = ""
        print(f"error: {e}{where}", file=sys.stderr)
        return EXIT_HISTORY
    return 0


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

    from .generate import load_extra_aliases, resolve_topics, resolve_types
    from .history import History
    from .names import term_aliases

    config = load_config(args.config)
    history = History(Path(args.history) if args.history else config.quiz.history_db)
    if args.stats:
        _print_stats(history, out)
        return 0

    resources = open_quiz_resources(config) if generator is None else None
    glossary = generator.glossary if generator is not None else resources.glossary
    if args.list_topics:
        for t in glossary.terms:
            others = [a for a in term_aliases(t) if a != t.name]  # the glossary's own names; aliases.yaml adds more
            print(t.name + (f"  （{', '.join(others)}）" if others else ""), file=out)
        return 0

    n = args.n or config.quiz.default_n
    extra = generator.extra_aliases if generator is not None else load_extra_aliases(config.aliases_file, glossary)
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
        history.check()
        if args.review:
            review_ids = [i.question_id for i in history.review_queue()]
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
