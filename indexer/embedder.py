"""The one place that talks to sentence-transformers.

E5 was trained with ``query: `` / ``passage: `` prefixes; they live in the model folder's prompts
(and in config.yaml for hub models), so callers only say which side they embed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import Config
from .errors import ErrorKind, KnowledgeError

# No model hub is reachable here; a local folder must never trigger a download attempt.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class ModelMissingError(KnowledgeError, RuntimeError):
    """The configured model folder does not exist: the set-up step has not run."""

    kind = ErrorKind.MODEL_MISSING


class Embedder:
    def __init__(self, config: Config):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars on every load are noise here

        self.model_id = config.model_path
        if (self.model_id.startswith("/") or self.model_id.startswith(".")) and not Path(self.model_id).exists():
            raise ModelMissingError(
                f"model folder {self.model_id} not found; run `make model` (python -m indexer.convert_model)"
            )
        self.model = SentenceTransformer(self.model_id, device="cpu")
        self.query_prompt = config.model.query_prompt
        self.passage_prompt = config.model.passage_prompt
        self.batch_size = config.model.batch_size
        self.dim = int(self.model.get_embedding_dimension())

    def _encode(self, texts: Sequence[str], prompt: str, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(
            list(texts),
            prompt=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, show_progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]
