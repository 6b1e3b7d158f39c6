"""The glossary's tokens kept on disk between starts, so a restart does not tokenise it again.

Sudachi is most of what building the answerer costs (0.37 of 0.50 s at 50 terms; about 25 s
projected at 5,000 terms): every section and every entry is tokenised, and the text rarely
changes between two starts. The store maps each text to its tokens, under a version made of the
tokenizer's own code and Sudachi's and its dictionary's versions, so an upgrade or a change to
the tokenising rules starts afresh and an edit re-tokenises only the texts it changed.

It is a cache: JSON (never pickle: the file is data, not code), written atomically beside the
embedding cache, holding only the texts of the last build, and ignored when missing, unreadable,
of another version or not writable. Answers are the same with or without it.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import tempfile
from pathlib import Path

from .tokenize import Token, Tokenizer

_FILE_NAME = "qa_tokens.json"


def _version() -> str:
    """What the tokens depend on: this package's tokenising code and Sudachi's data."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for source in (here / "tokenize.py", here.parent / "indexer" / "text.py"):
        digest.update(source.read_bytes())
    for package in ("sudachipy", "sudachidict_core"):
        try:
            digest.update(importlib.metadata.version(package).encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(b"-")
    return digest.hexdigest()[:16]


def _encode(tokens: list[Token]) -> list:
    """Compact rows: the surface only when it differs from the normalised form."""
    return [[t.norm, "" if t.surface == t.norm else t.surface, t.pos, int(t.proper) | int(t.unread) << 1]
            for t in tokens]


def _well_formed(rows) -> bool:
    """Rows as ``_encode`` writes them (a damaged or hand-edited file is tokenised afresh); the
    check is on shape only, to keep a restart fast."""
    return type(rows) is list and all(type(r) is list and len(r) == 4 and type(r[0]) is str for r in rows)


def _decode(rows: list) -> list[Token]:
    return [Token(norm, surface or norm, pos, bool(flags & 1), bool(flags & 2)) for norm, surface, pos, flags in rows]


class TokenStore:
    """``tokens``/``terms`` like the tokenizer's, answered from the file when the text is known."""

    def __init__(self, tokenizer: Tokenizer, path: Path | None = None):
        self.tokenizer = tokenizer
        self.path = path
        self.version = _version()
        self._known: dict[str, list] = self._read() if path else {}
        self._used: dict[str, list] = {}
        self.misses = 0

    @classmethod
    def beside(cls, cache_file: Path | None, tokenizer: Tokenizer) -> "TokenStore":
        """The store next to the embedding cache (``config.cache_file``), or an in-memory one."""
        return cls(tokenizer, Path(cache_file).with_name(_FILE_NAME) if cache_file else None)

    def _read(self) -> dict[str, list]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != self.version:
            return {}
        texts = data.get("texts")
        return texts if isinstance(texts, dict) else {}

    def _rows(self, text: str) -> list:
        rows = self._used.get(text)
        if rows is None:
            rows = self._known.get(text)
            if rows is None or not _well_formed(rows):  # unknown, or a damaged row: tokenise afresh
                self.misses += 1
                rows = _encode(self.tokenizer.tokens(text))
            self._used[text] = rows
        return rows

    def tokens(self, text: str) -> list[Token]:
        return _decode(self._rows(text))

    def terms(self, text: str) -> list[str]:
        """The normalised forms only (what BM25 indexes), read without making tokens."""
        return [row[0] for row in self._rows(text)]

    def save(self) -> None:
        """Write the texts used since opening, when any was new or some were dropped; a cache that
        cannot be written is no error (a read-only checkout still answers)."""
        if not self.path or (not self.misses and len(self._used) == len(self._known)):
            return
        body = json.dumps({"version": self.version, "texts": self._used}, ensure_ascii=False, separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".qa_tokens-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(body)
            os.replace(tmp, self.path)
        except OSError:
            try:
                os.unlink(tmp)
            except (OSError, UnboundLocalError):
                pass
        self._known, self.misses = dict(self._used), 0
