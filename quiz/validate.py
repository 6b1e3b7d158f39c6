"""An independent checker for generated questions: ``python -m quiz.validate``.

Independent on purpose: it re-reads the Markdown with its own small parser and its own name rules
instead of trusting ``indexer.glossary`` and ``quiz.names``, so a bug in the generator's view of the
glossary cannot also hide in the checker. It checks what would make a question wrong or useless:
an option that does not stand in the glossary where it claims, a wrong option that is actually
true, a stem that gives the answer away, a miscounted select-two.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from indexer.text import compact_form

from .model import QUESTION_TYPES, Question

_STATEMENT_SECTIONS = ("ユースケース", "統合", "連携")


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


def _labels_close(a: str, b: str) -> bool:
    from .names import SYNONYMS  # data, not logic: the checker folds the same known synonyms

    a, b = compact_form(a), compact_form(b)
    for variant, canonical in SYNONYMS.items():
        a, b = a.replace(compact_form(variant), compact_form(canonical)), b.replace(compact_form(variant), compact_form(canonical))
    if not a or not b:
        return False
    if a == b or a in b or b in a:
        return True
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size >= 4


def _is_service(term: _Term) -> bool:
    concept = [e for h, (_, es) in term.sections.items() if "基本概念" in h for e in es]
    return any("種別" in e.label for e in concept) or bool(re.match(r"^(Amazon|AWS)\s", term.name))


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
            extra = f"   right answer longest {rate:.0%} (chance {chance:.0%})" if t not in ("definition_term", "scenario_service") and self.per_type[t] else ""
            lines.append(f"  {t:18s} {QUESTION_TYPES[t]:10s} {self.per_type[t]:4d}{extra}")
        for qid, probs in self.problems.items():
            lines.append(f"INVALID {qid}:")
            lines += [f"  - {p}" for p in probs]
        return "\n".join(lines)


class Checker:
    def __init__(self, knowledge_dir: str | Path, similarity=None, near_duplicate: float | None = None,
                 extra_aliases: dict[str, Iterable[str]] | None = None):
        """``extra_aliases``: other names per term (aliases.yaml): a stem naming the answer by one of
        them leaks it as much as by its heading."""
        from .similarity import E5_NEAR_DUPLICATE, as_similarity

        self.terms = parse_glossary(knowledge_dir)
        self.extra = {k: [str(n) for n in v if len(compact_form(str(n))) >= 3] for k, v in (extra_aliases or {}).items()}
        self.sim = as_similarity(similarity) if similarity is not None else None
        self.near = near_duplicate if near_duplicate is not None else getattr(self.sim, "near_duplicate", E5_NEAR_DUPLICATE)

    # --------------------------------------------------------------------------- helpers

    def _names(self, term: str) -> list[str]:
        return names_of(term) + self.extra.get(term, [])

    def _entry(self, term: str, section: str, line: int) -> _Entry | None:
        t = self.terms.get(term)
        if not t or section not in t.sections:
            return None
        return next((e for e in t.sections[section][1] if e.line == line), None)

    def _cos(self, a: str, bs: Sequence[str]) -> float:
        if self.sim is None or not bs:
            return -1.0
        v = self.sim.vectors([a, *bs])
        return float(np.max(v[1:] @ v[0]))

    def _true_of(self, label: str, text: str, topic: str, only_section: str | None = None) -> str | None:
        """Why an entry (label, text) would also be true of ``topic`` (or of one of its sections), or None."""
        t = self.terms[topic]
        if _mentions(f"{label} {text}", self._names(topic)):
            return f"names the topic {topic}"
        entries = [(h, e) for h, e in t.entries() if only_section in (None, h)]
        for h, e in entries:
            if compact_form(e.text) == compact_form(text):
                return f"same text as {topic} › {h}:{e.line}"
            concept = "基本概念" in h
            if label and e.label and not concept and _labels_close(label, e.label):
                return f"label '{label}' ~ '{e.label}' of {topic} › {h}:{e.line}"
            if not concept and any(len(compact_form(x)) >= 4 and compact_form(x) in compact_form(y) for x, y in ((label, e.text), (e.label, text))):
                return f"'{label}' / '{e.label}' of {topic} › {h}:{e.line}: one's label stands in the other's text"
        display = f"{label}: {text}" if label else text
        facts = [e.display for _, e in entries]
        if only_section is None and t.intro:  # the intro's sentences are facts about the term too
            facts += [x for x in re.split(r"(?<=。)", t.intro) if x.strip()]
        score = self._cos(display, facts)
        if score >= self.near:
            return f"embedding {score:.3f} ≥ {self.near} to an entry of {topic}"
        return None

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
        want = 2 if q.type == "select_two" else 1
        n_right = sum(o.correct for o in opts)
        if q.n_correct != want or n_right != want:
            p.append(f"{n_right} right options, n_correct={q.n_correct}, expected {want}")
        if q.type == "select_two" and len(opts) != 5:
            p.append("select-two needs exactly 5 options")
        if not q.explanation.strip() or f"{q.source.file}:{q.source.line}" not in q.explanation:
            p.append("explanation does not cite the source file:line")
        for o in opts:
            if not o.why.strip() or f"{o.file}:{o.line}" not in o.why:
                p.append(f"option '{o.text}' has no why citing its file:line")
        p += self._check_source(q)
        p += self._check_options_provenance(q)
        p += self._check_truth(q)
        p += self._check_leak(q)
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

    def _check_options_provenance(self, q: Question) -> list[str]:
        p = []
        for o in q.options:
            if q.type in ("definition_term", "scenario_service"):
                t = self.terms.get(o.text)
                if t is not None:
                    if o.term != o.text or o.line != t.line:
                        p.append(f"name option '{o.text}' claims {o.term}:{o.line}, heading is at line {t.line}")
                    continue
                e = self._entry(o.term, o.section, o.line)
                if (q.type == "definition_term" or e is None or e.label != o.text
                        or not re.match(r"^(Amazon|AWS)\s", o.text) or re.search(r"との|(統合|連携)$", o.text)):
                    p.append(f"option '{o.text}' is not a term name (or a service label at {o.term} › {o.section}:{o.line})")
                continue
            e = self._entry(o.term, o.section, o.line)
            expected = (e.text if q.type == "label_description" else e.display) if e else None
            if expected is None or compact_form(expected) != compact_form(o.text):
                p.append(f"option '{o.text}' does not stand at {o.term} › {o.section}:{o.line}")
        return p

    def _check_truth(self, q: Question) -> list[str]:
        right = [o for o in q.options if o.correct]
        wrong = [o for o in q.options if not o.correct]
        if q.type in ("term_statement", "select_two", "not_statement"):
            return self._truth_of_statements(q, right, wrong)
        if q.type == "label_description":
            return self._truth_of_label_description(q, right, wrong)
        if q.type in ("definition_term", "scenario_service"):
            return self._truth_of_which_term(q, right, wrong)
        return []

    def _truth_of_statements(self, q: Question, right: list, wrong: list) -> list[str]:
        """Statements about the topic's asked section: the true ones from it, the false ones not true of it."""
        p = []
        topic = self.terms[q.topic]
        asked = re.search(r"「(.+?)」", q.stem)
        asked = asked.group(1) if asked else ""
        true_side = right if q.type != "not_statement" else wrong
        false_side = wrong if q.type != "not_statement" else right
        for o in true_side:
            if o.term != q.topic or o.section != asked:
                p.append(f"'{o.text}' is offered as true of {q.topic} › {asked} but is from {o.term} › {o.section}")
        for o in false_side:
            e = self._entry(o.term, o.section, o.line)
            if e is None:
                continue
            if o.term == q.topic:
                # A sibling section of a concept: it must not say what the asked section says.
                if _is_service(topic):
                    p.append(f"wrong option '{o.text}' is the service's own entry ({o.section})")
                elif o.section == asked:
                    p.append(f"wrong option '{o.text}' stands in the asked section {asked}")
                elif why := self._true_of(e.label, e.text, q.topic, only_section=asked):
                    p.append(f"wrong option '{o.text}' says what {asked} says: {why}")
            elif why := self._true_of(e.label, e.text, q.topic):
                p.append(f"wrong option '{o.text}' is true of the topic: {why}")
        return p

    def _truth_of_label_description(self, q: Question, right: list, wrong: list) -> list[str]:
        p = []
        e_right = self._entry(right[0].term, right[0].section, right[0].line) if right else None
        if right and right[0].term != q.topic:
            p.append("the right description is not from the topic")
        for o in wrong:
            e = self._entry(o.term, o.section, o.line)
            if not e or not e_right:
                continue
            if _labels_close(e.label, e_right.label):
                p.append(f"wrong description '{o.text}' belongs to a label like '{e_right.label}' ({e.label})")
            if _mentions(e.text, self._names(q.topic)):
                p.append(f"wrong description '{o.text}' names the topic")
            if _mentions(e_right.label, self._names(o.term)):
                p.append(f"wrong description '{o.text}' comes from {o.term}, which the label itself names")
            if (c := self._cos(e.text, [e_right.text])) >= self.near:
                p.append(f"wrong description '{o.text}' ~ the right one (embedding {c:.3f})")
        return p

    def _truth_of_which_term(self, q: Question, right: list, wrong: list) -> list[str]:
        """定義→用語 and シナリオ→サービス: the answer is the topic's name and no other option fits."""
        p = []
        topic = self.terms[q.topic]
        if not right or right[0].text != q.topic:
            p.append("the right option is not the topic's name")
        if q.source.term != q.topic:
            p.append(f"the stem's source is from {q.source.term}, not from the answer {q.topic}")
        if q.type == "definition_term" and not (q.source.section == "概要" or "基本概念" in q.source.section):
            p.append(f"definition taken from {q.source.section}, not the intro or 基本概念")
        if q.type == "scenario_service":
            if not _is_service(topic):
                p.append(f"{q.topic} is not a service or tool, yet answers 'which service'")
            if not any(k in q.source.section for k in _STATEMENT_SECTIONS):
                p.append(f"scenario taken from {q.source.section}, not a use case or integration")
            e = self._entry(q.source.term, q.source.section, q.source.line)
            if e and compact_form(e.text) not in compact_form(q.stem):
                p.append("the scenario does not contain its source entry's text")
            for o in q.options:
                if o.text in self.terms and not _is_service(self.terms[o.text]):
                    p.append(f"'{o.text}' is not a service but is an option of a 'which service' question")
        src_label = q.source.label
        src_text = q.source.text.split(": ", 1)[1] if src_label else q.source.text
        for o in wrong:
            if o.text in self.terms:
                if q.source.section == "概要":
                    score = self._cos(q.source.text, [self.terms[o.text].intro])
                    if score >= self.near:
                        p.append(f"{o.text}'s intro ~ the definition (embedding {score:.3f})")
                elif why := self._true_of(src_label if q.type == "scenario_service" else "", src_text, o.text):
                    p.append(f"wrong option {o.text} also fits: {why}")
            else:
                e = self._entry(o.term, o.section, o.line)
                if e and (compact_form(e.text) == compact_form(src_text) or self._cos(e.display, [q.source.text]) >= self.near):
                    p.append(f"wrong service '{o.text}' ({e.text}) fits the scenario too")
        return p

    def _check_leak(self, q: Question) -> list[str]:
        p = []
        if q.type in ("definition_term", "scenario_service"):
            if _mentions(q.stem, self._names(q.topic)):
                p.append(f"the stem names the answer {q.topic}")
        else:
            for o in q.options:
                if o.correct and compact_form(o.text) in compact_form(q.stem):
                    p.append(f"the right option's text stands in the stem: '{o.text}'")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quiz.validate",
                                     description="Check generated quizzes against the glossary; exit 1 if any question is invalid.")
    parser.add_argument("--config", help="path to config.yaml")
    parser.add_argument("--n", type=int, default=30, help="questions per quiz (default 30)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4], help="quiz seeds (default 1 2 3 4)")
    parser.add_argument("--all", action="store_true", help="check every question the glossary yields instead")
    args = parser.parse_args(argv)
    from indexer.errors import KnowledgeError

    from .cli import load_generator

    try:
        config, generator = load_generator(args.config)
    except KnowledgeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.all:
        questions = list(generator.bank.values())
    else:
        questions = [q for s in args.seeds for q in generator.build(args.n, seed=s, allow_fewer=True)]
    print("yield per type (distinct questions): " + ", ".join(f"{k}={v}" for k, v in generator.yield_per_type().items()))
    report = Checker(config.knowledge_dir, generator.sim, generator.near, generator.extra_aliases).run(questions)
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
