"""Exam-style quizzes generated from the glossary, scored, and scheduled for review with FSRS.

The app's entry points: ``quiz.generate.build_quiz`` / ``QuizGenerator``, ``quiz.scoring.score``,
``quiz.history.History``; ``python -m quiz`` for the terminal and ``python -m quiz.validate`` to
check generated questions against the glossary.
"""
from .model import QUESTION_TYPES, NotEnoughQuestions, Option, Question, QuizError, SourceRef

__all__ = ["QUESTION_TYPES", "NotEnoughQuestions", "Option", "Question", "QuizError", "SourceRef"]
