"""knowledge/capabilities.yaml: what each term is, and what each service can, partly, or cannot do.

Why a table kept by editors: the glossary says what a service does, never what it does not do, so a
generator working from the glossary alone offers as "wrong" whatever happens to be filed under
another term (「自動的に過学習の兆候を検出」 as not Debugger's), and keys whatever a weak bullet says
(「AWSでの対策: Clarify」). Here every right and wrong option rests on a fact an editor wrote down
with its source in AWS's documentation, and the right ones also on a glossary bullet (``evidence``)
that the explanation quotes. Every fact keeps its file:line so an option can cite it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Iterator

import yaml

from indexer.glossary import Entry, Glossary, Term

from indexer.errors import ErrorKind, KnowledgeError

FILE_NAME = "capabilities.yaml"
ROLES = ("cause", "symptom", "detection", "remedy")


class Kind(str, Enum):
    SERVICE = "service"
    TOOL = "tool"
    CONCEPT = "concept"


class Support(str, Enum):
    HAS = "has"
    PARTLY = "partly"
    LACKS = "lacks"


class CapabilitiesError(KnowledgeError, ValueError):
    """capabilities.yaml (or quiz_review.yaml) is malformed or contradicts the glossary; the message
    says file:line. A knowledge file an editor fixes, like a glossary error."""

    kind = ErrorKind.GLOSSARY


@dataclass(frozen=True)
class Fact:
    """One cell of the table: ``service`` has/partly/lacks ``capability``."""

    capability: str
    service: str
    support: Support
    why: str
    source: str
    line: int
    evidence: Entry | None = None  # the glossary bullet a right answer quotes (has, glossary terms)
    evidence_section: str = ""


@dataclass(frozen=True)
class Capability:
    id: str
    area: str
    claim: str
    line: int
    facts: tuple[Fact, ...]
    need: str = ""
    constraint: str = ""

    def support_of(self, service: str) -> Fact | None:
        return next((f for f in self.facts if f.service == service), None)

    def having(self) -> list[Fact]:
        return [f for f in self.facts if f.support is Support.HAS]

    def not_having(self) -> list[Fact]:
        return [f for f in self.facts if f.support is not Support.HAS]


@dataclass(frozen=True)
class WrongAnswer:
    role: str
    text: str
    why: str
    line: int


@dataclass(frozen=True)
class RoleEntry:
    """A glossary bullet that answers a concept's role (a remedy of 過学習, …)."""

    role: str
    section: str
    entry: Entry


@dataclass(frozen=True)
class Case:
    context: str
    observation: str
    line: int


@dataclass(frozen=True)
class ConceptFacts:
    term: str
    right: dict[str, tuple[RoleEntry, ...]]
    wrong: dict[str, tuple[WrongAnswer, ...]]
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class TermInfo:
    name: str
    kind: Kind
    area: str
    line: int
    in_glossary: bool


@dataclass
class Capabilities:
    file: str
    terms: dict[str, TermInfo] = field(default_factory=dict)
    contexts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    neighbour_areas: dict[str, tuple[str, ...]] = field(default_factory=dict)
    capabilities: tuple[Capability, ...] = ()
    concepts: dict[str, ConceptFacts] = field(default_factory=dict)

    def kind(self, term: str) -> Kind | None:
        info = self.terms.get(term)
        return info.kind if info else None

    def area(self, term: str) -> str:
        info = self.terms.get(term)
        return info.area if info else ""

    def facts_of(self, service: str, support: Support) -> list[tuple[Capability, Fact]]:
        return [(c, f) for c in self.capabilities for f in c.facts if f.service == service and f.support is support]


def _lines(node: yaml.Node, path: tuple = ()) -> Iterator[tuple[tuple, int]]:
    """Every value's path in the document and its 1-based line, so each fact can cite itself."""
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _lines(v, path + (k.value,))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            yield from _lines(v, path + (i,))


class _Reader:
    def __init__(self, path: Path, glossary: Glossary):
        self.path, self.glossary = path, glossary
        self.rel = path.name
        text = path.read_text(encoding="utf-8")
        try:
            node = yaml.compose(text)
            self.data = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise CapabilitiesError(f"{self.rel}:{mark.line + 1 if mark else 1}: not valid YAML: {getattr(e, 'problem', e)}") from None
        self.line_of = dict(_lines(node)) if node is not None else {}
        if not isinstance(self.data, dict):
            raise CapabilitiesError(f"{self.rel}:1: expected a mapping with terms, capabilities and concepts")

    def fail(self, path: tuple, message: str) -> CapabilitiesError:
        line = next((self.line_of[p] for p in (path[:i] for i in range(len(path), -1, -1)) if p in self.line_of), 1)
        return CapabilitiesError(f"{self.rel}:{line}: {message}")

    def need(self, value: Any, path: tuple, what: type, label: str):
        if not isinstance(value, what) or (what is str and not value.strip()):
            raise self.fail(path, f"{label} must be a {'non-empty text' if what is str else what.__name__}")
        return value.strip() if isinstance(value, str) else value

    def entry(self, term: Term, ref: str, path: tuple) -> tuple[str, Entry]:
        """'section › label' → the glossary bullet; an editor who renames a bullet learns where."""
        parts = [p.strip() for p in ref.replace(">", "›").split("›")]
        if len(parts) != 2:
            raise self.fail(path, f"evidence '{ref}' must be 'section › label'")
        section = term.section(parts[0])
        entry = next((e for e in section.entries if e.label == parts[1]), None) if section else None
        if entry is None:
            raise self.fail(path, f"evidence '{ref}' is not a bullet of {term.name} in the glossary")
        return parts[0], entry


def load_capabilities(path: str | Path, glossary: Glossary) -> Capabilities:
    """Read and check the table against the glossary. A missing file is an empty table (every
    term then gets the conservative questions); a malformed one raises CapabilitiesError."""
    path = Path(path)
    if not path.exists():
        return Capabilities(file=path.name)
    r = _Reader(path, glossary)
    caps = Capabilities(file=r.rel)
    for name, raw in (r.need(r.data.get("terms", {}), ("terms",), dict, "terms") or {}).items():
        p = ("terms", name)
        raw = r.need(raw, p, dict, f"terms › {name}")
        try:
            kind = Kind(raw.get("kind"))
        except ValueError:
            raise r.fail(p, f"kind of {name} must be one of service, tool, concept") from None
        caps.terms[name] = TermInfo(name, kind, str(raw.get("area", "")), r.line_of[p], glossary.term(name) is not None)
    caps.contexts = {a: tuple(r.need(x, ("contexts", a, i), str, "context") for i, x in enumerate(v))
                     for a, v in (r.data.get("contexts") or {}).items()}
    caps.neighbour_areas = {a: tuple(v or ()) for a, v in (r.data.get("neighbour_areas") or {}).items()}
    caps.capabilities = tuple(_capability(r, caps, i, raw) for i, raw in enumerate(r.data.get("capabilities") or ()))
    ids = [c.id for c in caps.capabilities]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise r.fail(("capabilities", ids.index(dup)), f"capability id '{dup}' is used twice")
    for name, raw in (r.data.get("concepts") or {}).items():
        caps.concepts[name] = _concept(r, caps, name, raw)
    return caps


def _capability(r: _Reader, caps: Capabilities, i: int, raw: Any) -> Capability:
    p = ("capabilities", i)
    raw = r.need(raw, p, dict, "a capability")
    cid = r.need(raw.get("id"), p + ("id",), str, "id")
    claim = r.need(raw.get("claim"), p + ("claim",), str, f"claim of {cid}")
    scenario = raw.get("scenario") or {}
    facts = []
    for support in Support:
        for service, cell in (raw.get(support.value) or {}).items():
            fp = p + (support.value, service)
            cell = r.need(cell or {}, fp, dict, f"{cid} › {support.value} › {service}")
            if service not in caps.terms:
                raise r.fail(fp, f"{service} is not listed under terms (add it with its kind)")
            source = r.need(cell.get("source"), fp, str, f"source of {cid} › {service}")
            why = cell.get("why", "")
            if support is not Support.HAS:
                why = r.need(why, fp, str, f"why of {cid} › {support.value} › {service}")
            evidence, section = None, ""
            term = r.glossary.term(service)
            if support is Support.HAS and term is not None and cell.get("evidence"):
                # Without evidence the fact stands, but no question uses it as a right answer: a
                # neighbour that becomes a glossary term keeps working until an editor adds one.
                ref = r.need(cell.get("evidence"), fp, str, f"evidence of {cid} › has › {service}")
                section, evidence = r.entry(term, ref, fp)
            facts.append(Fact(cid, service, support, why, source, r.line_of[fp], evidence, section))
    return Capability(cid, str(raw.get("area", "")), claim, r.line_of[p], tuple(facts),
                      need=str(scenario.get("need", "")).strip(), constraint=str(scenario.get("constraint", "")).strip())


def _concept(r: _Reader, caps: Capabilities, name: str, raw: Any) -> ConceptFacts:
    p = ("concepts", name)
    term = r.glossary.term(name)
    if term is None:
        raise r.fail(p, f"concept {name} is not a term of the glossary")
    if caps.kind(name) is not Kind.CONCEPT:
        raise r.fail(p, f"{name} has concept facts but is not of kind concept under terms")
    raw = r.need(raw, p, dict, f"concepts › {name}")
    right: dict[str, tuple[RoleEntry, ...]] = {}
    for role, spec in (raw.get("roles") or {}).items():
        rp = p + ("roles", role)
        if role not in ROLES:
            raise r.fail(rp, f"unknown role '{role}' (roles: {', '.join(ROLES)})")
        exclude, only = spec.get("exclude") or {}, spec.get("only")
        found = []
        for heading in spec.get("sections") or ():
            section = term.section(heading)
            if section is None:
                raise r.fail(rp, f"{name} has no section '{heading}' in the glossary")
            found += [RoleEntry(role, heading, e) for e in section.entries
                      if e.label not in exclude and (only is None or e.label in only)]
        right[role] = tuple(found)
    wrong = {role: tuple(WrongAnswer(role, r.need(w.get("text"), p + ("wrong", role, j), str, "text"),
                                     r.need(w.get("why"), p + ("wrong", role, j), str, "why"), r.line_of[p + ("wrong", role, j)])
                         for j, w in enumerate(ws))
             for role, ws in (raw.get("wrong") or {}).items()}
    cases = tuple(Case(r.need(c.get("context"), p + ("cases", j), str, "context"),
                       r.need(c.get("observation"), p + ("cases", j), str, "observation"), r.line_of[p + ("cases", j)])
                  for j, c in enumerate(raw.get("cases") or ()))
    return ConceptFacts(name, right, wrong, cases)


def capabilities_path(knowledge_dir: str | Path) -> Path:
    return Path(knowledge_dir) / FILE_NAME
