"""``knowledge/aliases.yaml``: the other names people use for each term, read in one place.

It sits with the glossary because both the Q&A (query expansion, abstention) and the quiz
(masking every name of the answer in a stem) need the same reading of the same file. It is part of
the knowledge: the indexer validates it (``file:line`` errors, like the Markdown), hashes it into
the manifest and stores the merged result with the index, so answering never reads it again.

The file is read through YAML's *composer* only: anchors and aliases (``&a`` / ``*a``) are refused
and the size and node count are capped, so a "billion laughs" document fails in milliseconds
instead of expanding into gigabytes. Values are taken as plain strings, never constructed objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from .errors import ErrorKind, KnowledgeError

MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_NAME_CHARS = 200


class AliasError(KnowledgeError, ValueError):
    """aliases.yaml exists but cannot be used; the message is ``file:line: what is wrong``."""

    def __init__(self, file: str | Path, line: int, message: str):
        self.file = str(file)
        self.line = line
        self.message = message
        super().__init__(f"{self.file}:{line}: {message}")

    kind = ErrorKind.ALIASES


@dataclass(frozen=True)
class Aliases:
    terms: dict[str, tuple[str, ...]]  # glossary term → all its names (its own first)
    groups: tuple[tuple[str, ...], ...]  # words that mean the same thing
    # English word of a group (match_form) → its katakana spelling; made by the build (readings.py)
    readings: Mapping[str, str] = field(default_factory=dict)

    def with_readings(self, previous: Mapping[str, str] | None = None) -> "Aliases":
        """These aliases with the katakana spellings of their groups' English words."""
        from .readings import katakana_readings

        return replace(self, readings=katakana_readings(self.groups, previous))

    def to_json(self) -> dict:
        return {"terms": {t: list(n) for t, n in self.terms.items()}, "groups": [list(g) for g in self.groups],
                "readings": dict(self.readings)}

    @classmethod
    def from_json(cls, data: dict) -> "Aliases":
        return cls({t: tuple(n) for t, n in data["terms"].items()}, tuple(tuple(g) for g in data["groups"]),
                   {str(w): str(k) for w, k in data.get("readings", {}).items()})


class _Composer(yaml.SafeLoader):
    """Builds the node tree and refuses what could make it explode."""

    def __init__(self, stream, name: str):
        super().__init__(stream)
        self.display = name
        self.nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise AliasError(self.display, line, "YAML anchors and aliases (&name / *name) are not allowed here; write the names out")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise AliasError(self.display, line, f"more than {MAX_NODES:,} YAML nodes; this is not an aliases file")
        return super().compose_node(parent, index)


def _compose(path: Path, display: str) -> yaml.Node | None:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise AliasError(display, 1, f"file is {len(data):,} bytes (at most {MAX_BYTES:,})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise AliasError(display, data[: e.start].count(b"\n") + 1, "file is not valid UTF-8") from None
    loader = _Composer(text, display)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else 1
        if line > len(text.splitlines()) and e.context_mark:  # "unexpected end": name where it opened
            line = e.context_mark.line + 1
        raise AliasError(display, line, f"not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise AliasError(display, 1, f"not valid YAML: {e}") from None
    finally:
        loader.dispose()


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _names(node: yaml.Node, display: str, where: str, minimum: int) -> list[str]:
    """A YAML list of plain scalars → strings, or an error at the offending line."""
    count = {1: "one name", 2: "two words"}.get(minimum, f"{minimum} words")
    if not isinstance(node, yaml.SequenceNode):
        raise AliasError(display, _line(node), f"{where} must be a list of at least {count} ('- name' lines)")
    out = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise AliasError(display, _line(item), f"{where}: each name must be a plain, non-empty text")
        if len(item.value) > MAX_NAME_CHARS:
            raise AliasError(display, _line(item), f"{where}: a name of {len(item.value)} characters (at most {MAX_NAME_CHARS})")
        out.append(str(item.value).strip())
    if len(out) < minimum:
        raise AliasError(display, _line(node), f"{where} must be a list of at least {count}")
    return out


def _mapping(node: yaml.Node, display: str, where: str) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise AliasError(display, _line(node), f"{where} must be a mapping")
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise AliasError(display, _line(key), f"{where}: keys must be plain text")
    return node.value


def read_aliases(path: str | Path | None, term_names: dict[str, Iterable[str]], display: str | None = None) -> Aliases:
    """The file's aliases merged with each term's own names (heading and its two halves).

    A missing file is fine (the terms' own names still work); a malformed one is an AliasError
    with ``file:line``, because silently ignoring it would make every katakana question abstain.
    Aliases of a term the glossary does not have (any more) are checked and then ignored, so
    removing a term from the Markdown never blocks a build.
    """
    terms: dict[str, list[str]] = {t: list(names) for t, names in term_names.items()}
    groups: list[tuple[str, ...]] = []
    path = Path(path) if path is not None else None
    display = display or (path.name if path is not None else "aliases.yaml")
    root = _compose(path, display) if path is not None and path.exists() else None
    if root is not None and not (isinstance(root, yaml.ScalarNode) and root.value == ""):
        for key, value in _mapping(root, display, "the file"):
            if key.value == "terms":
                _read_terms(value, display, terms)
            elif key.value == "words":
                if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
                    continue
                if not isinstance(value, yaml.SequenceNode):
                    raise AliasError(display, _line(value), "'words' must be a list of word groups")
                groups += [tuple(_names(g, display, "each group under 'words'", 2)) for g in value.value]
            else:
                raise AliasError(display, _line(key), f"unknown key '{key.value}' (expected 'terms' and 'words')")
    return Aliases(
        {t: tuple(dict.fromkeys(str(n) for n in names if str(n).strip())) for t, names in terms.items()},
        tuple(groups),
    )


def _read_terms(node: yaml.Node, display: str, terms: dict[str, list[str]]) -> None:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return
    for key, names in _mapping(node, display, "'terms'"):
        found = _names(names, display, f"terms.{key.value}", 1)  # validated even when unused
        if key.value in terms:  # aliases of a term the glossary no longer has are ignored
            terms[key.value].extend(found)
