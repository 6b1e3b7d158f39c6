"""``python -m indexer``: build or update the glossary index.

Examples::

    python -m indexer            # incremental: embeds only changed chunks
    python -m indexer --check    # exit 1 and say what changed if the index is stale
    python -m indexer --full     # rebuild from scratch, ignoring the embedding cache
"""
from __future__ import annotations

import argparse
import sys

from .config import load_config
from .glossary import GlossaryError
from .store import IndexCorruptError, build_index, check_staleness


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[2:]))
    parser.add_argument("--config", help="path to config.yaml (default: the project's, or $STUDY_CONFIG)")
    parser.add_argument("--check", action="store_true", help="only check whether the index matches the glossary")
    parser.add_argument("--full", action="store_true", help="rebuild everything, ignoring the embedding cache")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, only the summary line")
    args = parser.parse_args(argv)
    config = load_config(args.config)

    if args.check:
        state = check_staleness(config)
        print(("stale: " if state.stale else "fresh: ") + state.describe())
        return 1 if state.stale else 0

    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=100, file=sys.stderr, leave=False, bar_format="{percentage:3.0f}%|{bar:30}| {desc}")

    def progress(fraction: float, message: str) -> None:
        if bar is not None:
            bar.n = int(fraction * 100)
            bar.set_description_str(message)

    try:
        report = build_index(config, full=args.full, progress=progress)
    except GlossaryError as e:
        print(f"error: {e}\nThe previous index (if any) is unchanged.", file=sys.stderr)
        return 2
    except IndexCorruptError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
