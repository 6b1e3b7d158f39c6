"""A learner's own data, written out: JSON (everything, question snapshots included) or CSV (one
row per answer, for a spreadsheet). Which one is chosen by the file's extension."""
from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from . import schema as s
from .errors import HistoryError

CSV_COLUMNS = ("attempt_id", "mode", "seed", "started_at", "finished_at", "position", "question_id", "type", "topic",
               "stem", "chosen", "correct", "is_correct", "answered", "answered_at")


def export_data(history) -> dict:
    a, t, c, m = s.answers.c, s.attempts.c, s.cards.c, s.mock_exams.c
    with history.db.begin() as conn:
        lid = history._learner_id(conn)
        attempts = [dict(r._mapping) for r in conn.execute(
            select(t.id, t.started_at, t.finished_at, t.mode, t.seed, t.n_questions, t.n_right)
            .where(t.learner_id == lid).order_by(t.id))]
        answers = conn.execute(select(s.answers).where(a.learner_id == lid).order_by(a.attempt_id, a.position)).all()
        cards = [dict(r._mapping) for r in conn.execute(
            select(c.question_id, c.topic, c.type, c.due, c.reviews, c.lapses, c.last_correct, c.updated_at)
            .where(c.learner_id == lid).order_by(c.question_id))]
        exams = [dict(r._mapping) for r in conn.execute(
            select(m.id, m.title, m.question_ids, m.answers, m.started_at, m.minutes, m.deadline, m.finished_at, m.score)
            .where(m.learner_id == lid).order_by(m.id))]
    by_attempt: dict[int, list] = {}
    for r in answers:
        r = r._mapping
        by_attempt.setdefault(r["attempt_id"], []).append({
            "position": r["position"], "question_id": r["question_id"], "type": r["type"], "topic": r["topic"],
            "chosen": json.loads(r["chosen"]), "correct": json.loads(r["correct"]), "is_correct": bool(r["is_correct"]),
            "answered": bool(r["answered"]), "answered_at": r["answered_at"], "question": json.loads(r["question"])})
    for at in attempts:
        at["answers"] = by_attempt.get(at["id"], [])
    for e in exams:
        for key in ("question_ids", "answers", "score"):
            e[key] = json.loads(e[key]) if e[key] else None
    return {"user": history.learner, "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "attempts": attempts, "review_cards": cards, "mock_exams": exams}


def to_csv(data: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for at in data["attempts"]:
        for an in at["answers"]:
            w.writerow([at["id"], at["mode"], at["seed"] or "", at["started_at"], at["finished_at"], an["position"],
                        an["question_id"], an["type"], an["topic"], an["question"]["stem"],
                        " ".join(str(i + 1) for i in an["chosen"]), " ".join(str(i + 1) for i in an["correct"]),
                        int(an["is_correct"]), int(an["answered"]), an["answered_at"]])
    return buf.getvalue()


def export_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".json"):
        raise HistoryError(f"export to a .csv or .json file (got '{Path(path).name}')")
    return suffix[1:]


def render(data: dict, fmt: str) -> str:
    return to_csv(data) if fmt == "csv" else json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def write_export(history, path: str | Path) -> int:
    """Write the learner's history to ``path`` (atomically); returns the number of answers."""
    fmt = export_format(path)
    data = export_data(history)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(render(data, fmt), encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise HistoryError(f"cannot write the export {path}: {e}") from None
    return sum(len(a["answers"]) for a in data["attempts"])
