"""One base error for everything a person can fix: a front end catches ``KnowledgeError`` once and
decides what to show from its ``kind``, instead of listing every package's exception classes.

The message (``str(error)``) is written for a person (``file:line: what is wrong`` for the
glossary); the kind is for code (which screen, which exit status, which button to offer).
"""
from __future__ import annotations

from enum import Enum


class ErrorKind(Enum):
    CONFIG = "config"                # config.yaml cannot be read
    GLOSSARY = "glossary"            # a knowledge/*.md file is malformed (file:line)
    ALIASES = "aliases"              # knowledge/aliases.yaml is malformed
    INDEX_MISSING = "index_missing"  # no index built yet
    INDEX_CORRUPT = "index_corrupt"  # index files disagree; a full rebuild fixes it
    MODEL_MISSING = "model_missing"  # the model folder is absent: the set-up has not run
    HISTORY = "history"              # the quiz history database is corrupt, locked or unwritable
    UNEXPECTED = "unexpected"        # never raised by the packages: a front end's name for a bug it
                                     # shows as a message rather than a traceback


class KnowledgeError(Exception):
    """Base of every error meant for a person rather than a traceback; subclasses set ``kind``."""

    kind: ErrorKind = ErrorKind.CONFIG


class ConfigError(KnowledgeError, ValueError):
    """config.yaml exists but cannot be read or has the wrong shape."""

    kind = ErrorKind.CONFIG
