"""Immutable questionnaire model: what the loader builds and the other layers read.

Answers passed to conditions are typed values: ``int`` for scale questions,
``int``/``float`` for number, ``bool`` for yes_no, ``str`` for single_choice, short and
long text and ISO dates, and a list/tuple/set of ``str`` for multiple_choice.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal, TypeAlias, TypeGuard

from .messages import MessageKey, default_message

QuestionType = Literal[
    "scale",
    "single_choice",
    "multiple_choice",
    "number",
    "short_text",
    "long_text",
    "date",
    "yes_no",
    "file",
]
QUESTION_TYPES: Final[tuple[QuestionType, ...]] = (
    "scale",
    "single_choice",
    "multiple_choice",
    "number",
    "short_text",
    "long_text",
    "date",
    "yes_no",
    "file",
)
Audience = Literal["workforce", "supplier", "community"]
AUDIENCES: Final[tuple[Audience, ...]] = ("workforce", "supplier", "community")
Operator = Literal["equals", "any_of", "at_least", "at_most", "answered"]
OPERATORS: Final[tuple[Operator, ...]] = ("equals", "any_of", "at_least", "at_most", "answered")
#: File types an evidence upload may allow (a question's ``accept`` is a subset).
FILE_TYPES: Final[tuple[str, ...]] = ("pdf", "docx", "xlsx", "csv", "txt", "png", "jpeg")
DEFAULT_MAX_LENGTH: Final[Mapping[str, int]] = MappingProxyType(
    {"short_text": 200, "long_text": 2000}
)
MAX_MAX_LENGTH: Final[Mapping[str, int]] = MappingProxyType({"short_text": 500, "long_text": 10000})
DEFAULT_MAX_FILES: Final = 10

Scalar: TypeAlias = str | int | float | bool
OptionValue: TypeAlias = str | int


def _no_meta() -> Mapping[str, Scalar]:
    return MappingProxyType({})


def _no_messages() -> Mapping[str, str]:
    return MappingProxyType({})


def _no_scales() -> Mapping[str, Scale]:
    return MappingProxyType({})


def is_answered(value: object) -> bool:
    """Whether an answer counts as given: not None, not blank text, not an empty selection."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) > 0
    return True


def _is_number(value: object) -> TypeGuard[int | float]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def same_value(answer: object, expected: object) -> bool:
    """Equality that never treats true/false as 1/0."""
    # True == 1 in Python; a yes_no answer must never match a scale value or vice versa.
    if isinstance(answer, bool) or isinstance(expected, bool):
        return isinstance(answer, bool) and isinstance(expected, bool) and answer is expected
    return answer == expected


def as_date(value: object) -> dt.date | None:
    """A date answer as a date (given as a date or ISO text); None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _matches(answer: object, expected: object) -> bool:
    if isinstance(answer, list | tuple | set | frozenset):
        return any(same_value(item, expected) for item in answer)
    return same_value(answer, expected)


@dataclass(frozen=True)
class Option:
    """One answer option: the stored value, the label shown, and an optional hint."""

    value: OptionValue
    label: str
    hint: str | None = None


@dataclass(frozen=True, kw_only=True)
class Scale:
    """A reusable answer scale with integer option values."""

    id: str
    options: tuple[Option, ...]
    min_label: str | None = None
    max_label: str | None = None

    @property
    def values(self) -> tuple[OptionValue, ...]:
        return tuple(option.value for option in self.options)


@dataclass(frozen=True)
class Condition:
    """``show_if``: shows a page or question depending on an earlier answer.

    ``multiple_choice`` answers match ``equals`` when the value is among those selected,
    and ``any_of`` when any selected value is in the list.
    """

    question: str
    operator: Operator
    value: Scalar | tuple[Scalar, ...]

    def holds(self, answers: Mapping[str, object]) -> bool:
        """Whether the condition is met; a missing answer fails all but ``answered: false``."""
        answer = answers.get(self.question)
        answered = is_answered(answer)
        if self.operator == "answered":
            return answered is self.value
        if not answered:
            return False
        if self.operator == "equals":
            return _matches(answer, self.value)
        if self.operator == "any_of":
            choices = self.value if isinstance(self.value, tuple) else (self.value,)
            return any(_matches(answer, choice) for choice in choices)
        limit = self.value
        if not _is_number(answer) or not _is_number(limit):
            return False
        return answer >= limit if self.operator == "at_least" else answer <= limit


@dataclass(frozen=True, kw_only=True)
class Question:
    """One question; ``options`` are resolved from the scale or given inline."""

    id: str
    type: QuestionType
    text: str
    page_id: str
    hint: str | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    scale: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    integer: bool = True
    max_length: int | None = None
    accept: tuple[str, ...] = ()
    max_files: int | None = None
    #: a date question's answer must be on or after the answer to this date question
    #: (earlier on the same page); ``messages.too_early`` says so when it is not
    not_before: str | None = None
    messages: Mapping[str, str] = field(default_factory=_no_messages, hash=False)
    show_if: Condition | None = None
    meta: Mapping[str, Scalar] = field(default_factory=_no_meta, hash=False)

    def message(self, key: MessageKey) -> str:
        """The validation message for ``key``: the file's own wording or the default."""
        given = self.messages.get(key)
        if given is not None:
            return given
        return default_message(
            key,
            type=self.type,
            text=self.text,
            min=self.min,
            max=self.max,
            integer=self.integer,
            max_length=self.max_length,
            accept=self.accept,
        )

    def too_early(self, answers: Mapping[str, object]) -> bool:
        """Whether this date is before the ``not_before`` date in ``answers``.

        False when there is no such rule or either answer is missing or not a date: those
        answers have their own message (required or invalid), never a second one.
        """
        if self.not_before is None:
            return False
        answer, earliest = as_date(answers.get(self.id)), as_date(answers.get(self.not_before))
        return answer is not None and earliest is not None and answer < earliest

    def option(self, value: OptionValue) -> Option:
        """The option with this stored value (KeyError if there is none)."""
        for option in self.options:
            if same_value(option.value, value):
                return option
        raise KeyError(f"question {self.id!r} has no option {value!r}")

    @property
    def option_values(self) -> tuple[OptionValue, ...]:
        return tuple(option.value for option in self.options)


@dataclass(frozen=True, kw_only=True)
class Page:
    """A page of questions shown together, optionally only when a condition holds."""

    id: str
    title: str
    questions: tuple[Question, ...]
    intro: str | None = None
    show_if: Condition | None = None
    meta: Mapping[str, Scalar] = field(default_factory=_no_meta, hash=False)


@dataclass(frozen=True, kw_only=True)
class Licence:
    """Who owns the instrument and the notice that must be shown with it."""

    owner: str
    notice: str
    registration_required: bool = False
    url: str | None = None


@dataclass(frozen=True, kw_only=True)
class Questionnaire:
    """One version of a questionnaire, validated and ready to show, score and export."""

    id: str
    version: int
    title: str
    audience: tuple[Audience, ...]
    scorer: str
    pages: tuple[Page, ...]
    content_hash: str
    description: str | None = None
    licence: Licence | None = None
    scales: Mapping[str, Scale] = field(default_factory=_no_scales, hash=False)
    path: Path | None = field(default=None, compare=False)
    _by_id: Mapping[str, Question] = field(init=False, repr=False, compare=False, hash=False)
    _page_index: Mapping[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        questions = {q.id: q for page in self.pages for q in page.questions}
        pages = {page.id: index for index, page in enumerate(self.pages)}
        object.__setattr__(self, "_by_id", MappingProxyType(questions))
        object.__setattr__(self, "_page_index", MappingProxyType(pages))

    @property
    def key(self) -> tuple[str, int]:
        """``(id, version)``, the identity a collection pins."""
        return (self.id, self.version)

    @property
    def registration_required(self) -> bool:
        """Whether an organisation must record a licence reference before collecting."""
        return self.licence is not None and self.licence.registration_required

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if there is none)."""
        return self._by_id[question_id]

    def questions(self) -> tuple[Question, ...]:
        """All questions in the order they appear."""
        return tuple(self._by_id.values())

    def page(self, page_id: str) -> Page:
        """The page with this id (KeyError if there is none)."""
        return self.pages[self._page_index[page_id]]

    def page_index(self, page_id: str) -> int:
        """0-based position of the page (KeyError if there is none)."""
        return self._page_index[page_id]

    def page_of(self, question_id: str) -> Page:
        """The page holding this question (KeyError if there is none)."""
        return self.page(self.question(question_id).page_id)

    def visible_pages(self, answers: Mapping[str, object]) -> tuple[Page, ...]:
        """Pages whose condition holds, in order."""
        return self._walk(answers)[0]

    def visible_questions(self, answers: Mapping[str, object]) -> tuple[Question, ...]:
        """Questions on visible pages whose own condition holds, in order."""
        return self._walk(answers)[1]

    def visible_answers(self, answers: Mapping[str, object]) -> dict[str, object]:
        """Only the answers to visible questions (drop these others before submitting)."""
        return {q.id: answers[q.id] for q in self.visible_questions(answers) if q.id in answers}

    def _walk(self, answers: Mapping[str, object]) -> tuple[tuple[Page, ...], tuple[Question, ...]]:
        # Conditions only look at earlier pages, so one pass in order suffices; an answer
        # left over on a page that is now hidden must not switch later pages on.
        seen: dict[str, object] = {}
        pages: list[Page] = []
        questions: list[Question] = []
        for page in self.pages:
            if page.show_if is not None and not page.show_if.holds(seen):
                continue
            pages.append(page)
            for question in page.questions:
                if question.show_if is None or question.show_if.holds(seen):
                    questions.append(question)
                    if question.id in answers:
                        seen[question.id] = answers[question.id]
        return tuple(pages), tuple(questions)
