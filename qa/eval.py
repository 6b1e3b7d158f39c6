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
    python -m qa.eval --fit         # refit qa/abstain_model.json on the fitting sets (OOF threshold)

Sets: qa/eval_questions.yaml (train/test, "set A"-like), qa/eval_blind.yaml, the fitting sets
(``FIT_ON``: qa/eval/dev.yaml, the style-diverse development set, and the second to twenty-seventh
blind sets once they had been evaluated; their figures are always out-of-fold, k-fold grouped by
gold sections so paraphrases of one item never straddle folds) and the blind sets scored with the
shipped model only (qa/eval/blind.yaml and the newest, blind28.yaml to blind45.yaml). Every table
is per style and per retriever.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from .abstain import Verdict
from .calibrate import answers, features, kept_rule
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
    history: tuple = ()  # earlier turns of the conversation (strings or {"role", "content"})
    set: str = ""  # which file it came from (eval_questions, eval_blind, dev, …)

    @property
    def group(self) -> str:
        """Paraphrases of one item share their gold sections: one fold holds them all."""
        return "|".join(sorted("›".join(g) for g in self.gold)) or f"out:{self.q}"


def load_questions(path: str | Path = DEFAULT_QUESTIONS) -> list[Question]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if isinstance(raw, dict):  # {questions: [...]} as well as a bare list
        raw = raw.get("questions") or []
    name = Path(path).stem
    out = []
    for i, item in enumerate(raw, start=1):
        gold = []
        for g in item.get("gold") or []:
            term, sep, section = str(g).partition(" › ")
            if not sep:
                raise ValueError(f"{path}: question {i}: gold {g!r} must be 'term › section'")
            gold.append((term.strip(), section.strip()))
        history = item.get("history") or ()
        if isinstance(history, str):
            history = (history,)
        out.append(Question(q=str(item["q"]), gold=tuple(gold), style=str(item.get("style", "")),
                            split=str(item.get("split", "train" if name == DEFAULT_QUESTIONS.stem else name)),
                            history=tuple(history), set=name))
    return out


def check_gold(questions: list[Question], chunks) -> list[str]:
    """Gold sections that do not exist: a renamed heading must fail loudly, not score zero."""
    known = {(c.term, c.section) for c in chunks}
    return [f"{q.q!r}: {t} › {s}" for q in questions for t, s in q.gold if (t, s) not in known]


def run_questions(answerer, questions: list[Question], modes=MODES, k: int | None = None) -> list[dict]:
    """One record per (question, mode): ranking, the rules' verdict, the shipped verdict, the
    evidence features and what would be cited. Each question is encoded once, in one batch."""
    retriever = answerer.retriever
    k = k or answerer.default_k
    preps = [answerer.prepare(q.q, list(q.history)) for q in questions]
    # One batched encode for the whole set: the model call dominates, and batches amortise it.
    wanted = [i for i, p in enumerate(preps) if not p.query.empty]
    vectors = retriever.dense.encode_many([preps[i].query.text for i in wanted]) if wanted else []
    qvecs = dict(zip(wanted, vectors))
    records = []
    for i, q in enumerate(questions):
        prep = preps[i]
        for mode in modes:
            r, rules = answerer.run(prep, mode, qvecs.get(i), calibrated=False)
            model = answerer.calibrated.get(mode)
            verdict = answerer.calibrate(model, r, prep, rules) if model and rules.reason != "empty" else rules
            cites = []
            if rules.reason != "empty":  # what would be quoted if it answered (the decision is separate)
                cites = answerer.answer_from(q.q, r, Verdict(True, "eval"), k, None, prep.compared).citations
            cited = [(c.term, c.section) for c in cites]
            ranked = [(retriever.chunks[int(j)].term, retriever.chunks[int(j)].section) for j in r.order]
            records.append({"question": q, "mode": mode, "ranked": ranked, "retrieval": r, "verdict": verdict,
                            "rules": rules, "found": verdict.found, "cited": cited,
                            "cite_scores": [c.score for c in cites],
                            "features": features(r, prep, rules) if rules.reason != "empty" else None,
                            "relation": answerer.relation_of(r) if rules.reason != "empty" else None,
                            "embedding": answerer.embedding})
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
        "cited_per_answer": sum(len(x["cited"]) for x in ins if x["found"]) / max(1, sum(x["found"] for x in ins)),
        "answer_leads_with_gold": sum(x["found"] and bool(x["cited"]) and x["cited"][0] in set(x["question"].gold) for x in ins) / n,
        "in_scope_answered": sum(x["found"] for x in ins) / n,
        "out_of_scope_rejected": sum(not x["found"] for x in outs) / max(1, len(outs)),
        "n_in_scope": len(ins),
        "n_out_of_scope": len(outs),
    }


def report(records: list[dict], modes=MODES, key: str = "split") -> dict:
    """{group: {mode: metrics}} for each value of ``key`` (split, style, set), then "all"."""
    out: dict = {}
    present = list(dict.fromkeys(getattr(x["question"], key) for x in records))
    for group in [*present, "all"]:
        out[group] = {}
        for mode in modes:
            sel = [x for x in records if x["mode"] == mode and (group == "all" or getattr(x["question"], key) == group)]
            if sel:
                out[group][mode] = score(sel)
    return out


def format_table(rep: dict, label: str = "split") -> str:
    head = (f"{label:13} {'retriever':9} {'hit@1':>6} {'hit@3':>6} {'MRR':>6} {'ans⊃gold':>9} {'lead=gold':>9} "
            f"{'answered':>9} {'rejected':>9} {'cites':>5}   n(in/out)")
    lines = [head, "-" * len(head)]
    for group, modes in rep.items():
        for mode, m in modes.items():
            lines.append(f"{group[:13]:13} {mode:9} {m['hit@1']:6.3f} {m['hit@3']:6.3f} {m['mrr']:6.3f} "
                         f"{m['answer_contains_gold']:9.3f} {m['answer_leads_with_gold']:9.3f} "
                         f"{m['in_scope_answered']:9.3f} {m['out_of_scope_rejected']:9.3f} {m['cited_per_answer']:5.2f}"
                         f"   {m['n_in_scope']}/{m['n_out_of_scope']}")
        lines.append("")
    return "\n".join(lines).rstrip()


# ------------------------------------------------------------------ calibrated abstention, k-fold
FITTED_MODES = ("keyword", "fusion", "hybrid")  # dense stays the bare baseline (one cosine cut)


def _matrix(records: list[dict]):
    """Features, labels, fold groups, kept-rule acceptances, and the relation rows (None unless
    every record has one: the modes that embed the question)."""
    import numpy as np

    from .calibrate import vector

    X = np.array([vector(x["features"]) for x in records])
    y = np.array([1 if x["question"].gold else 0 for x in records])
    groups = np.array([x["question"].group for x in records])
    kept = np.array([kept_rule(x["features"], x["rules"].found, x["rules"].reason) for x in records])
    rel = None
    if records and all(x.get("relation") is not None for x in records):
        rel = np.array([x["relation"] for x in records])
    return X, y, groups, kept, rel


def _folds(groups, k: int):
    """Grouped folds (paraphrases of one item stay together), shuffled once with a fixed seed."""
    import numpy as np

    uniq = sorted(set(groups))
    rng = np.random.default_rng(0)
    rng.shuffle(uniq)
    fold_of = {g: i % k for i, g in enumerate(uniq)}
    ids = np.array([fold_of[g] for g in groups])
    return [(np.where(ids != f)[0], np.where(ids == f)[0]) for f in range(k)]


def _fit_with_threshold(X, y, groups, kept=None, rel=None, embedding: str = "", k: int = 4):
    """Fit on all of X (and the relation rows, if any); the threshold comes from inner out-of-fold
    probabilities, never from the model's own fit (which would be too confident)."""
    import numpy as np

    from .calibrate import choose_threshold, fit

    def fitted(idx):
        return fit(X[idx], y[idx], rel=None if rel is None else rel[idx], embedding=embedding)

    p = np.zeros(len(y))
    for train, test in _folds(groups, k):
        if len(set(y[train])) < 2:
            p[test] = 1.0
            continue
        m = fitted(train)
        p[test] = [m.probability(dict(zip(m.names, X[j])), None if rel is None else rel[j]) for j in test]
    model = fitted(np.arange(len(y)))
    model.threshold = choose_threshold(p, y, kept)
    return model


def _decide(model, x: dict) -> bool:
    return answers(model, x["features"], x["rules"].found, x["rules"].reason, x.get("relation"))[0]


def out_of_fold(records: list[dict], k: int = 5) -> list[dict]:
    """Copies of ``records`` whose decision comes from a model that never saw their fold (nested:
    each outer fold's threshold is itself chosen out-of-fold on the other folds)."""
    out = [dict(x) for x in records]
    for mode in FITTED_MODES:
        idx = [i for i, x in enumerate(out) if x["mode"] == mode and x["features"] is not None]
        if len(idx) < 2 * k:
            continue
        X, y, groups, kept, rel = _matrix([out[i] for i in idx])
        for train, test in _folds(groups, k):
            model = _fit_with_threshold(X[train], y[train], groups[train], kept[train],
                                        None if rel is None else rel[train], out[idx[0]].get("embedding", ""))
            for j in test:
                out[idx[j]]["found"] = _decide(model, out[idx[j]])
    return out


@dataclass
class Fitted:
    """What ``--fit`` ships: per mode a model on the evidence features alone, and for the modes
    that embed the question one that also weighs its vector (used under that embedding only)."""

    base: dict
    with_vectors: dict

    @property
    def served(self) -> dict:
        from .calibrate import served

        return served(self.base, self.with_vectors)


def fit_models(records: list[dict]) -> Fitted:
    """The models to ship, fitted on every record given (the development set), thresholds OOF."""
    models, with_vectors = {}, {}
    for mode in FITTED_MODES:
        sel = [x for x in records if x["mode"] == mode and x["features"] is not None]
        if not sel:
            continue
        X, y, groups, kept, rel = _matrix(sel)
        models[mode] = _fit_with_threshold(X, y, groups, kept)
        if rel is not None:
            with_vectors[mode] = _fit_with_threshold(X, y, groups, kept, rel, sel[0].get("embedding", ""))
    return Fitted(models, with_vectors)


def apply_models(records: list[dict], models: dict) -> list[dict]:
    out = [dict(x) for x in records]
    for x in out:
        m = models.get(x["mode"])
        if m is not None and x["features"] is not None:
            x["found"] = _decide(m, x)
    return out


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


EVAL_DIR = Path(__file__).resolve().parent / "eval"
DEV_QUESTIONS = EVAL_DIR / "dev.yaml"


def _set_order(stem: str) -> tuple[int, str]:
    """blind, blind2 … blind10 in the order they were written (not blind10 before blind2); any
    other name after them, alphabetically."""
    number = stem.removeprefix("blind") or "1"
    return (int(number), "") if number.isdigit() else (10**6, stem)


# The blind sets, each written by someone who saw neither the code nor the tuning, in the order they
# were written: blind.yaml (the lead's, 126 questions), blind2 (174, 33 styles, written before the
# second round of tuning), blind3 (152, 20 styles, read only the glossary), blind4 and blind5 (153
# each, 17 styles each), blind6 (150, 16 styles), blind7 (146, 36 near misses, written to check a
# near-miss feature that was then not kept), blind8 (154, 12 styles, 34 near misses), blind9 (151,
# 12 styles, 33 near misses), blind10 (151, 12 styles, 32 near misses), blind11 (152, 12 styles, 32
# near misses), blind12 (152, 12 styles, 32 near misses), blind13 (150, 12 styles, 32 near misses),
# blind14 (150, 12 styles, 34 near misses), blind15 (151, 12 styles, 34 near misses), blind16 (150,
# 12 styles, 38 near misses), blind17 (151, 12 styles, 23 near misses), blind18 (150, 12 styles, 24
# near misses), blind19 (153, 12 styles, 26 near misses), blind20 (151, 12 styles, 25 near misses),
# blind21 (150, 12 styles, 25 near misses), blind22 (153, 12 styles, 23 near misses), blind23 (150,
# 12 styles, 25 near misses), blind24 (150, 12 styles, 25 near misses), blind25, blind26, blind27,
# blind28 to blind45 (150 each, 12 styles, 25 near misses). blind4–6, blind8–11, blind13–22, blind24
# and blind28 were each scored once before and once after the model was refitted on the sets before
# them, blind7, blind12, blind14–27 and blind29–45 once without and once with a change to the question
# reading or the model (kept after blind12, blind14, blind16, blind17, blind19–27, blind29, blind32,
# blind34, blind35, blind37, blind38 and blind41–44, not after blind7,
# blind15, blind18, blind30, blind31, blind33, blind36, blind39, blind40 and blind45: the relation vectors failed a per-style
# floor on dev after blind17 and blind18, and were shipped after blind19; the refit on blind19 failed
# its rule on blind20 by one question and passed on blind21; the refit on blind21 passed on blind22
# but failed dev's near-miss floor by one question; the refit on blind21–23 passed its rule on blind24
# and the floors; blind27 judged the end of coverage acceptances, blind28 the refit on blind24–27,
# blind29 a follow-up pointing back from either of two sentences, blind30 a floor under kept
# acceptances, blind31 boosted trees beside the regression, blind32 pasted choices meeting in one
# section, blind33 a weaker penalty on the question's vector, blind34 a long follow-up asking nothing
# of its own, blind35 Japanese written in katakana, blind36 a refit on blind28–35 (failed its out-of-
# fold rule), blind37 lower-case lexicon words as names, blind38 code identifiers read as their words,
# blind39 length interactions in the model (failed blind29's floor), blind40 a chat carrying its term
# into any question naming none (failed a chat test), blind41 katakana words standing for the glossary
# compounds they begin or end, blind42 letters said aloud spelt in Latin, blind43 words typed without
# spaces cut into the words they are made of, blind44 price words as a topic (no change, not kept),
# then a kept rule acceptance needing some of the question's words in the quoted sections (kept),
# blind45 pasted options pointing at the entries holding the words of theirs the glossary uses
# (unchanged on blind45, but failed dev's follow-up floor out-of-fold);
# blind30's and blind31's candidates failed two dev styles' floors and blind29's); blind2–27 have been fitted on since.
BLIND_SETS = tuple(sorted(EVAL_DIR.glob("blind*.yaml"), key=lambda p: _set_order(p.stem)))
# The sets the shipped abstention model is fitted on, and scored out-of-fold: the development set
# and, once each had been evaluated blind, the second to twenty-seventh blind sets (4,584 questions
# in 313 styles: the variety a model fitted on one set's styles lacked). The others (blind.yaml,
# blind28–45) are scored with the shipped model only.
FIT_ON = ("dev,blind2,blind3,blind4,blind5,blind6,blind7,blind8,blind9,blind10,blind11,blind12,blind13,blind14,"
          "blind15,blind16,blind17,blind18,blind19,blind20,blind21,blind22,blind23,blind24,blind25,blind26,blind27")


def default_sets() -> list[str]:
    return [str(p) for p in (DEFAULT_QUESTIONS, BLIND_QUESTIONS, DEV_QUESTIONS, *BLIND_SETS) if p.exists()]


def evaluate(answerer, questions: list[Question], fit_on: str = FIT_ON, k: int = 5, refit: bool = False):
    """Records for every set: the fitting sets' decisions out-of-fold (``fit_on`` names one set or
    several, comma-separated), the others' from the shipped model (or, with ``refit``, from a model
    fitted now on the fitting sets)."""
    records = run_questions(answerer, questions)
    fitting = set(fit_on.split(","))
    dev = [x for x in records if x["question"].set in fitting]
    rest = [x for x in records if x["question"].set not in fitting]
    models = None
    if refit and dev:
        models = fit_models(dev)
        rest = apply_models(rest, models.served)
    return out_of_fold(dev, k) if dev else [], rest, models


def main(argv: list[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(prog="python -m qa.eval", description=doc.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(doc.split("\n")[2:]))
    parser.add_argument("--questions", nargs="+", default=None,
                        help="YAML question set(s) (default: every set present under qa/)")
    parser.add_argument("--config", help="path to config.yaml (default: the project's)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--misses", action="store_true", help="list the hybrid retriever's misses")
    parser.add_argument("--fit", action="store_true",
                        help="fit the abstention model on the fitting sets (--fit-on) and write qa/abstain_model.json")
    parser.add_argument("--fit-on", default=FIT_ON,
                        help=f"name (file stem) of the set to fit and cross-validate on; several: comma-separated "
                             f"(default {FIT_ON})")
    parser.add_argument("--folds", type=int, default=5, help="k of the k-fold cross-validation (default 5)")
    args = parser.parse_args(argv)

    from .__main__ import _load
    from .calibrate import save_models

    answerer, error = _load(args.config)
    if answerer is None:
        print(f"error: {error}", file=sys.stderr)
        return 2
    paths = args.questions or default_sets()
    try:
        questions = [q for path in paths for q in load_questions(path)]
    except (OSError, ValueError, KeyError, yaml.YAMLError) as e:
        print(f"error: cannot read {paths}: {e}", file=sys.stderr)
        return 2
    bad = check_gold(questions, answerer.retriever.chunks)
    if bad:
        print("error: gold sections not in the index:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 2
    dev, rest, models = evaluate(answerer, questions, args.fit_on, args.folds, refit=args.fit)
    if args.fit and models:
        n = sum(1 for x in dev if x["mode"] == "hybrid")
        save_models(models.base, {"fitted_on": f"{args.fit_on} ({n} questions)", "folds": args.folds},
                    with_vectors=models.with_vectors)
        print(f"wrote qa/abstain_model.json (fitted on {args.fit_on}, {n} questions)", file=sys.stderr)
    out = {}
    for name in dict.fromkeys(x["question"].set for x in rest):
        out[name] = report([x for x in rest if x["question"].set == name], key="style")
        if name == DEFAULT_QUESTIONS.stem:
            out[name + " by split"] = report([x for x in rest if x["question"].set == name])
    if dev:
        out[f"{args.fit_on} (out-of-fold, {args.folds}-fold)"] = report(dev, key="style")
        fitted_sets = list(dict.fromkeys(x["question"].set for x in dev))
        if len(fitted_sets) > 1:  # each fitting set on its own, still out-of-fold
            for name in fitted_sets:
                out[f"{name} (out-of-fold)"] = report([x for x in dev if x["question"].set == name], key="style")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for name, rep in out.items():
            print(f"\n== {name}\n" + format_table(rep, "style" if "split" not in name else "split"))
    if args.misses:
        print("\n".join(["", "hybrid misses:"] + misses(dev + rest)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
