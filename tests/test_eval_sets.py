"""Format checks for the style-diverse evaluation sets under qa/eval/.

Deliberately independent of the qa package: the gold labels are checked against the glossary's
Markdown headings parsed here with a regex, so a bug in the parser under test cannot hide a wrong
label, and the set stays something written from the glossary alone.
"""
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "knowledge" / "aws_ml_glossary.ja.md"
EVAL_DIR = ROOT / "qa" / "eval"
SEP = " › "
INTRO = "概要"  # the paragraph under a `## term` heading, before its first `### section`

MIN_PER_STYLE = {
    "scenario": 35, "typo": 35, "english": 35, "comparison": 35, "casual": 35, "mixed": 35,
    "choices": 35, "followup": 30, "short": 30, "out_of_scope": 35, "near_miss": 35,
    # the second round (styles the first lacked)
    "romaji": 20, "numbers": 20, "two_terms": 20, "wrong_premise": 15, "keigo": 15, "long_rambling": 15,
    "english_katakana": 15,
}
ABSTAIN_STYLES = {"out_of_scope", "near_miss"}
KEYS = {"q", "gold", "style", "split", "history", "note"}


def glossary_labels(path: Path = GLOSSARY) -> set[str]:
    """Every valid `term › section` label: each ### heading, plus 概要 for a term with a lead paragraph."""
    labels: set[str] = set()
    term, intro_lines = None, 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^##\s+(?!#)(.+?)\s*$", line):
            term, intro_lines = m.group(1), 0
        elif m := re.match(r"^###\s+(.+?)\s*$", line):
            if term and intro_lines:
                labels.add(f"{term}{SEP}{INTRO}")
            intro_lines = -10**9  # past the intro
            labels.add(f"{term}{SEP}{m.group(1)}")
        elif term and line.strip():
            intro_lines += 1
    return labels


def load(name: str) -> list[dict]:
    path = EVAL_DIR / name
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(items, list) and items, f"{path} must be a non-empty YAML list"
    return items


def test_glossary_labels_are_found():
    labels = glossary_labels()
    terms = {label.split(SEP)[0] for label in labels}
    assert len(terms) == 5
    assert f"Amazon EventBridge{SEP}ターゲットタイプ" in labels
    assert f"TensorBoard{SEP}{INTRO}" in labels


def test_dev_set_format_and_gold_labels():
    labels = glossary_labels()
    items = load("dev.yaml")
    problems = []
    seen = set()
    for i, item in enumerate(items):
        where = f"item {i} ({str(item.get('q'))[:30]!r})"
        if not isinstance(item, dict) or set(item) - KEYS or not {"q", "gold", "style", "split"} <= set(item):
            problems.append(f"{where}: keys must be q, gold, style, split[, history, note]")
            continue
        if not isinstance(item["q"], str) or not item["q"].strip():
            problems.append(f"{where}: empty question")
        if item["split"] != "dev":
            problems.append(f"{where}: split must be dev")
        if item["style"] not in MIN_PER_STYLE:
            problems.append(f"{where}: unknown style {item['style']!r}")
        problems += [f"{where}: unknown gold {g!r}" for g in item["gold"] if g not in labels]
        if item["style"] in ABSTAIN_STYLES and item["gold"]:
            problems.append(f"{where}: {item['style']} must have gold []")
        if item["style"] not in ABSTAIN_STYLES | {"followup"} and not item["gold"]:
            problems.append(f"{where}: in-scope style needs gold")
        if item["style"] == "near_miss" and not item.get("note"):
            problems.append(f"{where}: a near miss needs a note naming the missing fact")
        history = item.get("history")
        if (item["style"] == "followup") != bool(history):
            problems.append(f"{where}: history is required for followup and only there")
        if history and not all(isinstance(h, str) and h.strip() for h in history):
            problems.append(f"{where}: history must be a list of non-empty strings")
        key = (item["q"], tuple(history or ()))
        if key in seen:
            problems.append(f"{where}: duplicate question")
        seen.add(key)
    assert not problems, "\n".join(problems)


def test_dev_set_style_counts():
    counts = Counter(item["style"] for item in load("dev.yaml"))
    short = {s: (counts[s], n) for s, n in MIN_PER_STYLE.items() if counts[s] < n}
    assert not short, f"styles under their minimum (have, need): {short}"
    assert sum(counts.values()) >= 380


def test_dev_set_covers_every_section():
    used = {g for item in load("dev.yaml") for g in item["gold"]}
    missing = glossary_labels() - used
    assert not missing, f"sections no question targets: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(str(p.relative_to(EVAL_DIR)) for p in
                                        [*EVAL_DIR.glob("blind*.yaml"), *EVAL_DIR.glob("unscored/blind*.yaml")]))
def test_blind_set_format_and_gold_labels(name):
    """The blind sets are scored by `make eval` with the shipped model (those under unscored/ when
    a candidate is judged): every gold label must name a section of the glossary, or an edit of a
    heading would silently turn a hit into a miss."""
    labels = glossary_labels()
    problems = []
    for i, item in enumerate(load(name)):
        where = f"item {i} ({str(item.get('q'))[:30]!r})"
        if not isinstance(item.get("q"), str) or not item["q"].strip() or not isinstance(item.get("gold"), list):
            problems.append(f"{where}: needs a question and a gold list")
            continue
        problems += [f"{where}: unknown gold {g!r}" for g in item["gold"] if g not in labels]
        if not item["gold"] and item.get("style") not in ABSTAIN_STYLES:
            problems.append(f"{where}: an out-of-scope item's style is near_miss or out_of_scope")
    assert not problems, "\n".join(problems)
