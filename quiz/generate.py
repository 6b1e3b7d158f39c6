"""Glossary → a bank of exam-style questions → quizzes.

Why a bank: every question the glossary can yield is built once, with its distractors chosen
deterministically from its own id, so a question id always means the same question (history and
review can point at it) and the yield per type is a number one can measure. A quiz is then a
seeded, balanced draw from the bank with the options shuffled by the quiz seed.

Why distractors are vetted: a wrong option that is secretly true (TensorBoard and Debugger both
list プロファイリング) teaches the learner something false. A candidate is rejected when the topic
(its entries and intro sentences) has the same or nearly the same fact: labels equal after NFKC and
a small synonym table (交差検証 = クロスバリデーション), one label inside the other or inside the
other's description, a 4-character shared run (リアルタイム…), a rare 3-character run on entries that
also score close (…可視化), or embedding cosine at or above the provider's ``near_duplicate``; and
when its text names the topic. Among the survivors the ones most similar to the right answer win,
because an implausible distractor teaches nothing. Embeddings alone cannot do this here: the local
E5 puts unrelated pairs of this glossary at 0.90-0.94 and some real overlaps below that.
"""
from __future__ import annotations

import hashlib
import math
import random
import secrets
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from indexer.glossary import INTRO, Entry, Glossary, Section, Term
from indexer.aliases import AliasError, read_aliases
from indexer.text import compact_form

from .model import NAME_OPTION_TYPES, QUESTION_TYPES, NotEnoughQuestions, Option, Question, QuizError, SourceRef
from .names import MASK, is_operating_model, is_service_label, label_key, labels_overlap, mask, names_any, section_kind, shared_runs, term_aliases
from .similarity import E5_NEAR_DUPLICATE, as_similarity

_STATEMENT_KINDS = frozenset({"feature", "benefit", "usecase", "integration", "detection", "countermeasure", "other"})
N_OPTIONS = 4
N_OPTIONS_SELECT_TWO = 5
# How many of the most similar candidates the length balancing may choose among: wide enough to
# find one of the wanted length from several terms, narrow enough that the pick stays plausible.
_TOP_CANDIDATES = 16
# How far below ``near_duplicate`` two entries with a rare shared label run still count as one fact.
_RARE_RUN_MARGIN = 0.01


@dataclass(frozen=True)
class _Item:
    """One bullet with its term and section, and its row in the embedding matrices."""

    idx: int
    term: Term
    section: Section
    entry: Entry
    kind: str

    @property
    def label(self) -> str:
        return self.entry.label

    @property
    def display(self) -> str:
        return self.entry.display

    @property
    def key(self) -> str:
        return f"{self.term.name}›{self.section.heading}›{self.entry.label or self.entry.text}"

    def ref(self) -> SourceRef:
        return SourceRef(self.term.name, self.section.heading, self.entry.display, self.entry.file, self.entry.line, self.entry.label)

    def where(self) -> str:
        return f"{self.term.name} › {self.section.heading}（{self.loc}）"

    @property
    def title(self) -> str:
        return f"{self.term.name} › {self.section.heading}"

    @property
    def loc(self) -> str:
        return f"{self.entry.file}:{self.entry.line}"


def _qid(qtype: str, keys: Iterable[str]) -> str:
    """Stable across runs and across edits elsewhere in the glossary: built from the type and the
    source entries' term › section › label (not line numbers, not other entries). Rewording a
    bullet's description keeps its id, so the learner's history of that fact survives a typo fix."""
    digest = hashlib.sha1("\n".join([qtype, *keys]).encode("utf-8")).hexdigest()[:12]
    return f"{qtype}:{digest}"


def _rng_for(*parts: object) -> random.Random:
    seed = int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")
    return random.Random(seed)


def is_service(term: Term) -> bool:
    """A service or tool (can answer 'which service?'), as opposed to a concept like 過学習: its
    基本概念 states a サービス種別/ツール種別, or it is named like an AWS service."""
    for section in term.sections:
        if section_kind(section.heading) == "concept" and any("種別" in e.label for e in section.entries):
            return True
    return is_service_label(term.name)


class QuizGenerator:
    """Build once per glossary (embedding every entry once, through the provider's cache), then
    draw quizzes cheaply; ``bank`` holds every question by id."""

    def __init__(self, glossary: Glossary, similarity, *, n_options: int = N_OPTIONS,
                 extra_aliases: Mapping[str, Iterable[str]] | None = None):
        """``extra_aliases``: term name → other names (knowledge/aliases.yaml's ``terms``, see
        ``load_extra_aliases``): a stem saying イベントブリッジ gives EventBridge away too."""
        self.glossary = glossary
        self.sim = as_similarity(similarity)
        self.near = float(getattr(self.sim, "near_duplicate", E5_NEAR_DUPLICATE))
        self.n_options = n_options
        self.terms = list(glossary.terms)
        self.extra_aliases = {k: tuple(v) for k, v in (extra_aliases or {}).items()}
        self.aliases = {t.name: merge_aliases(term_aliases(t), self.extra_aliases.get(t.name, ())) for t in self.terms}
        self.all_aliases = [a for t in self.terms for a in self.aliases[t.name]]
        self.services = [t for t in self.terms if is_service(t)]
        self.items: list[_Item] = []
        for term in self.terms:
            for section in term.sections:
                for entry in section.entries:
                    self.items.append(_Item(len(self.items), term, section, entry, section_kind(section.heading)))
        self.by_term = {t.name: [i for i in self.items if i.term.name == t.name] for t in self.terms}
        self._embed()
        labels = {i.label for i in self.items if i.label}
        self._run_df = Counter(r for lab in labels for r in shared_runs(lab, lab))
        self._rare_df = max(3, int(0.05 * len(labels)))  # a run in ≤ 5% of labels names something specific
        self._label_overlap: dict[tuple[int, int], bool] = {}
        self._same: dict[tuple[int, int], bool] = {}
        self._true: dict[tuple[int, str], bool] = {}
        self._pools: dict[tuple[str, str, int], list[_Item]] = {}
        self.bank: dict[str, Question] = {}
        self._cells: dict[tuple[str, str], list[str]] = {}
        self._keys: dict[str, frozenset[str]] = {}
        self._build_bank()

    # ----------------------------------------------------------------- similarity and vetting

    def _embed(self) -> None:
        """One batch for everything: 'label: text' per entry (what a statement option says),
        the description alone (項目→説明 compares descriptions, and 基本概念's shared labels like
        開発元 must not make different facts look alike), the intros and their sentences."""
        texts = ([i.display for i in self.items] + [i.entry.text for i in self.items]
                 + [t.intro or t.name for t in self.terms])
        sentences = {t.name: [e.text for e in t.intro_entries] for t in self.terms}
        texts += [x for t in self.terms for x in sentences[t.name]]
        vecs = self.sim.vectors(texts) if texts else np.zeros((0, 1), np.float32)
        n, c, k = len(self.items), len(self.items), len(self.terms)
        self.v_display, self.v_text = vecs[:n], vecs[n : n + c]
        self.v_intro = vecs[n + c : n + c + k]
        self.s_display = self.v_display @ self.v_display.T
        self.s_text = self.v_text @ self.v_text.T
        # Each intro sentence is a fact about its term too ('機械学習ワークフローの自動化やトリガーに…').
        v_sent, start = vecs[n + c + k :], 0
        self.v_sentences = {}
        for t in self.terms:
            self.v_sentences[t.name] = v_sent[start : start + len(sentences[t.name])]
            start += len(sentences[t.name])

    def _labels_overlap(self, a: _Item, b: _Item) -> bool:
        """Same label, one inside the other, a shared run of 4 characters (リアルタイム…), or a shared
        run of 3 that few labels have, on entries that also score close (テンソル可視化 /
        分布可視化 / 可視化ツール: Debugger's and TensorBoard's visualisations overlap, although no
        threshold on the embedding alone separates them from unrelated pairs)."""
        k = (min(a.idx, b.idx), max(a.idx, b.idx))
        if k not in self._label_overlap:
            found = labels_overlap(a.label, b.label)
            if not found:  # one's label inside the other's description: 特徴選択と次元削減
                found = any(len(label_key(x.label)) >= 4 and label_key(x.label) in label_key(y.entry.text) for x, y in ((a, b), (b, a)))
            if not found and self.s_display[a.idx, b.idx] >= self.near - _RARE_RUN_MARGIN:
                found = any(self._run_df[r] <= self._rare_df for r in shared_runs(a.label, b.label))
            self._label_overlap[k] = found
        return self._label_overlap[k]

    def same_fact(self, a: _Item, b: _Item) -> bool:
        """Would a learner be right to call ``a`` true wherever ``b`` is true?"""
        key = (min(a.idx, b.idx), max(a.idx, b.idx))
        found = self._same.get(key)
        if found is None:
            if compact_form(a.entry.text) == compact_form(b.entry.text):
                found = True
            elif a.kind == "concept" and b.kind == "concept":
                # 開発元/サービス種別 are shared labels with different facts: only the content counts.
                found = bool(self.s_text[a.idx, b.idx] >= self.near)
            else:
                found = self._labels_overlap(a, b) or bool(self.s_display[a.idx, b.idx] >= self.near)
            self._same[key] = found
        return found

    def true_of(self, cand: _Item, term: Term) -> bool:
        """The candidate is (nearly) stated under ``term``, or names it: unusable as a wrong answer
        about ``term``."""
        key = (cand.idx, term.name)
        if key not in self._true:
            intro = self.v_sentences[term.name]
            self._true[key] = (
                names_any(cand.display, self.aliases[term.name])
                or (is_operating_model(cand.label) and is_service(term))
                or any(self.same_fact(cand, mine) for mine in self.by_term[term.name])
                or bool(len(intro) and float(np.max(intro @ self.v_display[cand.idx])) >= self.near))
        return self._true[key]

    def true_of_section(self, cand: _Item, section: Section) -> bool:
        """For a sibling distractor: does it (nearly) say what one of ``section``'s entries says?"""
        return names_any(cand.display, self.aliases[section.term]) or any(
            self.same_fact(cand, mine) for mine in self.by_term[section.term] if mine.section is section)

    def _pick(self, pool: Sequence[_Item], anchors: Sequence[_Item], k: int, rng: random.Random,
              right_texts: Sequence[str], text_of=lambda i: i.display, mode: str = "display",
              picks_right: bool = False) -> list[_Item] | None:
        """The ``k`` most plausible candidates: similar to the right answer, similar in length, not
        saying the same thing as each other, spread over terms.

        Length: a learner who notices "the longest option is right" scores without knowing
        anything, and so does one who notices "the longest is never right". So a coin seeded by the
        question decides, with the chance a random option would have (right options / options),
        whether the right answer is the strictly longest; the candidates are then filtered to make
        it so when the pool allows. ``picks_right`` is for NOT questions, where the candidate picked
        is itself the right answer and ``right_texts`` are the true statements around it."""
        if len(pool) < k:
            return None
        mat = self.s_text if mode == "text" else self.s_display
        ref_len = max(len(t) for t in right_texts)
        sims = mat[np.ix_([c.idx for c in pool], [a.idx for a in anchors])].mean(axis=1)
        scored = []
        for sim, c in zip(sims.tolist(), pool):
            ratio = max(len(text_of(c)), 1) / max(ref_len, 1)
            scored.append((sim - 0.04 * abs(math.log(ratio)), c))
        scored.sort(key=lambda x: (-x[0], x[1].idx))
        ranked = [c for _, c in scored]

        def clash(c: _Item, others: Sequence[_Item]) -> bool:
            return any(self.same_fact(c, o) or compact_form(text_of(c)) == compact_form(text_of(o)) for o in others)

        def greedy(cands: Sequence[_Item]) -> list[_Item]:
            # Wrong options spread over several sources teach more than three from one place, so
            # each term › section gives at most half of them while others are available.
            cap = max(1, math.ceil(k / 2))
            chosen: list[_Item] = []
            for relaxed in (False, True):
                for c in cands:
                    if len(chosen) == k:
                        break
                    if c in chosen or clash(c, chosen):
                        continue
                    if not relaxed and sum(o.section is c.section for o in chosen) >= cap:
                        continue
                    chosen.append(c)
            return chosen

        n_opts = (k + len(right_texts)) if not picks_right else len(right_texts) + 1
        n_right = 1 if picks_right else len(right_texts)
        right_longest = rng.random() < n_right / n_opts
        top = ranked[: max(_TOP_CANDIDATES, 4 * k)]
        if picks_right:
            want = [c for c in top if (len(text_of(c)) > ref_len) == right_longest]
            chosen = greedy(want)
            return chosen if len(chosen) == k else (greedy(ranked) if len(greedy(ranked)) == k else None)
        if right_longest:
            chosen = greedy([c for c in top if len(text_of(c)) < ref_len])
            if len(chosen) == k:
                return chosen
        chosen = greedy(ranked)
        if len(chosen) < k:
            return None
        if not right_longest and all(len(text_of(c)) < ref_len for c in chosen):
            for cand in (c for c in top if len(text_of(c)) >= ref_len and c not in chosen):
                rest = chosen[:-1]
                if not clash(cand, rest):
                    return rest + [cand]
        return chosen

    def _other_pool(self, topic: Term, kinds: set[str] | None, text_of=lambda i: i.display) -> list[_Item]:
        return [
            c for c in self.items
            if c.term.name != topic.name and (kinds is None or c.kind in kinds) and not self.true_of(c, topic)
            and not names_any(text_of(c), self.aliases[topic.name])
        ]

    def _eligible(self, term: Term, section: Section) -> list[_Item]:
        """Entries usable as right answers about ``term``: an option that names its own topic would
        give the answer away, since wrong options never do."""
        return [i for i in self.by_term[term.name] if i.section is section and not names_any(i.display, self.aliases[term.name])]

    def _distractor_pool(self, topic: Term, section: Section, kind: str, need: int) -> list[_Item]:
        """Where wrong options about ``topic › section`` come from.

        A service or tool: the same kind of section of other terms (another service's use case
        is a plausible wrong use case); its own other sections are not offered, because a learner
        asked "Debugger の利点" would rightly call a Debugger feature "a Debugger thing".

        A concept (過学習): the sections are the knowledge - detection vs countermeasure vs
        symptom - so its own sections of another kind are the distractors (a countermeasure offered
        as a detection method is the classic trap), vetted against the asked section. Tool
        features are not used while enough siblings exist: 'スカラー可視化: 損失…の時系列プロット'
        is, after all, a way to detect overfitting."""
        key = (topic.name, section.heading, need)
        if key in self._pools:
            return self._pools[key]
        pool: list[_Item] = []
        if topic not in self.services:
            pool = [
                c for c in self.by_term[topic.name]
                if c.kind in _STATEMENT_KINDS and c.kind != kind and c.section is not section
                and not self.true_of_section(c, section)
            ]
        if len(pool) < need + 2:
            pool += self._other_pool(topic, {kind})
        if len(pool) < need + 2:  # too few comparable entries: widen to every statement section
            pool = [c for c in pool if c.term.name == topic.name] + self._other_pool(topic, _STATEMENT_KINDS)
        self._pools[key] = pool
        return pool

    # ----------------------------------------------------------------- options and explanations

    @staticmethod
    def _opt_item(item: _Item, correct: bool, why: str, text: str | None = None) -> Option:
        return Option(text if text is not None else item.display, correct, item.term.name, item.section.heading,
                      item.entry.file, item.entry.line, why, item.label)

    def _opt_term(self, term: Term, correct: bool, why: str) -> Option:
        return Option(term.name, correct, term.name, INTRO, term.file, term.line, why)

    def _term_summary(self, term: Term) -> str:
        first = term.intro_entries[0].text if term.intro_entries else ""
        where = f"{term.file}:{term.line}"
        return f"{term.name} は「{first}」（{term.name} › {INTRO}、{where}）" if first else f"{term.name}（{where}）"

    # ----------------------------------------------------------------- the six question types

    def _build_bank(self) -> None:
        for term in self.terms:
            for q in self._definition_term(term):
                self._add(q)
            for section in term.sections:
                kind = section_kind(section.heading)
                if kind == "concept":
                    continue
                for q in self._term_statement(term, section, kind):
                    self._add(q)
                for q in self._not_statement(term, section, kind):
                    self._add(q)
                for q in self._select_two(term, section, kind):
                    self._add(q)
                if term in self.services and kind in ("usecase", "integration"):
                    for q in self._scenario(term, section):
                        self._add(q)
            for section in term.sections:
                for q in self._label_description(term, section, section_kind(section.heading)):
                    self._add(q)

    def _add(self, q: Question | None) -> None:
        if q is None or q.id in self.bank:
            return
        self.bank[q.id] = q
        self._cells.setdefault((q.topic, q.type), []).append(q.id)
        self._keys[q.id] = frozenset(f"{s.term}›{s.section}›{s.label or s.text}" for s in (q.sources or (q.source,)))

    def _definition_term(self, term: Term) -> Iterable[Question]:
        names = self.aliases[term.name]
        sources: list[tuple[str, SourceRef, np.ndarray, _Item | None]] = []
        if term.intro:
            masked = mask(term.intro, names)
            stem = f"次の説明の{MASK}に当てはまる用語はどれですか？\n\n{masked}"
            ref = SourceRef(term.name, INTRO, term.intro, term.file, term.intro_line)
            sources.append((stem, ref, self.v_intro[self.terms.index(term)], None))
        for item in self.by_term[term.name]:
            if item.kind != "concept" or not item.label:
                continue
            if any(self.same_fact(item, other) for other in self.items if other.term.name != term.name):
                continue  # 開発元: AWS is true of three terms: it defines none of them
            stem = f"基本概念の「{item.label}」が「{mask(item.entry.text, names)}」である用語はどれですか？"
            sources.append((stem, item.ref(), self.v_display[item.idx], item))
        for stem, ref, vec, item in sources:
            if names_any(stem, names):
                continue
            candidates = []
            for other in self.terms:
                if other.name == term.name or names_any(stem, self.aliases[other.name]):
                    continue
                if item is not None and any(self.same_fact(item, o) for o in self.by_term[other.name]):
                    continue
                if item is None and float(self.v_intro[self.terms.index(other)] @ vec) >= self.near:
                    continue  # two intros that say the same: the definition would fit both
                own = [self.v_intro[self.terms.index(other)]] + [self.v_display[o.idx] for o in self.by_term[other.name] if o.kind == "concept"]
                candidates.append((float(np.max(np.vstack(own) @ vec)), other))
            candidates.sort(key=lambda x: -x[0])
            distractors = [t for _, t in candidates[: self.n_options - 1]]
            if len(distractors) < self.n_options - 1:
                continue
            qid = _qid("definition_term", [f"{term.name}›{ref.section}›{ref.label or 'intro'}"])
            options = [self._opt_term(term, True, f"正しい: {term.name}（{term.file}:{term.line}）。"
                                                  f"根拠は {ref.title}（{ref.where}）です。")]
            options += [self._opt_term(t, False, f"誤り: {self._term_summary(t)}。") for t in distractors]
            lead = f"{MASK}に入るのは" if MASK in stem else "正解は"
            expl = f"{lead}「{term.name}」です。\n根拠: {ref.title}（{ref.where}）\n「{ref.text}」"
            yield Question(qid, "definition_term", term.name, stem, tuple(options), expl, ref, 1, (ref,))

    def _term_statement(self, term: Term, section: Section, kind: str) -> Iterable[Question]:
        pool = self._distractor_pool(term, section, kind, self.n_options - 1)
        for item in self._eligible(term, section):
            qid = _qid("term_statement", [item.key])
            rng = _rng_for(qid)
            picked = self._pick(pool, [item], self.n_options - 1, rng, [item.display])
            if picked is None:
                continue
            stem = f"{term.name} の「{section.heading}」として正しいものはどれですか？"
            options = [self._opt_item(item, True, f"正しい: {item.title} に記載があります（{item.loc}）。")]
            options += [self._opt_item(c, False, f"誤り: これは {c.title} の説明です（{c.loc}）。") for c in picked]
            expl = (f"正解は「{item.display}」です。\n根拠: {item.where()}\n"
                    f"ほかの選択肢は {term.name} の「{section.heading}」の記述ではありません（出典は各選択肢の説明を参照）。")
            yield Question(qid, "term_statement", term.name, stem, tuple(options), expl, item.ref(), 1, (item.ref(),))

    def _not_statement(self, term: Term, section: Section, kind: str) -> Iterable[Question]:
        eligible = self._eligible(term, section)
        pool = self._distractor_pool(term, section, kind, 1)
        for start in range(0, len(eligible) - 2):
            trio = eligible[start : start + 3]
            qid = _qid("not_statement", [i.key for i in trio])
            rng = _rng_for(qid)
            picked = self._pick(pool, trio, 1, rng, [i.display for i in trio], picks_right=True)
            if picked is None:
                continue
            odd = picked[0]
            stem = f"{term.name} の「{section.heading}」に当てはまらないものはどれですか？"
            options = [self._opt_item(odd, True, f"正解: これは {odd.title} の説明で、{term.name} の「{section.heading}」にはありません（{odd.loc}）。")]
            options += [self._opt_item(i, False, f"当てはまる: {i.title} に記載があります（{i.loc}）。") for i in trio]
            expl = (f"当てはまらないのは「{odd.display}」です。これは {odd.where()} の記述です。\n"
                    f"残りの3つは {term.name} › {section.heading}（{section.file}:{section.line}〜）に記載されています。")
            refs = tuple(i.ref() for i in trio)
            yield Question(qid, "not_statement", term.name, stem, tuple(options), expl, odd.ref(), 1, refs)

    def _select_two(self, term: Term, section: Section, kind: str) -> Iterable[Question]:
        eligible = self._eligible(term, section)
        k = N_OPTIONS_SELECT_TWO - 2
        pool = self._distractor_pool(term, section, kind, k)
        for start in range(0, len(eligible) - 1):
            pair = eligible[start : start + 2]
            if self.same_fact(pair[0], pair[1]):
                continue
            qid = _qid("select_two", [i.key for i in pair])
            rng = _rng_for(qid)
            picked = self._pick(pool, pair, k, rng, [i.display for i in pair])
            if picked is None:
                continue
            stem = f"{term.name} の「{section.heading}」として正しいものはどれですか？（2つ選択してください）"
            options = [self._opt_item(i, True, f"正しい: {i.title} に記載があります（{i.loc}）。") for i in pair]
            options += [self._opt_item(c, False, f"誤り: これは {c.title} の説明です（{c.loc}）。") for c in picked]
            expl = ("正解は次の2つです。\n" + "\n".join(f"・「{i.display}」— {i.where()}" for i in pair)
                    + "\n両方選んだときだけ正解になります。")
            refs = tuple(i.ref() for i in pair)
            yield Question(qid, "select_two", term.name, stem, tuple(options), expl, refs[0], 2, refs)

    def _scenario(self, term: Term, section: Section) -> Iterable[Question]:
        for item in self.by_term[term.name]:
            if item.section is not section:
                continue
            if names_any(item.display, self.aliases[term.name]):
                continue  # 'TensorBoardのログをS3に保存' answers itself
            stem = (f"あるチームは、{item.entry.text}を実現したいと考えています（{item.label}）。"
                    "どのサービスまたはツールを使うべきですか？") if item.label else (
                    f"あるチームは、{item.entry.text}を実現したいと考えています。どのサービスまたはツールを使うべきですか？")
            if names_any(stem, self.aliases[term.name]):
                continue
            vec = self.v_display[item.idx]
            ranked_terms = []
            for other in self.services:
                if other.name == term.name or names_any(stem, self.aliases[other.name]):
                    continue
                if any(self.same_fact(item, o) for o in self.by_term[other.name]):
                    continue  # the other service does this too: it would be a second right answer
                own = [self.v_display[o.idx] for o in self.by_term[other.name]]
                ranked_terms.append((float(np.max(np.vstack(own) @ vec)), other))
            ranked_terms.sort(key=lambda x: -x[0])
            options = [self._opt_term(term, True, f"正しい: {item.title} に「{item.display}」とあります（{item.loc}）。"
                                            f"{term.name} の見出しは {term.file}:{term.line} です。")]
            for _, other in ranked_terms[: self.n_options - 1]:
                options.append(self._opt_term(other, False, f"誤り: {self._term_summary(other)}。この要件は {term.name} の記述です。"))
            if len(options) < self.n_options:
                # Fill with services the glossary mentions (Clarify, Step Functions…), vetted the same way.
                extras = []
                taken = {compact_form(o.text) for o in options}
                for c in self.items:
                    if not is_service_label(c.label) or names_any(c.label, self.all_aliases) or compact_form(c.label) in taken:
                        continue
                    if self.same_fact(item, c) or names_any(stem, [c.label]):
                        continue
                    extras.append((float(self.s_display[item.idx, c.idx]), c))
                extras.sort(key=lambda x: (-x[0], x[1].idx))
                for _, c in extras:
                    if len(options) == self.n_options:
                        break
                    if compact_form(c.label) in taken:
                        continue
                    taken.add(compact_form(c.label))
                    options.append(self._opt_item(c, False, f"誤り: {c.label} は「{c.entry.text}」のためのもので、この要件には当たりません（{c.title}、{c.loc}）。", text=c.label))
            if len(options) < self.n_options:
                continue
            qid = _qid("scenario_service", [item.key])
            expl = f"正解は「{term.name}」です。\n根拠: {item.where()}\n「{item.display}」"
            yield Question(qid, "scenario_service", term.name, stem, tuple(options), expl, item.ref(), 1, (item.ref(),))

    def _label_description(self, term: Term, section: Section, kind: str) -> Iterable[Question]:
        for item in self.by_term[term.name]:
            if item.section is not section or not item.label:
                continue
            text = item.entry.text
            if names_any(text, self.aliases[term.name]):
                continue
            if len(compact_form(item.label)) >= 3 and compact_form(item.label) in compact_form(text):
                continue  # the description repeats its label: the stem would give it away
            # A label that is itself a term ('Amazon SageMaker Pipelines' under ターゲットタイプ): that
            # term's own entries describe it truly and must not be offered as wrong descriptions.
            named = {t.name for t in self.terms if names_any(item.label, self.aliases[t.name])}
            kinds = {kind} if kind == "concept" else _STATEMENT_KINDS
            pool = [
                c for c in self.items
                if c.idx != item.idx and c.label and (c.kind == kind or (c.kind in kinds and c.term.name != term.name))
                and compact_form(c.entry.text) != compact_form(text) and self.s_text[c.idx, item.idx] < self.near
                and not self._labels_overlap(c, item)
                and not names_any(c.entry.text, self.aliases[term.name]) and c.term.name not in named
            ]
            qid = _qid("label_description", [item.key])
            rng = _rng_for(qid)
            picked = self._pick(pool, [item], self.n_options - 1, rng, [text], text_of=lambda i: i.entry.text, mode="text")
            if picked is None:
                continue
            stem = f"{term.name} の「{item.label}」の説明として正しいものはどれですか？"
            if compact_form(text) in compact_form(stem):
                continue
            options = [self._opt_item(item, True, f"正しい: {item.title} の「{item.label}」の説明です（{item.loc}）。", text=text)]
            options += [self._opt_item(c, False, f"誤り: これは {c.title} の「{c.label}」の説明です（{c.loc}）。", text=c.entry.text) for c in picked]
            expl = f"「{item.label}」は「{text}」です。\n根拠: {item.where()}"
            yield Question(qid, "label_description", term.name, stem, tuple(options), expl, item.ref(), 1, (item.ref(),))

    # ----------------------------------------------------------------- quizzes

    def resolve_topics(self, topics: Iterable[str] | None) -> list[str]:
        return resolve_topics(self.glossary, topics, self.extra_aliases)

    @staticmethod
    def resolve_types(types: Iterable[str] | None) -> list[str]:
        return resolve_types(types)

    def count(self, topics: Iterable[str] | None = None, types: Iterable[str] | None = None) -> int:
        topics, types = self.resolve_topics(topics), self.resolve_types(types)
        return sum(len(self._cells.get((t, y), ())) for t in topics for y in types)

    def yield_per_type(self) -> dict[str, int]:
        """How many distinct questions the glossary supports, per type."""
        return {t: sum(len(v) for (_, y), v in self._cells.items() if y == t) for t in QUESTION_TYPES}

    def shuffled(self, q: Question, seed: object) -> Question:
        """The same question with its options in the order of this quiz's seed."""
        options = list(q.options)
        _rng_for("order", seed, q.id).shuffle(options)
        return replace(q, options=tuple(options))

    def build(self, n: int, topics: Iterable[str] | None = None, types: Iterable[str] | None = None,
              seed: int | str | None = None, *, allow_fewer: bool = False) -> list[Question]:
        """Round-robin over topics × types (diagonally, so the first |topics| questions cover every
        topic and a run of consecutive questions covers the types too), each cell drawing at random
        from its share of the bank and preferring questions whose facts this quiz has not used yet.

        ``n`` larger than what the filters allow raises NotEnoughQuestions (with the count), unless
        ``allow_fewer``: a silent short quiz would look like a bug to the learner."""
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise QuizError(f"the number of questions must be a positive integer, got {n!r}")
        topic_list, type_list = self.resolve_topics(topics), self.resolve_types(types)
        available = sum(len(self._cells.get((t, y), ())) for t in topic_list for y in type_list)
        if available == 0:
            raise NotEnoughQuestions("no questions match these topics and types", 0)
        if n > available and not allow_fewer:
            raise NotEnoughQuestions(
                f"only {available} questions are available for these topics and types; ask for at most {available}",
                available)
        seed = secrets.randbelow(2**31) if seed is None else seed
        rng = _rng_for("quiz", seed)
        rng.shuffle(topic_list)
        rng.shuffle(type_list)
        pools = {}
        for t in topic_list:
            for y in type_list:
                ids = sorted(self._cells.get((t, y), ()))
                rng.shuffle(ids)
                pools[(t, y)] = ids
        picks: list[str] = []
        used: set[str] = set()
        target = min(n, available)
        while len(picks) < target:
            for d in range(len(type_list)):
                for ti, topic in enumerate(topic_list):
                    if len(picks) >= target:
                        break
                    pool = pools[(topic, type_list[(ti + d) % len(type_list)])]
                    if not pool:
                        continue
                    j = next((i for i, qid in enumerate(pool) if not (self._keys[qid] & used)), 0)
                    qid = pool.pop(j)
                    picks.append(qid)
                    used |= self._keys[qid]
        return [self.shuffled(self.bank[qid], seed) for qid in picks]

    def questions(self, ids: Iterable[str], seed: object = 0) -> list[Question]:
        """The bank's questions for these ids, in order; ids the glossary no longer yields are skipped."""
        return [self.shuffled(self.bank[i], seed) for i in ids if i in self.bank]


# ---------------------------------------------------------------------------------- requests

def merge_aliases(own: Iterable[str], extra: Iterable[str]) -> tuple[str, ...]:
    """Own and extra names, deduplicated after normalising, longest first (the order masking
    needs); names under 3 characters are dropped, they would match inside unrelated words."""
    seen, out = set(), []
    for name in [*own, *extra]:
        key = compact_form(str(name))
        if len(key) >= 3 and key not in seen:
            seen.add(key)
            out.append(str(name))
    return tuple(sorted(out, key=len, reverse=True))


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
    extra = None
    if isinstance(resources_or_glossary, Glossary):
        glossary = resources_or_glossary
        if similarity is None:
            raise TypeError("build_quiz(glossary, ...) needs similarity= (e.g. resources.embed_passages)")
    else:
        glossary = resources_or_glossary.glossary
        similarity = similarity or resources_or_glossary
        config = getattr(resources_or_glossary, "config", None)
        if config is not None:
            extra = load_extra_aliases(config.aliases_file, glossary)
    for g, s, gen in _CACHE:
        if s is similarity and g == glossary:
            return gen
    gen = QuizGenerator(glossary, similarity, extra_aliases=extra)
    _CACHE.append((glossary, similarity, gen))
    del _CACHE[:-4]
    return gen


def build_quiz(resources_or_glossary, n: int, topics: Sequence[str] | None = None, types: Sequence[str] | None = None,
               seed: int | str | None = None, *, similarity=None, allow_fewer: bool = False) -> list[Question]:
    """A quiz from ``Resources`` (its glossary and cached embeddings) or from a Glossary plus a
    ``similarity`` provider. Raises QuizError for a request that cannot be served."""
    return generator_for(resources_or_glossary, similarity).build(n, topics, types, seed, allow_fewer=allow_fewer)


__all__ = ["QuizGenerator", "build_quiz", "generator_for", "is_service", "resolve_topics", "resolve_types", "load_extra_aliases", "QUESTION_TYPES", "NAME_OPTION_TYPES",
           "Question", "Option", "SourceRef", "QuizError", "NotEnoughQuestions"]
