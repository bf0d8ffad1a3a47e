"""GOV.UK macro parameters for a question's field: headings, widths and input modes."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from svcollect.evidence.filetypes import EXTENSIONS
from svcollect.questionnaires import Question

_FIELDSET_TYPES = {"scale", "single_choice", "multiple_choice", "yes_no", "date"}


def question_params(question: Question, heading: bool) -> dict[str, Any]:
    """Params for the field's widget. `heading`: the question is the page's only one."""
    text = gettext(question.text)
    if question.type in _FIELDSET_TYPES:
        params: dict[str, Any] = {
            "fieldset": {
                "legend": {
                    "text": text,
                    "isPageHeading": heading,
                    "classes": "govuk-fieldset__legend--l"
                    if heading
                    else "govuk-fieldset__legend--s",
                }
            }
        }
        if question.type == "yes_no" or (
            question.type == "scale" and all(len(o.label) <= 3 for o in question.options)
        ):
            params["classes"] = "govuk-radios--inline"
        if question.type == "date":
            params["id"] = question.id
        return params
    params = {
        "label": {
            "text": text,
            "isPageHeading": heading,
            "classes": "govuk-label--l" if heading else "govuk-label--s",
        }
    }
    if question.type == "number":
        params["classes"] = "govuk-input--width-10"
        params["inputmode"] = "numeric" if question.integer else "decimal"
        params["spellcheck"] = False
    elif question.type == "long_text":
        params["maxlength"] = question.max_length
    elif question.type == "short_text":
        params["spellcheck"] = True
    elif question.type == "file":
        # The file picker offers the allowed types first; the content is still checked.
        kinds = question.accept
        params["attributes"] = {"accept": ",".join(f".{e}" for k in kinds for e in EXTENSIONS[k])}
    return params


def error_href(question_type: str, field_id: str, part: str | None = None) -> str:
    """Where an error summary item links: a date's wrong box (``part``), else its day box
    (GOV.UK: the first box, when the date as a whole is wrong), else the field itself."""
    if question_type == "date":
        return f"#{field_id}-{part or 'day'}"
    return f"#{field_id}"
