"""The history's tables, written once with SQLAlchemy Core so SQLite and PostgreSQL get the same
schema. Times are ISO-8601 UTC strings ("...Z"): they sort as text on both databases and read the
same in an export.

Every row belongs to one learner. ``attempts.client_key`` is made by the writer before the first
answer is saved, so saving the same answers again (a retry, a flush of the side file after a
crash) can never store an attempt twice.
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, Table, Text

SCHEMA_VERSION = 2  # 1 was the single-learner SQLite file with a ``meta`` table

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", Text, nullable=False),
)

learners = Table(
    "learners", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("created_at", Text, nullable=False),
    sqlite_autoincrement=True,
)

attempts = Table(
    "attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False, index=True),
    Column("client_key", Text, unique=True),
    Column("started_at", Text, nullable=False),
    Column("finished_at", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("seed", Text),
    Column("n_questions", Integer, nullable=False),
    Column("n_right", Integer, nullable=False),
    sqlite_autoincrement=True,
)

answers = Table(
    "answers", metadata,
    Column("attempt_id", Integer, ForeignKey("attempts.id"), primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
    Column("question_id", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("chosen", Text, nullable=False),
    Column("correct", Text, nullable=False),
    Column("is_correct", Integer, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("answered_at", Text, nullable=False),
    Column("question", Text, nullable=False),  # the question as the learner saw it (JSON)
    Index("answers_learner_question", "learner_id", "question_id"),
    Index("answers_learner_topic", "learner_id", "topic"),
)

cards = Table(
    "cards", metadata,
    Column("learner_id", Integer, ForeignKey("learners.id"), primary_key=True, autoincrement=False),
    Column("question_id", Text, primary_key=True),
    Column("topic", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("card", Text, nullable=False),  # fsrs Card.to_dict() JSON
    Column("due", Text, nullable=False),
    Column("reviews", Integer, nullable=False),
    Column("lapses", Integer, nullable=False),
    Column("last_correct", Integer, nullable=False),
    Column("updated_at", Text, nullable=False),
)

mock_exams = Table(
    "mock_exams", metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("question_ids", Text, nullable=False),  # JSON list, in the order they are shown
    Column("answers", Text, nullable=False),  # JSON {question_id: [option indices]}
    Column("started_at", Text, nullable=False),
    Column("minutes", Integer),  # None: untimed
    Column("deadline", Text),
    Column("finished_at", Text),
    Column("score", Text),  # JSON, whatever the exam page computes
    sqlite_autoincrement=True,
)

LEARNER_TABLES = (answers, cards, mock_exams, attempts)  # delete order (children first)
