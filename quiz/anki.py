"""Anki export (``python -m quiz --anki FILE [--missed]``): the question bank, or the questions a
learner missed, as an .apkg deck, so learners can keep reviewing in the tool they already use.

Each note's guid comes from the question id, so exporting again after a glossary edit updates the
notes a learner already has instead of duplicating them; the card's back carries the answer, the
explanation and why each wrong option is wrong, with their glossary / capabilities.yaml sources.
"""
from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path
from typing import Iterable

import genanki

from .model import Question

_CSS = ".card { font-family: sans-serif; font-size: 18px; text-align: left; } .why { font-size: 15px; color: #444; }"


def _stable_id(text: str) -> int:
    """Anki wants 31-bit-ish integer ids; derived from a name so every export uses the same ones."""
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:4], "big") >> 1


MODEL = genanki.Model(
    _stable_id("aws-ml-glossary-quiz-model-v1"),
    "AWS ML 用語集クイズ",
    fields=[{"name": "Id"}, {"name": "Type"}, {"name": "Topic"}, {"name": "Question"}, {"name": "Answer"}, {"name": "Explanation"}],
    templates=[{
        "name": "Card 1",
        "qfmt": "<div class=type>{{Type}}</div>{{Question}}",
        "afmt": "{{FrontSide}}<hr id=answer><b>{{Answer}}</b><div class=why>{{Explanation}}</div>",
    }],
    css=_CSS,
)


def _html(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def note_for(q: Question) -> genanki.Note:
    letters = "ABCDE"
    front = _html(q.stem) + "<ol type=A>" + "".join(f"<li>{_html(o.text)}</li>" for o in q.options) + "</ol>"
    if q.n_correct > 1:
        front += f"<i>{q.n_correct}つ選択</i>"
    answer = "正解: " + "、".join(f"{letters[i]}. {_html(o.text)}" for i, o in enumerate(q.options) if o.correct)
    why = _html(q.explanation) + "<ul>" + "".join(
        f"<li>{letters[i]}. {_html(o.why)}</li>" for i, o in enumerate(q.options)) + "</ul>"
    return genanki.Note(model=MODEL, fields=[_html(q.id), _html(q.type_name), _html(q.topic), front, answer, why],
                        guid=genanki.guid_for(q.id), tags=[q.type, "".join(q.topic.split())])


def export_anki(questions: Iterable[Question], path: str | Path, deck_name: str) -> int:
    """Write ``questions`` to ``path`` as one deck; returns how many notes were written."""
    deck = genanki.Deck(_stable_id(deck_name), deck_name)
    n = 0
    for q in questions:
        deck.add_note(note_for(q))
        n += 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(deck).write_to_file(str(path))
    return n
