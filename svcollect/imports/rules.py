"""The web form's answer rules, applied to a spreadsheet column at a time.

Each question type has a rule (a registry, as in ``svcollect.forms.answer_types``) that
turns one cell's text into the stored form of notes/CONTRACTS.md, ``(value_text,
value_number)``, or a problem. Rules run once per distinct value in a column; free text
is checked with pandas string methods over the whole column. The web form's own rules
live in ``svcollect.forms.answer_types``; tests/unit/imports/test_rules.py holds the two
to the same answers for the same input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.questionnaires import Question
from svcollect.questionnaires.messages import FIRST_YEAR, LAST_YEAR

from .cells import not_none
from .problems import shown

ObjectArray = npt.NDArray[np.object_]
#: (value_text, value_number, problem) for one distinct cell text; all None means blank
Verdict = tuple[str | None, float | None, str | None]

# As the web form: tab, newline and carriage return are ordinary in text; other control
# characters (Cc), surrogates (Cs) and private-use characters (Co) are refused.
CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd]"
)
CONTROL_MESSAGE = "Remove the special characters (such as control codes) from this cell"
#: no count or amount a respondent gives is this large; beyond it floats lose whole numbers
LARGEST_NUMBER = Decimal("1e15")
#: a number as people write it (separators already dropped): no exponents ("1e3"), no
#: "NaN" or "Infinity", which Decimal and float would both read
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
YES = frozenset({"yes", "true", "1"})
NO = frozenset({"no", "false", "0"})
MULTIPLE_SEPARATOR = ";"
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_LISTED = 12


@dataclass(frozen=True)
class Checked:
    """One question's column after its rule, cell by cell."""

    text: ObjectArray  #: value_text to store, None when there is nothing to store
    number: npt.NDArray[np.float64]  #: value_number to store, NaN when none
    problem: ObjectArray  #: what is wrong with the cell, None when nothing is
    answered: npt.NDArray[np.bool_] = field(init=False)
    invalid: npt.NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "answered", not_none(self.text))
        object.__setattr__(self, "invalid", not_none(self.problem))


def listed(values: list[str]) -> str:
    """Allowed values as a person reads them: "1, 2, 3, 4 or 5"."""
    if len(values) > _LISTED:
        return ", ".join(values[:_LISTED]) + " and others listed on the Codebook sheet"
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _values(question: Question) -> list[str]:
    return [str(option.value) for option in question.options]


def _choice(question: Question, text: str) -> Verdict:
    if text not in _values(question):
        allowed = listed(_values(question))
        return None, None, f"{shown(text)} is not an allowed answer: enter {allowed}"
    return text, float(text) if question.type == "scale" else None, None


def _multiple(question: Question, text: str) -> Verdict:
    order = _values(question)
    parts = [part.strip() for part in text.split(MULTIPLE_SEPARATOR)]
    chosen = {part for part in parts if part}
    if not chosen:
        return None, None, None
    wrong = [part for part in parts if part and part not in order]
    if wrong:
        return (
            None,
            None,
            f"{shown(wrong[0])} is not an allowed answer: enter one or more of "
            f"{listed(order)}, separated by \u2018{MULTIPLE_SEPARATOR}\u2019",
        )
    return json.dumps(sorted(chosen, key=order.index)), None, None


NumberProblem = Literal["invalid", "too_small", "too_large"]


def read_number(question: Question, text: str) -> tuple[Decimal | None, NumberProblem | None]:
    """A number answer as typed (separators and "£" dropped), read the same way on the web
    form and in an import: the number, or the message key for why it cannot be the answer
    ("invalid", "too_small", "too_large"). (None, None) for a blank."""
    raw = text.replace(",", "").replace("£", "").strip()
    if raw == "":
        return None, None
    if not PLAIN_NUMBER.fullmatch(raw):
        return None, "invalid"  # "1e3", "NaN", "1_000": not as people write numbers
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None, "invalid"
    if question.integer and value != value.to_integral_value():
        return None, "invalid"
    if value >= LARGEST_NUMBER or (question.max is not None and value > Decimal(str(question.max))):
        return None, "too_large"
    if value <= -LARGEST_NUMBER or (
        question.min is not None and value < Decimal(str(question.min))
    ):
        return None, "too_small"
    return value, None


def _number(question: Question, text: str) -> Verdict:
    value, problem = read_number(question, text)
    if problem is not None:
        return None, None, question.message(problem)
    if value is None:
        return None, None, None
    return *stored_number(question, value), None


def stored_number(question: Question, value: Decimal) -> tuple[str, float]:
    """How a number answer is stored: its canonical text ("12", "12.5") and its value."""
    canonical = str(int(value)) if question.integer else format(value.normalize(), "f")
    return canonical, float(value)


def read_date(text: str) -> date | None:
    """A date written as YYYY-MM-DD or DD/MM/YYYY, or None if it is not a real date."""
    iso, uk = _ISO_DATE.fullmatch(text), _UK_DATE.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        return None
    return None


def _date(question: Question, text: str) -> Verdict:
    day = read_date(text)
    if day is None:
        return (
            None,
            None,
            f"{question.message('invalid')}: enter it as YYYY-MM-DD or DD/MM/YYYY, "
            "for example 2026-03-27 or 27/03/2026",
        )
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return (
            None,
            None,
            question.message("year_range"),
        )
    return day.isoformat(), None, None


def _yes_no(question: Question, text: str) -> Verdict:
    word = text.lower()
    if word in YES:
        return "yes", 1.0, None
    if word in NO:
        return "no", 0.0, None
    return None, None, f"{shown(text)} is not an answer to a yes or no question: enter yes or no"


def _text(question: Question, text: str) -> Verdict:
    if question.max_length is not None and len(text) > question.max_length:
        return None, None, question.message("too_long")
    return text, None, None


Rule = Callable[[Question, str], Verdict]
RULES: dict[str, Rule] = {
    "scale": _choice,
    "single_choice": _choice,
    "multiple_choice": _multiple,
    "number": _number,
    "date": _date,
    "yes_no": _yes_no,
    "short_text": _text,
    "long_text": _text,
}


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def check_column(question: Question, texts: ObjectArray) -> Checked:
    """Apply the question's rule to every cell (``texts`` from :func:`cells.column_text`).

    The rule runs once per distinct text in the column.
    """
    n = len(texts)
    stored = np.full(n, None, dtype=object)
    number = np.full(n, np.nan)
    problem = np.full(n, None, dtype=object)
    present = np.flatnonzero(not_none(texts))
    if present.size:
        codes, uniques = pd.factorize(texts[present])
        rule = RULES[question.type]
        verdicts = [
            (None, None, CONTROL_MESSAGE)
            if has_control_characters(value)
            else rule(question, value)
            for value in uniques
        ]
        stored[present] = _part(verdicts, 0)[codes]
        number[present] = np.array([np.nan if v[1] is None else v[1] for v in verdicts])[codes]
        problem[present] = _part(verdicts, 2)[codes]
    return Checked(stored, number, problem)


def _part(verdicts: list[Verdict], index: int) -> ObjectArray:
    out = np.empty(len(verdicts), dtype=object)
    out[:] = [verdict[index] for verdict in verdicts]
    return out


def typed_value(question: Question, text: str, number: float | None) -> Any:
    """A stored answer as conditions read it (as ``answer_types``' ``typed`` functions)."""
    kind = question.type
    if kind == "scale":
        return int(number) if number is not None else None
    if kind == "number":
        if number is None:
            return None
        return int(number) if question.integer else number
    if kind == "yes_no":
        return text == "yes"
    if kind == "multiple_choice":
        return json.loads(text)
    if kind == "date":
        return date.fromisoformat(text)
    return text
