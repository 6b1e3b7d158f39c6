"""Each learner's quiz history - attempts, answers, FSRS review cards, mock exams - in SQLite (the
default, one file) or PostgreSQL (shared deployments), named by one URL.

    db = Database("postgresql://study@db/study")      # or a SQLite path / sqlite:/// URL
    History(db, learner="hana").save_result(result)   # kept in a side file if the DB is down
"""
from .database import Database, check_name, history_url
from .errors import (ExamError, HistoryCorruptError, HistoryError, HistoryLockedError, HistoryUnavailableError,
                     LearnerNameError)
from .export import export_data, export_format, render, write_export
from .migrations import DEFAULT_LEARNER
from .records import (AccuracyPoint, AnswerRecord, AttemptAccuracy, AttemptInfo, MissedQuestion, MockExam, ReviewItem, SaveOutcome,
                      TopicStat)
from .schema import SCHEMA_VERSION
from .store import History

__all__ = [
    "AccuracyPoint", "AnswerRecord", "AttemptAccuracy", "AttemptInfo", "DEFAULT_LEARNER", "Database", "ExamError", "History",
    "HistoryCorruptError", "HistoryError", "HistoryLockedError", "HistoryUnavailableError", "LearnerNameError",
    "MissedQuestion", "MockExam", "ReviewItem", "SCHEMA_VERSION", "SaveOutcome", "TopicStat", "check_name",
    "export_data", "export_format", "history_url", "render", "write_export",
]
