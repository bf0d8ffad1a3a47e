"""Questionnaire content: file format, loader with line-numbered problems, model and registry.

Pure Python: no Flask, no ORM. The web layer loads a :class:`Registry` once at start-up
with :func:`load_directory` and reads the immutable model from it.
"""

from __future__ import annotations

from .added_rules import NotBefore, add_not_before
from .loader import check_file, check_text, content_hash, load_file
from .messages import MESSAGE_KEYS, MessageKey, default_message
from .model import (
    AUDIENCES,
    FILE_TYPES,
    OPERATORS,
    QUESTION_TYPES,
    Audience,
    Condition,
    Licence,
    Operator,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Scale,
    is_answered,
)
from .problems import Problem, QuestionnaireError
from .registry import Registry, load_directory, validate_directory
from .shape import schema

__all__ = [
    "AUDIENCES",
    "FILE_TYPES",
    "MESSAGE_KEYS",
    "OPERATORS",
    "QUESTION_TYPES",
    "Audience",
    "Condition",
    "Licence",
    "MessageKey",
    "NotBefore",
    "Operator",
    "Option",
    "Page",
    "Problem",
    "Question",
    "QuestionType",
    "Questionnaire",
    "QuestionnaireError",
    "Registry",
    "Scale",
    "add_not_before",
    "check_file",
    "check_text",
    "content_hash",
    "default_message",
    "is_answered",
    "load_directory",
    "load_file",
    "schema",
    "validate_directory",
]
