"""``python -m indexer``: build or update the glossary index.

Examples::

    python -m indexer            # incremental: embeds only changed chunks
    python -m indexer --check    # exit 1 and say what changed if the index is stale,
                                 # exit 2 with file:line if knowledge/ has an error
    python -m indexer --full     # rebuild from scratch, ignoring the embedding cache
"""
from __future__ import annotations

import argparse
import sys

from .cli_text import progress_text, report_text, staleness_text
from .config import load_config
from .errors import KnowledgeError
from .progress import BuildProgress
from .store import build_index, check_staleness, validate_knowledge


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[2:]))
    parser.add_argument("--config", help="path to config.yaml (default: the project's, or $STUDY_CONFIG)")
    parser.add_argument("--check", action="store_true", help="only check whether the index matches the glossary")
    parser.add_argument("--full", action="store_true", help="rebuild everything, ignoring the embedding cache")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, only the summary line")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.check:
            state = check_staleness(config)
            print(("stale: " if state.stale else "fresh: ") + staleness_text(state))
            problem = validate_knowledge(config)
            if problem is not None:
                print(f"error: {problem}\nThe last build (if any) keeps answering until this is fixed.", file=sys.stderr)
                return 2
            return 1 if state.stale else 0
        report = _build(config, full=args.full, quiet=args.quiet)
    except KnowledgeError as e:
        print(f"error: {e}\nThe previous index (if any) is unchanged.", file=sys.stderr)
        return 2
    print(report_text(report))
    return 0


def _build(config, *, full: bool, quiet: bool):
    """build_index with a terminal progress bar (unless quiet)."""
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(total=100, file=sys.stderr, leave=False, bar_format="{percentage:3.0f}%|{bar:30}| {desc}")

    def progress(event: BuildProgress) -> None:
        if bar is not None:
            bar.n = int(event.fraction * 100)
            bar.set_description_str(progress_text(event))

    try:
        return build_index(config, full=full, progress=progress)
    finally:
        if bar is not None:
            bar.close()


if __name__ == "__main__":
    sys.exit(main())
