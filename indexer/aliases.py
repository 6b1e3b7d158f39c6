"""``knowledge/aliases.yaml``: the other names people use for each term, read in one place.

It sits with the glossary because both the Q&A (query expansion, abstention) and the quiz
(masking every name of the answer in a stem) need the same reading of the same file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from .errors import ErrorKind, KnowledgeError


class AliasError(KnowledgeError, ValueError):
    """aliases.yaml exists but cannot be used; the message names the file and the problem."""

    kind = ErrorKind.ALIASES


@dataclass(frozen=True)
class Aliases:
    terms: dict[str, tuple[str, ...]]  # glossary term → all its names (its own first)
    groups: tuple[tuple[str, ...], ...]  # words that mean the same thing


def read_aliases(path: str | Path | None, term_names: dict[str, Iterable[str]]) -> Aliases:
    """The file's aliases merged with each term's own names (heading and its two halves).

    A missing file is fine (the terms' own names still work); a malformed one is an error with the
    file named, because silently ignoring it would make every katakana question abstain.
    """
    terms: dict[str, list[str]] = {t: list(names) for t, names in term_names.items()}
    groups: list[tuple[str, ...]] = []
    if path is not None and Path(path).exists():
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise AliasError(f"{path}: not valid YAML ({e})") from None
        if not isinstance(raw, dict):
            raise AliasError(f"{path}: expected a mapping with 'terms' and 'words'")
        for term, names in (raw.get("terms") or {}).items():
            if not isinstance(names, list) or not all(isinstance(n, (str, int, float)) for n in names):
                raise AliasError(f"{path}: terms.{term} must be a list of names")
            if term in terms:  # aliases of a term the glossary no longer has are ignored
                terms[term].extend(str(n) for n in names)
        for group in raw.get("words") or []:
            if not isinstance(group, list) or len(group) < 2:
                raise AliasError(f"{path}: each entry under 'words' must be a list of at least two words, got {group!r}")
            groups.append(tuple(str(w) for w in group))
    return Aliases(
        {t: tuple(dict.fromkeys(str(n) for n in names if str(n).strip())) for t, names in terms.items()},
        tuple(groups),
    )
