"""``python -m qa``: ask the glossary a question from the command line.

Examples::

    python -m qa "過学習を防ぐには？"            # answer and sources, for a person
    python -m qa --json "What is EventBridge?"  # one JSON object
    python -m qa --jsonl < questions.txt        # one question per line → one JSON object per line
    echo '{"q": "その利点は？", "history": ["Debuggerとは？"]}' | python -m qa --jsonl   # a follow-up
    python -m qa -k 5 "TensorBoardの主要機能"     # five citations instead of the configured three

Exit status: 0 when an answer was produced (including "not in the glossary", which is an answer:
see "found" in the JSON), 2 on an error (no index, broken glossary or aliases, bad arguments).
"""
from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_ERROR = 0, 2
NEAREST_HEADING = "質問の語が出てくる節（回答ではありません）:"


def _format(answer) -> str:
    out = [f"質問: {answer.question}"]
    if answer.notice:
        out.append(f"※ {answer.notice}")
    if not answer.found:
        out.append("")
        out.append(answer.message)
        if answer.nearest:
            out += ["", NEAREST_HEADING]
            out += [f"  - {n.term} › {n.section} — {n.file}:{n.line}" for n in answer.nearest]
        return "\n".join(out)
    out += ["", answer.answer, "", "出典:"]
    for n, c in enumerate(answer.citations, start=1):
        out.append(f"  [{n}] {c.term} › {c.section} — {c.source} (score {c.score:.3f})")
    return "\n".join(out)


def _load(config_path: str | None):
    """Resources + answerer, or a one-line message for a person (never a traceback)."""
    from indexer.cli_text import staleness_text
    from indexer.config import load_config
    from indexer.errors import KnowledgeError
    from indexer.loader import open_resources

    from .answerer import build_answerer

    try:
        resources = open_resources(load_config(config_path))
        if resources.problem is not None:
            print(f"warning: {resources.problem}\nThe knowledge files have an error; answers come from the "
                  f"last good build ({resources.manifest.get('built_at', '?')}) until it is fixed.", file=sys.stderr)
        elif resources.stale:
            print(f"warning: the index is out of date ({staleness_text(resources.staleness)}); "
                  "answers come from the last build. Run `python -m indexer` to update it.", file=sys.stderr)
        return build_answerer(resources), None
    except KnowledgeError as e:
        return None, str(e)
    except OSError as e:  # permissions, a vanished file
        return None, f"{type(e).__name__}: {e}"


def build_parser() -> argparse.ArgumentParser:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(prog="python -m qa", description=doc.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(doc.split("\n")[2:]))
    parser.add_argument("question", nargs="*", help="the question (quote it, or its words are joined with spaces)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--jsonl", action="store_true", help="read questions from stdin, one per line (plain text, or JSON with \"q\" and an optional "
                          "\"history\" of earlier turns); write JSON lines")
    parser.add_argument("-k", type=int, default=None, metavar="N", help="number of citations (default: qa.top_k from config)")
    parser.add_argument("--config", help="path to config.yaml (default: the project's, or $STUDY_CONFIG)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.k is not None and args.k < 1:
        parser.error("-k must be at least 1")
    if args.jsonl and args.question:
        parser.error("--jsonl reads questions from stdin; do not also pass one as an argument")
    if not args.jsonl and not args.question:
        parser.error("give a question, e.g. python -m qa \"過学習とは？\" (or --jsonl to read stdin)")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")
        except (AttributeError, ValueError):
            pass

    answerer, error = _load(args.config)
    if answerer is None:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    return run(args, answerer)


def read_line(line: str) -> tuple[str, list | None]:
    """One --jsonl input line: a plain question, or a JSON object ``{"q": ..., "history": [...]}``
    (``question`` works too; history is the earlier turns, oldest first, strings or chat messages)."""
    if line.lstrip().startswith("{"):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return line, None
        if isinstance(obj, dict) and isinstance(obj.get("q", obj.get("question")), str):
            history = obj.get("history")
            return obj.get("q", obj.get("question")), history if isinstance(history, list) else None
    return line, None


def run(args: argparse.Namespace, answerer, stdin=None, stdout=None) -> int:
    """Answer what ``args`` asks with an already-built answerer (the model loads once per process)."""
    stdin = stdin if stdin is not None else (sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin)
    out = stdout if stdout is not None else sys.stdout
    try:
        if args.jsonl:
            for raw in stdin:
                line = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
                question, history = read_line(line.rstrip("\r\n"))
                answer = answerer.ask(question, k=args.k, history=history)
                out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
                out.flush()
            return EXIT_OK
        answer = answerer.ask(" ".join(args.question), k=args.k)
        if args.json:
            out.write(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            out.write(_format(answer) + "\n")
        return EXIT_OK
    except BrokenPipeError:  # `python -m qa --jsonl < q.txt | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130

if __name__ == "__main__":
    sys.exit(main())
