"""An independent checker for generated questions: ``python -m quiz.validate`` (``make quiz-check``).

Independent on purpose: it re-reads the Markdown and capabilities.yaml with its own small parsers
and its own name rules instead of trusting ``indexer.glossary``, ``quiz.capabilities`` and
``quiz.names``, so a bug in the generator's view of either cannot also hide in the checker. It checks
what would make a question wrong: an option that does not stand where it claims (a glossary bullet
or a table row), a right option the table does not back with a glossary bullet, a wrong option the
table does not say is wrong (a `partly` offered as false, a service that also has the capability in
a scenario), a stem that names its answer or quotes the glossary's label, a miscounted select-two.
It then prints the reviewers' verdicts (knowledge/quiz_review.yaml) for a fixed sample.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from indexer.text import compact_form

from .model import NAME_OPTION_TYPES, QUESTION_TYPES, Question

CAPS_FILE = "capabilities.yaml"


@dataclass
class _Entry:
    label: str
    text: str
    line: int

    @property
    def display(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text


@dataclass
class _Term:
    name: str
    file: str
    line: int
    intro: str = ""
    intro_line: int = 0
    sections: dict[str, tuple[int, list[_Entry]]] = field(default_factory=dict)

    def entries(self) -> list[tuple[str, _Entry]]:
        return [(h, e) for h, (_, es) in self.sections.items() for e in es]


def parse_glossary(knowledge_dir: str | Path) -> dict[str, _Term]:
    """The few Markdown rules the glossary uses: '## term', intro prose, '### section',
    '- **label**: text' (colon inside or outside the bold), indented continuation lines."""
    root = Path(knowledge_dir)
    terms: dict[str, _Term] = {}
    for path in sorted(p for p in root.rglob("*.md") if not p.name.startswith(".")):
        rel = path.relative_to(root).as_posix()
        term: _Term | None = None
        heading: str | None = None
        fence = False
        for no, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            line = unicodedata.normalize("NFC", raw.rstrip())
            if line.lstrip().startswith("```"):
                fence = not fence
                continue
            if fence or not line.strip() or line.lstrip().startswith("<!--"):
                continue
            if line.startswith("## "):
                term = terms[line[3:].strip()] = _Term(line[3:].strip(), rel, no)
                heading = None
            elif line.startswith("### ") and term:
                heading = line[4:].strip()
                term.sections[heading] = (no, [])
            elif line.startswith("# "):
                continue
            elif term and heading is None:
                term.intro = (term.intro + " " + line.strip()).strip()
                term.intro_line = term.intro_line or no
            elif term and heading:
                m = re.match(r"^[-*+]\s+\*\*(.+?)\*\*\s*[:：]?\s*(.*)$", line)
                if m and not raw.startswith((" ", "\t")):
                    label, text = m.group(1).strip(), m.group(2).strip()
                    if label.endswith((":", "：")):
                        label = label[:-1].strip()
                    term.sections[heading][1].append(_Entry(label, text, no))
                elif raw.startswith((" ", "\t")) and term.sections[heading][1]:
                    last = term.sections[heading][1][-1]
                    last.text = f"{last.text} {line.strip()}"
                elif re.match(r"^[-*+]\s+", line):
                    term.sections[heading][1].append(_Entry("", re.sub(r"^[-*+]\s+", "", line).strip(), no))
    return terms


def names_of(term_name: str) -> list[str]:
    """The heading, both halves of 'A（B）', and trailing word groups of multi-word names minus
    vendor words: 'Amazon SageMaker Debugger' → 'SageMaker Debugger', 'Debugger'."""
    out = [term_name]
    m = re.match(r"^(.*?)[（(](.+?)[)）]$", term_name)
    halves = [m.group(1).strip(), m.group(2).strip()] if m else [term_name]
    out += halves
    for h in halves:
        words = h.split()
        out += [" ".join(words[i:]) for i in range(1, len(words))]
    vendor = {"amazon", "aws", "sagemaker", "amazonsagemaker"}
    return [x for x in dict.fromkeys(out) if x and compact_form(x) not in vendor]


def _mentions(text: str, names: Iterable[str]) -> bool:
    t = compact_form(text)
    return any(compact_form(n) in t for n in names)


@dataclass
class _Row:
    """A row of capabilities.yaml an option may cite: a fact (capability × service) or a wrong answer."""

    kind: str  # "fact" | "wrong"
    capability: str = ""
    service: str = ""
    support: str = ""
    claim: str = ""
    evidence: str = ""
    concept: str = ""
    role: str = ""
    text: str = ""


@dataclass
class _Table:
    rows: dict[int, _Row] = field(default_factory=dict)
    caps: list[dict] = field(default_factory=list)
    concepts: dict[str, dict] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


def parse_table(path: Path) -> _Table:
    """capabilities.yaml by line: which fact or wrong answer stands on each line."""
    table = _Table()
    if not path.exists():
        return table
    text = path.read_text(encoding="utf-8")
    root, data = yaml.compose(text), yaml.safe_load(text) or {}
    table.caps = list(data.get("capabilities") or [])
    table.concepts = dict(data.get("concepts") or {})
    table.kinds = {k: (v or {}).get("kind", "") for k, v in (data.get("terms") or {}).items()}

    def child(node, key):
        return next((v for k, v in node.value if k.value == key), None) if isinstance(node, yaml.MappingNode) else None

    for i, cap_node in enumerate((child(root, "capabilities") or yaml.SequenceNode("", [])).value):
        cap = table.caps[i]
        for support in ("has", "partly", "lacks"):
            sup = child(cap_node, support)
            for k, v in (sup.value if sup is not None else ()):
                cell = cap[support][k.value] or {}
                table.rows[v.start_mark.line + 1] = _Row("fact", cap["id"], k.value, support, cap["claim"],
                                                         str(cell.get("evidence", "")))
    concepts = child(root, "concepts")
    for k, v in (concepts.value if concepts is not None else ()):
        wrong = child(v, "wrong")
        for rk, rv in (wrong.value if wrong is not None else ()):
            for item, raw in zip(rv.value, table.concepts[k.value]["wrong"][rk.value]):
                table.rows[item.start_mark.line + 1] = _Row("wrong", concept=k.value, role=rk.value, text=raw["text"])
    return table


@dataclass
class Report:
    checked: int = 0
    per_type: Counter = field(default_factory=Counter)
    problems: dict[str, list[str]] = field(default_factory=dict)
    # type -> [questions whose right answer is the strictly longest option, questions, summed chance]
    longest: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0.0]))

    @property
    def ok(self) -> bool:
        return not self.problems

    def longest_rate(self, qtype: str | None = None) -> tuple[float, float]:
        """(how often the right answer is the strictly longest option, the chance level)."""
        rows = [v for k, v in self.longest.items() if qtype in (None, k)]
        n = sum(r[1] for r in rows)
        if not n:
            return 0.0, 0.0
        return sum(r[0] for r in rows) / n, sum(r[2] for r in rows) / n

    def text(self) -> str:
        lines = [f"checked {self.checked} questions: " + ("all valid" if self.ok else f"{len(self.problems)} invalid")]
        for t in QUESTION_TYPES:
            rate, chance = self.longest_rate(t)
            extra = f"   right answer longest {rate:.0%} (chance {chance:.0%})" if t not in NAME_OPTION_TYPES and self.per_type[t] else ""
            lines.append(f"  {t:18s} {QUESTION_TYPES[t]:10s} {self.per_type[t]:4d}{extra}")
        for qid, probs in self.problems.items():
            lines.append(f"INVALID {qid}:")
            lines += [f"  - {p}" for p in probs]
        return "\n".join(lines)


class Checker:
    def __init__(self, knowledge_dir: str | Path, similarity=None, near_duplicate: float | None = None,
                 extra_aliases: dict[str, Iterable[str]] | None = None):
        """``extra_aliases``: other names per term (aliases.yaml): a stem naming the answer by one of
        them leaks it as much as by its heading. ``similarity``/``near_duplicate`` are for the
        definition type: two intros that say the same would make it ambiguous."""
        from .similarity import E5_NEAR_DUPLICATE, as_similarity

        self.terms = parse_glossary(knowledge_dir)
        self.table = parse_table(Path(knowledge_dir) / CAPS_FILE)
        self.extra = {k: [str(n) for n in v if len(compact_form(str(n))) >= 3] for k, v in (extra_aliases or {}).items()}
        self.sim = as_similarity(similarity) if similarity is not None else None
        self.near = near_duplicate if near_duplicate is not None else getattr(self.sim, "near_duplicate", E5_NEAR_DUPLICATE)

    def _names(self, term: str) -> list[str]:
        return names_of(term) + self.extra.get(term, [])

    def _entry(self, term: str, section: str, line: int) -> _Entry | None:
        t = self.terms.get(term)
        if not t or section not in t.sections:
            return None
        return next((e for e in t.sections[section][1] if e.line == line), None)

    def _evidence(self, term: str, ref: str) -> _Entry | None:
        parts = [p.strip() for p in ref.split("›")]
        t = self.terms.get(term)
        if len(parts) != 2 or not t or parts[0] not in t.sections:
            return None
        return next((e for e in t.sections[parts[0]][1] if e.label == parts[1]), None)

    # --------------------------------------------------------------------------- checks

    def check(self, q: Question) -> list[str]:
        p: list[str] = []
        opts = q.options
        if q.type not in QUESTION_TYPES:
            return [f"unknown type {q.type}"]
        if q.topic not in self.terms:
            return [f"topic {q.topic} is not a term of the glossary"]
        if not 4 <= len(opts) <= 5:
            p.append(f"{len(opts)} options (need 4–5)")
        if len({compact_form(o.text) for o in opts}) != len(opts):
            p.append("options are not distinct")
        want = 2 if q.type in ("select_two", "scenario_pair") else 1
        n_right = sum(o.correct for o in opts)
        if q.n_correct != want or n_right != want:
            p.append(f"{n_right} right options, n_correct={q.n_correct}, expected {want}")
        if want == 2 and len(opts) != 5:
            p.append("select-two needs exactly 5 options")
        if not q.explanation.strip() or f"{q.source.file}:{q.source.line}" not in q.explanation:
            p.append("explanation does not cite the source file:line")
        if CAPS_FILE in q.explanation:
            p.append("explanation cites capabilities.yaml, which the learner cannot open")
        for o in opts:
            from_table = Path(o.file).name == CAPS_FILE  # a reason in plain words; the row is checked below
            if not o.why.strip() or not (from_table or f"{o.file}:{o.line}" in o.why):
                p.append(f"option '{o.text}' has no why citing its file:line")
            if CAPS_FILE in o.why:
                p.append(f"option '{o.text}' cites capabilities.yaml, which the learner cannot open")
        p += self._check_source(q)
        if q.type == "definition_term":
            p += self._check_definition(q)
        elif q.type in ("scenario_service", "scenario_pair"):
            p += self._check_scenario(q)
        else:
            p += self._check_statements(q)
        return p

    def _check_source(self, q: Question) -> list[str]:
        s = q.source
        t = self.terms.get(s.term)
        if t is None:
            return [f"source term {s.term} not in the glossary"]
        if s.section == "概要":
            if compact_form(s.text) != compact_form(t.intro) or s.line != t.intro_line:
                return [f"source text is not the intro of {s.term} at line {t.intro_line}"]
            return []
        e = self._entry(s.term, s.section, s.line)
        if e is None or compact_form(e.display) != compact_form(s.text):
            return [f"source '{s.text}' not found at {s.term} › {s.section}:{s.line}"]
        return []

    def _row(self, o) -> _Row | None:
        return self.table.rows.get(o.line) if o.file == CAPS_FILE else None

    def _check_definition(self, q: Question) -> list[str]:
        p = []
        right = [o for o in q.options if o.correct]
        if not right or right[0].text != q.topic:
            p.append("the right option is not the topic's name")
        if q.topic in self.table.kinds:
            p.append(f"{q.topic} is described in {CAPS_FILE}: it gets table-backed questions, not the conservative one")
        if _mentions(q.stem, self._names(q.topic)):
            p.append(f"the stem names the answer {q.topic}")
        for o in q.options:
            t = self.terms.get(o.text)
            if t is None or o.line != t.intro_line:
                p.append(f"option '{o.text}' is not a term with its intro at line {o.line}")
            elif not o.correct and self.sim is not None:
                v = self.sim.vectors([q.source.text, t.intro])
                if float(v[0] @ v[1]) >= self.near:
                    p.append(f"{o.text}'s intro says nearly what the definition says")
        return p

    def _check_scenario(self, q: Question) -> list[str]:
        """Which-service questions, one need (scenario_service) or two (scenario_pair): each right
        option is the one service that has a capability stated in the stem, quoting its bullet; each
        wrong option is listed for every stated capability, and has none of them."""
        p = []
        right = [o for o in q.options if o.correct]
        if q.topic not in [o.text for o in right]:
            p.append("the topic is not among the right options")
        caps = []
        for o in right:
            if self.table.kinds.get(o.text) not in ("service", "tool") or o.text not in self.terms:
                p.append(f"{o.text} is not a glossary service or tool in {CAPS_FILE}, yet answers 'which service'")
            found = [c for c in self.table.caps
                     if (cell := (c.get("has") or {}).get(o.text, "missing")) != "missing"
                     and (e := self._evidence(o.text, str((cell or {}).get("evidence", "")))) is not None and e.line == o.line]
            if not found:
                p.append(f"no capability has {o.text} with the bullet at line {o.line} as evidence")
            caps += found
        for c in caps:
            if len(c.get("has") or {}) != 1:
                p.append(f"capability {c['id']}: {len(c['has'])} services have it; another could fit the scenario")
            scenario = c.get("scenario") or {}
            if not scenario.get("need") or compact_form(scenario["need"]) not in compact_form(q.stem) or compact_form(scenario.get("constraint", "")) not in compact_form(q.stem):
                p.append(f"the stem does not state the need and constraint of {c['id']}")
            e = self._evidence(next(iter(c["has"])), str(c["has"][next(iter(c["has"]))].get("evidence", "")))
            if e and e.label and compact_form(e.label) in compact_form(q.stem):
                p.append(f"the stem quotes the glossary label '{e.label}'")
        for o in q.options:
            if _mentions(q.stem, self._names(o.text)):
                p.append(f"the stem names the option {o.text}")
            if o.correct:
                continue
            row = self._row(o)
            if row is None or row.kind != "fact" or row.service != o.text or row.capability not in {c["id"] for c in caps}:
                p.append(f"wrong option {o.text} does not cite its row of the scenario's capability")
            for c in caps:
                if o.text not in {**(c.get("partly") or {}), **(c.get("lacks") or {})}:
                    p.append(f"wrong option {o.text} is not listed as partly/lacks for {c['id']}: it might fit")
        return p

    def _check_statements(self, q: Question) -> list[str]:
        p = []
        true_side = [o for o in q.options if o.correct != (q.type == "not_statement")]
        false_side = [o for o in q.options if o.correct == (q.type == "not_statement")]
        kind = self.table.kinds.get(q.topic)
        for o in q.options:
            if o.correct and q.type != "not_statement" and compact_form(o.text) in compact_form(q.stem):
                p.append(f"the right option's text stands in the stem: '{o.text}'")
        if kind in ("service", "tool"):
            for o in true_side:
                row = self._row(o)
                if row is None or row.kind != "fact" or row.service != q.topic or row.support != "has" or compact_form(row.claim) != compact_form(o.text):
                    p.append(f"'{o.text}' is offered as true of {q.topic} but is not its `has` row")
                elif self._evidence(q.topic, row.evidence) is None:
                    p.append(f"'{o.text}' has no glossary bullet as evidence")
            for o in false_side:
                row = self._row(o)
                if row is None or row.kind != "fact" or row.service != q.topic or row.support != "lacks" or compact_form(row.claim) != compact_form(o.text):
                    p.append(f"'{o.text}' is offered as false of {q.topic} but is not its `lacks` row")
        elif kind == "concept":
            spec = self.table.concepts.get(q.topic) or {}
            roles = spec.get("roles") or {}
            for o in true_side:
                e = self._entry(q.topic, o.section, o.line)
                role = next((r for r, v in roles.items() if o.section in (v.get("sections") or ())), None)
                if e is None or compact_form(e.text) != compact_form(o.text):
                    p.append(f"'{o.text}' does not stand at {q.topic} › {o.section}:{o.line}")
                elif role is None or e.label in (roles[role].get("exclude") or {}):
                    p.append(f"'{o.text}' is not a glossary answer the table accepts for any role")
            for o in false_side:
                row = self._row(o)
                if row is None or row.kind != "wrong" or row.concept != q.topic or compact_form(row.text) != compact_form(o.text):
                    p.append(f"'{o.text}' is offered as wrong but is not a wrong answer of {q.topic} in {CAPS_FILE}")
            cases = spec.get("cases") or []
            if any(compact_form(c.get("observation", "")) in compact_form(q.stem) for c in cases) and _mentions(q.stem, self._names(q.topic)):
                p.append("a case stem names the concept it asks to diagnose")
        else:
            p.append(f"{q.topic} has no entry in {CAPS_FILE} but got a {q.type} question")
        return p

    def run(self, questions: Iterable[Question]) -> Report:
        report = Report()
        for q in questions:
            report.checked += 1
            report.per_type[q.type] += 1
            probs = self.check(q)
            if probs:
                report.problems[q.id] = probs
            lengths = [len(o.text) for o in q.options]
            longest = max(lengths)
            strict = lengths.count(longest) == 1
            row = report.longest[q.type]
            row[0] += int(strict and q.options[lengths.index(longest)].correct)
            row[1] += 1
            row[2] += q.n_correct / len(q.options)
        return report


def check_questions(questions: Iterable[Question], knowledge_dir: str | Path, similarity=None) -> Report:
    return Checker(knowledge_dir, similarity).run(questions)


def review_text(review, questions: Sequence[Question], title: str) -> str:
    """The reviewers' verdicts for these questions, per type, as the issue's table."""
    counts = review.counts(questions)
    cols = ("good", "acceptable", "flawed", "unreviewed")
    lines = [title, f"  {'type':18s} {'':10s} " + " ".join(f"{c:>10s}" for c in cols)]
    total = Counter()
    for t in QUESTION_TYPES:
        c = counts.get(t, Counter())
        total += c
        if sum(c.values()):
            lines.append(f"  {t:18s} {QUESTION_TYPES[t]:10s} " + " ".join(f"{c[k]:10d}" for k in cols))
    lines.append(f"  {'all':18s} {'':10s} " + " ".join(f"{total[k]:10d}" for k in cols))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quiz.validate",
                                     description="Check every question the glossary yields (exit 1 if any is invalid) and print the "
                                                 "reviewers' verdicts for a sample of quizzes.")
    parser.add_argument("--config", help="path to config.yaml")
    parser.add_argument("--n", type=int, default=20, help="questions per sample quiz (default 20)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="sample quiz seeds (default 1 2 3)")
    parser.add_argument("--all", action="store_true", help="(default; kept for old scripts) check the whole bank")
    args = parser.parse_args(argv)
    from indexer.errors import KnowledgeError

    from .cli import load_generator

    try:
        config, generator = load_generator(args.config)
    except KnowledgeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("yield per type (distinct questions a learner can get): "
          + ", ".join(f"{k}={v}" for k, v in generator.yield_per_type().items())
          + f"; {len(generator.blocked)} reviewed as flawed and kept out")
    report = Checker(config.knowledge_dir, generator.sim, generator.near, generator.extra_aliases).run(generator.bank.values())
    print("whole bank: " + report.text())
    sample = [q for s in args.seeds for q in generator.build(args.n, seed=s, allow_fewer=True)]
    print(review_text(generator.review, sample,
                      f"review of the sample (--n {args.n} --seed {' '.join(map(str, args.seeds))}, {len(sample)} questions), "
                      f"verdicts from {generator.review.file}:"))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
