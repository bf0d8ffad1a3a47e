"""Which columns an import has, and the codebook that says what goes in each."""

from __future__ import annotations

from dataclasses import dataclass

from svcollect.questionnaires import Condition, Question, Questionnaire

from .rules import MULTIPLE_SEPARATOR, listed

ROW_ID = "row_id"
RESPONDENT_CODE = "respondent_code"
COMPLETED_ON = "completed_on"
#: columns before the questions; only row_id is required
FIXED_COLUMNS = (ROW_ID, RESPONDENT_CODE, COMPLETED_ON)
#: fixed columns a file may leave out (a file without completed_on imports as before)
OPTIONAL_COLUMNS = frozenset({RESPONDENT_CODE, COMPLETED_ON})
MAX_ROW_ID_LENGTH = 100
CODE_EXAMPLE = "7KQ-2MX-9PD"

_HOW = {
    "scale": "One of the allowed values (the number, not the words)",
    "single_choice": "One of the allowed values (the value, not the words)",
    "multiple_choice": (
        f"One or more allowed values separated by \u2018{MULTIPLE_SEPARATOR}\u2019, "
        f"for example a{MULTIPLE_SEPARATOR}b"
    ),
    "date": "A date as YYYY-MM-DD or DD/MM/YYYY, for example 2026-03-27 or 27/03/2026",
    "yes_no": "yes or no (true/false and 1/0 also work)",
    "short_text": "Text",
    "long_text": "Text",
}


@dataclass(frozen=True)
class CodebookRow:
    """One column of the template, described for the person filling it in."""

    column: str
    question: str
    type: str
    allowed: str
    required: str
    minimum: str
    maximum: str
    max_length: str
    how_to_enter: str
    asked_when: str


def importable(questionnaire: Questionnaire) -> tuple[Question, ...]:
    """Questions an import can answer, in questionnaire order (files cannot be imported)."""
    return tuple(q for q in questionnaire.questions() if q.type != "file")


def not_importable(questionnaire: Questionnaire) -> tuple[Question, ...]:
    return tuple(q for q in questionnaire.questions() if q.type == "file")


def template_columns(questionnaire: Questionnaire) -> list[str]:
    return [*FIXED_COLUMNS, *(q.id for q in importable(questionnaire))]


def describe_condition(condition: Condition, questionnaire: Questionnaire) -> str:
    """A show_if condition in words, naming the column it reads."""
    name = condition.question
    source = questionnaire.question(name)
    value = condition.value
    if condition.operator == "answered":
        return f"{name} is {'answered' if value else 'blank'}"
    if condition.operator == "at_least":
        return f"{name} is {value} or more"
    if condition.operator == "at_most":
        return f"{name} is {value} or less"
    values = value if isinstance(value, tuple) else (value,)
    words = [("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values]
    if source.type == "multiple_choice":
        return (
            f"{name} includes {listed(words)}"
            if len(words) == 1
            else (f"{name} includes any of {listed(words)}")
        )
    return f"{name} is {words[0]}" if len(words) == 1 else f"{name} is one of {listed(words)}"


def asked_when(question: Question, questionnaire: Questionnaire) -> str:
    """When the question is asked, in words; "" when it always is."""
    page = questionnaire.page(question.page_id)
    parts = [
        describe_condition(condition, questionnaire)
        for condition in (page.show_if, question.show_if)
        if condition is not None
    ]
    return " and ".join(parts)


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _minimum(question: Question) -> str:
    if question.type == "number":
        return _number_text(question.min)
    if question.not_before is not None:
        return f"The same as or after {question.not_before}"
    return ""


def _allowed(question: Question) -> str:
    if question.type == "yes_no":
        return "yes; no"
    return "; ".join(f"{option.value} = {option.label}" for option in question.options)


def _how(question: Question) -> str:
    if question.type == "number":
        return "A whole number" if question.integer else "A number"
    if question.type in ("short_text", "long_text") and question.max_length:
        return f"Text, up to {question.max_length:,} characters"
    return _HOW[question.type]


def codebook(questionnaire: Questionnaire) -> list[CodebookRow]:
    """A row for each fixed column and each importable question, in column order."""
    rows = [
        CodebookRow(
            ROW_ID,
            "Your own reference for this paper return, unique within the file; a row "
            "imported before (same collection, same row_id) is skipped, not added again",
            "text",
            "",
            "Yes",
            "",
            "",
            str(MAX_ROW_ID_LENGTH),
            "Text or a number, for example the number written on the form",
            "",
        ),
        CodebookRow(
            RESPONDENT_CODE,
            "The respondent code written on the form, if any: it pairs this return with the "
            "same person's answers in another wave",
            "text",
            "",
            "No",
            "",
            "",
            "",
            f"A code as issued, for example {CODE_EXAMPLE}, or a memorable code as M: then "
            "the first 2 letters of the mother's or main carer's first name, the day of the "
            "month of birth (2 digits) and the last 2 letters of the town of birth, for "
            "example M:MA07DS",
            "",
        ),
        CodebookRow(
            COMPLETED_ON,
            "The date the respondent filled in the paper form, if it is known: the "
            "response counts as submitted on this day in charts and evidence packs. Leave "
            "it blank (or leave out the column) and the day of the import is used instead",
            "date",
            "",
            "No",
            "The day the collection opened",
            "Today",
            "",
            _HOW["date"],
            "",
        ),
    ]
    for question in importable(questionnaire):
        when = asked_when(question, questionnaire)
        required = "No"
        if question.required:
            required = "Yes, when it is asked" if when else "Yes"
        rows.append(
            CodebookRow(
                question.id,
                question.text,
                question.type,
                _allowed(question),
                required,
                _minimum(question),
                _number_text(question.max) if question.type == "number" else "",
                str(question.max_length or "")
                if question.type in ("short_text", "long_text")
                else "",
                _how(question),
                f"Only when {when}; otherwise leave it blank" if when else "Always",
            )
        )
    return rows
