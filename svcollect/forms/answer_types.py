"""Answer types: how each question type becomes a WTForms field and a stored answer row.

One entry per question type in ANSWER_TYPES (a registry, not an if-chain). Stored forms are
described in notes/CONTRACTS.md: (value_text, value_number).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext, lazy_gettext
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import MultipleFileField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Optional,
    StopValidation,
    ValidationError,
)

from svcollect.forms.dates import DateGiven, GovDateField, not_before
from svcollect.forms.widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovTextInput,
)
from svcollect.i18n import format_date
from svcollect.imports.rules import read_number, stored_number
from svcollect.questionnaires import Question

Stored = tuple[str | None, float | None]

# Tab, newline and carriage return are ordinary in text; every other control character
# (NUL above all, which PostgreSQL refuses) is not.
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def _no_control_characters(form: Any, field: Field) -> None:
    values = field.data if isinstance(field.data, list) else [field.data]
    for value in values:
        if not isinstance(value, str):
            continue
        for char in value:
            if unicodedata.category(char) in {"Cc", "Cs", "Co"} and char not in _ALLOWED_CONTROLS:
                raise StopValidation(
                    gettext(
                        "Remove the special characters (such as control codes) from your answer"
                    )
                )


def _t(text: str | None) -> str | None:
    """Questionnaire content goes through Babel so a translation needs no code change."""
    return gettext(text) if text else text


def _required(question: Question) -> list[Any]:
    if question.required:
        return [InputRequired(message=_t(question.message("required")))]
    return [Optional()]


def _required_text(question: Question) -> list[Any]:
    """Typed answers: spaces alone are no answer (the value is stripped before this runs)."""
    if question.required:
        return [DataRequired(message=_t(question.message("required")))]
    return [Optional()]


def _clean_filter(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def CleanStringField(*args: Any, **kwargs: Any) -> Any:
    """A text field whose value is NFC-normalised and stripped."""
    return StringField(*args, filters=[_clean_filter], **kwargs)


def CleanTextAreaField(*args: Any, **kwargs: Any) -> Any:
    return TextAreaField(*args, filters=[_clean_filter], **kwargs)


def _length(question: Question) -> Callable[[Any, Field], None]:
    def check(form: Any, field: Field) -> None:
        limit = question.max_length
        if limit is not None and isinstance(field.data, str) and len(field.data) > limit:
            raise ValidationError(_t(question.message("too_long")) or "")

    return check


def _number(question: Question) -> Callable[[Any, Field], None]:
    def check(form: Any, field: Field) -> None:
        # The same reading as a paper-returns import (imports.rules.read_number).
        _, problem = read_number(question, field.data or "")
        if problem is not None:
            raise StopValidation(_t(question.message(problem)) or "")

    return check


def _choices(question: Question) -> list[SelectChoice]:
    return [SelectChoice(str(o.value), _t(o.label) or "") for o in question.options]


def _option_hints(question: Question) -> list[dict[str, Any]]:
    return [{"hint": {"text": _t(o.hint)}} if o.hint else {} for o in question.options]


@dataclass(frozen=True)
class AnswerType:
    """How one question type is asked, stored and read back."""

    build: Callable[[Question], Field]
    to_stored: Callable[[Question, Any], Stored | None]
    to_form: Callable[[Question, str | None, float | None], Any]
    typed: Callable[[Question, str | None, float | None], Any]
    display: Callable[[Question, str | None, float | None], str]
    multipart: bool = False


def _label_for(question: Question, text: str | None) -> str:
    for option in question.options:
        if str(option.value) == text:
            return _t(option.label) or ""
    return text or ""


def _radio(question: Question) -> Field:
    return RadioField(
        _t(question.text),
        description=_t(question.hint) or "",
        choices=_choices(question),
        validators=_required(question),
        widget=GovRadioInput(),
        validate_choice=True,
    )


def _radio_stored(question: Question, data: Any) -> Stored | None:
    if data in (None, ""):
        return None
    value = str(data)
    number = float(value) if question.type == "scale" else None
    return value, number


def _scale_typed(question: Question, text: str | None, number: float | None) -> Any:
    return int(number) if number is not None else None


def _choice_typed(question: Question, text: str | None, number: float | None) -> Any:
    return text


def _text_typed(question: Question, text: str | None, number: float | None) -> Any:
    return text


def _as_text(question: Question, text: str | None, number: float | None) -> Any:
    return text


def _number_stored(question: Question, data: Any) -> Stored | None:
    value, _ = read_number(question, data or "")  # checked already by _number
    return None if value is None else stored_number(question, value)


def _number_typed(question: Question, text: str | None, number: float | None) -> Any:
    if number is None:
        return None
    return int(number) if question.integer else number


def _multiple(question: Question) -> Field:
    return SelectMultipleField(
        _t(question.text),
        description=_t(question.hint) or "",
        choices=_choices(question),
        validators=[*_required(question), _no_control_characters],
        widget=GovCheckboxesInput(),
    )


def _multiple_stored(question: Question, data: Any) -> Stored | None:
    if not data:
        return None
    order = [str(o.value) for o in question.options]
    chosen = sorted({str(v) for v in data}, key=order.index)
    return json.dumps(chosen), None


def _multiple_form(question: Question, text: str | None, number: float | None) -> Any:
    return json.loads(text) if text else []


def _multiple_display(question: Question, text: str | None, number: float | None) -> str:
    return ", ".join(_label_for(question, v) for v in _multiple_form(question, text, number))


def _short_text(question: Question) -> Field:
    return CleanStringField(
        _t(question.text),
        description=_t(question.hint) or "",
        validators=[*_required_text(question), _no_control_characters, _length(question)],
        widget=GovTextInput(),
    )


def _long_text(question: Question) -> Field:
    return CleanTextAreaField(
        _t(question.text),
        description=_t(question.hint) or "",
        validators=[*_required_text(question), _no_control_characters, _length(question)],
        widget=GovCharacterCount(),
    )


def _text_stored(question: Question, data: Any) -> Stored | None:
    if not data:
        return None
    return str(data), None


def _number_field(question: Question) -> Field:
    return CleanStringField(
        _t(question.text),
        description=_t(question.hint) or "",
        validators=[*_required_text(question), _no_control_characters, _number(question)],
        widget=GovTextInput(),
    )


def _date_field(question: Question) -> Field:
    required = _t(question.message("required")) if question.required else None
    return GovDateField(
        _t(question.text),
        description=_t(question.hint) or gettext("For example, 27 3 2026"),
        validators=[
            DateGiven(required),
            not_before(question, _t(question.message("too_early")) or ""),
        ],
        widget=GovDateInput(),
        format="%d %m %Y",
        invalid_message=_t(question.message("invalid")),
        year_message=_t(question.message("year")),
        year_range_message=_t(question.message("year_range")),
    )


def _date_stored(question: Question, data: Any) -> Stored | None:
    if data is None:
        return None
    return data.isoformat(), None


def _date_typed(question: Question, text: str | None, number: float | None) -> Any:
    return date.fromisoformat(text) if text else None


def _date_display(question: Question, text: str | None, number: float | None) -> str:
    value = _date_typed(question, text, number)
    return format_date(value, "d MMMM y") if value else ""  # the month in the page's language


def _yes_no(question: Question) -> Field:
    return RadioField(
        _t(question.text),
        description=_t(question.hint) or "",
        choices=[SelectChoice("yes", lazy_gettext("Yes")), SelectChoice("no", lazy_gettext("No"))],
        validators=_required(question),
        widget=GovRadioInput(),
    )


def _yes_no_stored(question: Question, data: Any) -> Stored | None:
    if data not in ("yes", "no"):
        return None
    return data, 1.0 if data == "yes" else 0.0


def _yes_no_typed(question: Question, text: str | None, number: float | None) -> Any:
    return None if text is None else text == "yes"


def _yes_no_display(question: Question, text: str | None, number: float | None) -> str:
    if text is None:
        return ""
    return gettext("Yes") if text == "yes" else gettext("No")


def _file(question: Question) -> Field:
    # Files already uploaded count as an answer, so "required" is checked by the view.
    return MultipleFileField(
        _t(question.text),
        description=_t(question.hint) or "",
        validators=[Optional()],
        widget=GovFileInput(multiple=True),
    )


def _file_stored(question: Question, data: Any) -> Stored | None:
    # `data` is the list of evidence file ids after the view has stored the uploads.
    if not data:
        return None
    return json.dumps(sorted(set(data))), None


def _file_form(question: Question, text: str | None, number: float | None) -> Any:
    return None


def _file_typed(question: Question, text: str | None, number: float | None) -> Any:
    return json.loads(text) if text else []


def _file_display(question: Question, text: str | None, number: float | None) -> str:
    count = len(_file_typed(question, text, number))
    return gettext("%(count)d file(s) uploaded", count=count) if count else ""


def _choice_display(question: Question, text: str | None, number: float | None) -> str:
    return _label_for(question, text)


def _plain_display(question: Question, text: str | None, number: float | None) -> str:
    return text or ""


ANSWER_TYPES: dict[str, AnswerType] = {
    "scale": AnswerType(_radio, _radio_stored, _as_text, _scale_typed, _choice_display),
    "single_choice": AnswerType(_radio, _radio_stored, _as_text, _choice_typed, _choice_display),
    "multiple_choice": AnswerType(
        _multiple, _multiple_stored, _multiple_form, _multiple_form, _multiple_display
    ),
    "number": AnswerType(_number_field, _number_stored, _as_text, _number_typed, _plain_display),
    "short_text": AnswerType(_short_text, _text_stored, _as_text, _text_typed, _plain_display),
    "long_text": AnswerType(_long_text, _text_stored, _as_text, _text_typed, _plain_display),
    "date": AnswerType(_date_field, _date_stored, _date_typed, _date_typed, _date_display),
    "yes_no": AnswerType(_yes_no, _yes_no_stored, _as_text, _yes_no_typed, _yes_no_display),
    "file": AnswerType(_file, _file_stored, _file_form, _file_typed, _file_display, True),
}


def answer_type(question: Question) -> AnswerType:
    return ANSWER_TYPES[question.type]


def typed_answers(questions: Sequence[Question], rows: dict[str, Stored]) -> dict[str, Any]:
    """Typed values of saved answers, as conditions read them."""
    typed: dict[str, Any] = {}
    for question in questions:
        if question.id in rows:
            text, number = rows[question.id]
            typed[question.id] = answer_type(question).typed(question, text, number)
    return typed
