"""The quiz package's front door: requests (topics, types) → a quiz from the bank.

What lives where (one concept per module):
  capabilities.py  knowledge/capabilities.yaml: term kinds, what services can / partly / cannot do
  scenario.py      シナリオ→サービス: situation + constraint, neighbouring services as options
  claims.py        正しい記述 / 2つ選択 / 誤っているもの about one service, from the table
  concept.py       diagnosis, symptoms, detection, remedies of a concept (過学習)
  definition.py    定義→用語, the conservative type for terms the table does not describe
  options.py       ids, seeded randomness, options that cite their evidence
  bank.py          QuizGenerator: the bank, reviewed-flawed ids kept out, seeded balanced draws
  review.py        knowledge/quiz_review.yaml: reviewers' verdicts per question id
  validate.py      the independent checker (``make quiz-check``)
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

from indexer.aliases import AliasError, read_aliases
from indexer.glossary import Glossary

from .bank import QuizGenerator, merge_aliases
from .capabilities import Capabilities, capabilities_path, load_capabilities
from .model import NAME_OPTION_TYPES, QUESTION_TYPES, NotEnoughQuestions, Option, Question, QuizError, SourceRef
from indexer.text import compact_form

from .names import term_aliases
from .review import FILE_NAME as REVIEW_FILE, Review, load_review


def knowledge_extras(knowledge_dir: str | Path | None, glossary: Glossary) -> tuple[Capabilities | None, Review | None]:
    """capabilities.yaml and quiz_review.yaml next to the glossary (either may be missing)."""
    if knowledge_dir is None:
        return None, None
    return load_capabilities(capabilities_path(knowledge_dir), glossary), load_review(Path(knowledge_dir) / REVIEW_FILE)


# ---------------------------------------------------------------------------------- requests

def load_extra_aliases(aliases_file: str | Path | None, glossary: Glossary) -> dict[str, tuple[str, ...]]:
    """knowledge/aliases.yaml's term names, read as the Q&A reads them. Missing or malformed →
    none: the quiz still masks every name the glossary itself uses, and the Q&A side reports a
    malformed file to the user."""
    try:
        aliases = read_aliases(aliases_file, {t.name: t.names for t in glossary.terms})
    except (AliasError, OSError):
        return {}
    return dict(aliases.terms)


def resolve_topics(glossary: Glossary, topics: Iterable[str] | None,
                   extra_aliases: Mapping[str, Iterable[str]] | None = None) -> list[str]:
    """Term names for what a learner typed: any alias, any width or case ('debugger', '過学習',
    'イベントブリッジ' via aliases.yaml). Needs only the glossary, so a CLI can reject a typo before
    loading the model."""
    if not topics:
        return [t.name for t in glossary.terms]
    extra = extra_aliases or {}
    out = []
    for raw in topics:
        want = compact_form(raw)
        match = next((t.name for t in glossary.terms
                      if any(compact_form(a) == want for a in merge_aliases(term_aliases(t), extra.get(t.name, ())))), None)
        if match is None:
            valid = ", ".join(t.name for t in glossary.terms)
            raise QuizError(f"unknown topic '{raw}'. Valid topics: {valid}")
        out.append(match)
    return list(dict.fromkeys(out))


def resolve_types(types: Iterable[str] | None) -> list[str]:
    """Type ids for ids or Japanese display names ('select-two', '2つ選択')."""
    if not types:
        return list(QUESTION_TYPES)
    out = []
    for raw in types:
        want = compact_form(raw).replace("-", "_")
        match = next((k for k, v in QUESTION_TYPES.items() if want in (compact_form(k), compact_form(v))), None)
        if match is None:
            valid = ", ".join(f"{k} ({v})" for k, v in QUESTION_TYPES.items())
            raise QuizError(f"unknown question type '{raw}'. Valid types: {valid}")
        out.append(match)
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------------- convenience

_CACHE: list[tuple[Glossary, object, QuizGenerator]] = []


def generator_for(resources_or_glossary, similarity=None) -> QuizGenerator:
    """One generator per (glossary, provider), so an app calling build_quiz per click does not
    rebuild the bank; a changed glossary (a new Glossary value) gets a new one."""
    extra, knowledge_dir = None, None
    if isinstance(resources_or_glossary, Glossary):
        glossary = resources_or_glossary
        if similarity is None:
            raise TypeError("build_quiz(glossary, ...) needs similarity= (e.g. resources.embed_passages)")
    else:
        glossary = resources_or_glossary.glossary
        similarity = similarity or resources_or_glossary
        stored = getattr(resources_or_glossary, "aliases", None)  # what the index was built with
        config = getattr(resources_or_glossary, "config", None)
        if config is not None:  # capabilities.yaml and the verdicts sit beside the glossary
            knowledge_dir = config.knowledge_dir
        if stored is not None:
            extra = dict(stored.terms)
        elif config is not None:
            extra = load_extra_aliases(config.aliases_file, glossary)
    caps, review = knowledge_extras(knowledge_dir, glossary)
    for g, s, gen in _CACHE:  # an edit of capabilities.yaml or of the verdicts builds a new bank too
        if s is similarity and g == glossary and gen.caps == (caps or gen.caps) and gen.review == (review or gen.review):
            return gen
    gen = QuizGenerator(glossary, similarity, extra_aliases=extra, capabilities=caps, review=review)
    _CACHE.append((glossary, similarity, gen))
    del _CACHE[:-4]
    return gen


def build_quiz(resources_or_glossary, n: int, topics: Sequence[str] | None = None, types: Sequence[str] | None = None,
               seed: int | str | None = None, *, similarity=None, allow_fewer: bool = False) -> list[Question]:
    """A quiz from ``Resources`` (its glossary and cached embeddings) or from a Glossary plus a
    ``similarity`` provider. Raises QuizError for a request that cannot be served."""
    return generator_for(resources_or_glossary, similarity).build(n, topics, types, seed, allow_fewer=allow_fewer)


__all__ = ["QuizGenerator", "knowledge_extras", "merge_aliases", "build_quiz", "generator_for", "resolve_topics", "resolve_types", "load_extra_aliases", "QUESTION_TYPES", "NAME_OPTION_TYPES",
           "Question", "Option", "SourceRef", "QuizError", "NotEnoughQuestions"]
