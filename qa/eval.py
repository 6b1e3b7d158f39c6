"""``python -m qa.eval``: how well each retriever answers qa/eval_questions.yaml.

Scores every question with four retrievers, so the value of each part is visible:

* dense    — E5 + FAISS over sections, cosine threshold to abstain (the bare baseline)
* keyword  — BM25 over Sudachi tokens (sections + entries) with alias expansion, evidence rules
* fusion   — both, fused by reciprocal rank fusion, no structural priors
* hybrid   — fusion + the glossary's structure (named term, question intent → section kind);
             what ``ask`` uses

Metrics (in-scope questions unless said): hit@1 / hit@3 (a gold section among the first 1 / 3),
MRR, ans⊃gold (answered, and a citation quotes an entry of a gold section), answered (share of
in-scope questions answered), rejected (share of out-of-scope questions abstained on), and the
stricter lead=gold (the *first* citation is from a gold section: what a reader sees first).
Reported per split: train (used for tuning), test (held out while tuning) and blind
(qa/eval_blind.yaml, written after tuning by someone else), then all together.

    python -m qa.eval               # table
    python -m qa.eval --json        # one JSON object
    python -m qa.eval --misses      # also list the hybrid's misses
    python -m qa.eval --sweep       # grid-search the abstention thresholds on the train split
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from .abstain import Thresholds, decide
from .clean import clean_question
from .retriever import MODES

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "eval_questions.yaml"
# Written after tuning by someone who did not tune, and never used to tune: the honest estimate.
BLIND_QUESTIONS = Path(__file__).resolve().parent / "eval_blind.yaml"
METRICS = ("hit@1", "hit@3", "mrr", "answer_contains_gold", "answer_leads_with_gold", "in_scope_answered",
           "out_of_scope_rejected")


@dataclass(frozen=True)
class Question:
    q: str
    gold: tuple[tuple[str, str], ...]  # (term, section); empty = out of scope
    style: str
    split: str


def load_questions(path: str | Path = DEFAULT_QUESTIONS) -> list[Question]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    out = []
    for i, item in enumerate(raw, start=1):
        gold = []
        for g in item.get("gold") or []:
            term, sep, section = str(g).partition(" › ")
            if not sep:
                raise ValueError(f"{path}: question {i}: gold {g!r} must be 'term › section'")
            gold.append((term.strip(), section.strip()))
        out.append(Question(q=str(item["q"]), gold=tuple(gold), style=str(item.get("style", "")),
                            split=str(item.get("split", "train"))))
    return out


def check_gold(questions: list[Question], chunks) -> list[str]:
    """Gold sections that do not exist: a renamed heading must fail loudly, not score zero."""
    known = {(c.term, c.section) for c in chunks}
    return [f"{q.q!r}: {t} › {s}" for q in questions for t, s in q.gold if (t, s) not in known]


def run_questions(answerer, questions: list[Question], modes=MODES, k: int | None = None) -> list[dict]:
    """One record per (question, mode): ranking, verdict, citations. Each query is encoded once."""
    retriever = answerer.retriever
    k = k or answerer.default_k
    texts = [clean_question(q.q, answerer.config.qa.max_question_chars).search for q in questions]
    queries = [retriever.analyze(t) for t in texts]
    # One batched encode for the whole set: the model call dominates, and batches amortise it.
    wanted = [i for i, query in enumerate(queries) if not query.empty]
    vectors = retriever.dense.encode_many([queries[i].text for i in wanted]) if wanted else []
    qvecs = dict(zip(wanted, vectors))
    records = []
    for i, q in enumerate(questions):
        for mode in modes:
            r, verdict = answerer.run(texts[i], mode, qvecs.get(i), query=queries[i])
            ans = answerer.answer_from(q.q, r, verdict, k)
            ranked = [(retriever.chunks[int(j)].term, retriever.chunks[int(j)].section) for j in r.order]
            records.append({"question": q, "mode": mode, "ranked": ranked, "retrieval": r, "verdict": verdict,
                            "found": ans.found, "cited": [(c.term, c.section) for c in ans.citations]})
    return records


def score(records: list[dict]) -> dict:
    ins = [x for x in records if x["question"].gold]
    outs = [x for x in records if not x["question"].gold]

    def rank_of(x) -> int | None:
        gold = set(x["question"].gold)
        return next((i for i, s in enumerate(x["ranked"]) if s in gold), None)

    ranks = [rank_of(x) for x in ins]
    n = max(1, len(ins))
    return {
        "hit@1": sum(r == 0 for r in ranks) / n,
        "hit@3": sum(r is not None and r < 3 for r in ranks) / n,
        "mrr": sum(1 / (r + 1) for r in ranks if r is not None) / n,
        "answer_contains_gold": sum(x["found"] and bool(set(x["cited"]) & set(x["question"].gold)) for x in ins) / n,
        "answer_leads_with_gold": sum(x["found"] and bool(x["cited"]) and x["cited"][0] in set(x["question"].gold) for x in ins) / n,
        "in_scope_answered": sum(x["found"] for x in ins) / n,
        "out_of_scope_rejected": sum(not x["found"] for x in outs) / max(1, len(outs)),
        "n_in_scope": len(ins),
        "n_out_of_scope": len(outs),
    }


def report(records: list[dict], modes=MODES) -> dict:
    out: dict = {}
    present = list(dict.fromkeys(x["question"].split for x in records))
    for split in [*present, "all"]:
        out[split] = {}
        for mode in modes:
            sel = [x for x in records if x["mode"] == mode and (split == "all" or x["question"].split == split)]
            out[split][mode] = score(sel)
    return out


def format_table(rep: dict) -> str:
    head = (f"{'split':6} {'retriever':9} {'hit@1':>6} {'hit@3':>6} {'MRR':>6} {'ans⊃gold':>9} {'lead=gold':>9} "
            f"{'answered':>9} {'rejected':>9}   n(in/out)")
    lines = [head, "-" * len(head)]
    for split, modes in rep.items():
        for mode, m in modes.items():
            lines.append(f"{split:6} {mode:9} {m['hit@1']:6.3f} {m['hit@3']:6.3f} {m['mrr']:6.3f} "
                         f"{m['answer_contains_gold']:9.3f} {m['answer_leads_with_gold']:9.3f} "
                         f"{m['in_scope_answered']:9.3f} {m['out_of_scope_rejected']:9.3f}"
                         f"   {m['n_in_scope']}/{m['n_out_of_scope']}")
        lines.append("")
    return "\n".join(lines).rstrip()


def misses(records: list[dict], mode: str = "hybrid") -> list[str]:
    out = []
    for x in records:
        if x["mode"] != mode:
            continue
        q, v = x["question"], x["verdict"]
        if q.gold:
            ok_rank = any(s in set(q.gold) for s in x["ranked"][:3])
            ok_answer = x["found"] and bool(set(x["cited"]) & set(q.gold))
            if not (ok_rank and ok_answer):
                out.append(f"[{q.split}] MISS {q.q}\n      gold={['›'.join(g) for g in q.gold]}\n      top3={['›'.join(s) for s in x['ranked'][:3]]}"
                           f"\n      found={x['found']} ({v.reason}) cited={['›'.join(c) for c in x['cited']]} {v.features}")
        elif x["found"]:
            out.append(f"[{q.split}] FALSE ANSWER {q.q} ({v.reason}, coverage={v.coverage:.2f}) {v.features}")
    return out


def _objective(records: list[dict], mode: str, split: str, th: Thresholds, retriever) -> float:
    ok_in = ok_out = n_in = n_out = 0
    for x in records:
        if x["mode"] != mode or x["question"].split != split:
            continue
        found = x["verdict"].reason != "empty" and decide(x["retrieval"], retriever, th).found
        if x["question"].gold:
            n_in, ok_in = n_in + 1, ok_in + found
        else:
            n_out, ok_out = n_out + 1, ok_out + (not found)
    # Both rates matter; a confident wrong answer is the worse error, so rejection weighs more.
    return 0.4 * ok_in / max(1, n_in) + 0.6 * ok_out / max(1, n_out)


def sweep(answerer, records: list[dict], split: str = "train") -> dict[str, list[tuple[float, Thresholds]]]:
    """Re-decide every train question under a grid of thresholds (retrieval is reused)."""
    base, retriever = answerer.thresholds, answerer.retriever
    grids = {
        "hybrid": [replace(base, coverage=c, coverage_agree=a)
                   for c in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7) for a in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5) if a <= c],
        "dense": [replace(base, dense_cosine=round(0.80 + 0.005 * i, 3)) for i in range(19)],
    }
    out = {}
    for mode, grid in grids.items():
        scored = [(_objective(records, mode, split, th, retriever), th) for th in grid]
        out[mode] = sorted(scored, key=lambda t: -t[0])
    return out


def main(argv: list[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(prog="python -m qa.eval", description=doc.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(doc.split("\n")[2:]))
    parser.add_argument("--questions", nargs="+", default=[str(DEFAULT_QUESTIONS), str(BLIND_QUESTIONS)],
                        help="YAML question set(s) (default: the tuning set and the blind set)")
    parser.add_argument("--config", help="path to config.yaml (default: the project's)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--misses", action="store_true", help="list the hybrid retriever's misses")
    parser.add_argument("--sweep", action="store_true", help="grid-search abstention thresholds on the train split")
    args = parser.parse_args(argv)

    from .__main__ import _load

    answerer, error = _load(args.config)
    if answerer is None:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        questions = [q for path in args.questions for q in load_questions(path)]
    except (OSError, ValueError, KeyError, yaml.YAMLError) as e:
        print(f"error: cannot read {args.questions}: {e}", file=sys.stderr)
        return 2
    bad = check_gold(questions, answerer.retriever.chunks)
    if bad:
        print("error: gold sections not in the index:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 2
    records = run_questions(answerer, questions)
    rep = report(records)
    if args.json:
        print(json.dumps(rep, ensure_ascii=False, indent=2))
    else:
        print(format_table(rep))
    if args.misses:
        print("\n".join(["", "hybrid misses:"] + misses(records)))
    if args.sweep:
        print("\nthreshold sweep (train split, objective 0.4·answered + 0.6·rejected):")
        found = sweep(answerer, records)
        for value, th in found["hybrid"][:5]:
            print(f"  hybrid {value:.3f}  coverage={th.coverage} coverage_agree={th.coverage_agree}")
        for value, th in found["dense"][:5]:
            print(f"  dense  {value:.3f}  dense_cosine={th.dense_cosine}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
