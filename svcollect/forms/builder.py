"""Build a page's form from the questionnaire file: no hand-written form per questionnaire."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale

from svcollect.forms.answer_types import Stored, answer_type
from svcollect.forms.base import Form
from svcollect.questionnaires import Page, Question, Questionnaire

_FORM_CLASSES: dict[tuple[str, int, str, str, str], type[Form]] = {}


def _page_form_class(questionnaire: Questionnaire, page: Page, locale: str) -> type[Form]:
    # Building a class costs more than a request should; labels depend on the locale.
    key = (questionnaire.id, questionnaire.version, questionnaire.content_hash, page.id, locale)
    cls = _FORM_CLASSES.get(key)
    if cls is None:
        fields = {q.id: answer_type(q).build(q) for q in page.questions}
        cls = type(f"PageForm_{questionnaire.id}_{page.id}", (Form,), fields)
        _FORM_CLASSES[key] = cls
    return cls


def page_form(
    questionnaire: Questionnaire,
    page: Page,
    visible: list[Question],
    saved: Mapping[str, Stored],
) -> Form:
    """The form for one page, holding only the questions visible to this respondent."""
    cls = _page_form_class(questionnaire, page, str(get_locale() or "en"))
    data = {}
    for question in visible:
        if question.id in saved:
            text, number = saved[question.id]
            data[question.id] = answer_type(question).to_form(question, text, number)
    form = cls(data=data)  # on POST, Flask-WTF reads request.form and request.files
    visible_ids = {q.id for q in visible}
    for question in page.questions:
        if question.id not in visible_ids:
            delattr(form, question.id)
    return form


def page_is_multipart(visible: list[Question]) -> bool:
    return any(answer_type(q).multipart for q in visible)
