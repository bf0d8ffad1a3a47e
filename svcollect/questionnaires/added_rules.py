"""Answer rules added to a released version whose file could not state them.

A released file is never edited. A version released before the file format had a rule,
whose file says the service layer checks it instead, gets the rule added to its loaded
model here, so the forms and imports enforce it as they would the file's own. The content
hash stays the file's: it fingerprints what the file says, and the file is unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from .messages import default_message
from .model import Page, Question, Questionnaire


@dataclass(frozen=True)
class NotBefore:
    """``question`` (a date) must be on or after ``earlier`` (a date before it on its page)."""

    question: str
    earlier: str
    #: the ``too_early`` message; None keeps the default
    message: str | None = None


def add_not_before(questionnaire: Questionnaire, rules: Iterable[NotBefore]) -> Questionnaire:
    """The questionnaire with these rules; ValueError if one could not be written in its file."""
    rules = tuple(rules)
    if not rules:
        return questionnaire
    changed: dict[str, Question] = {}
    for rule in rules:
        question = _checked(questionnaire, rule)
        messages = dict(question.messages)
        messages["too_early"] = rule.message or _default(questionnaire, question, rule.earlier)
        changed[question.id] = dataclasses.replace(
            question, not_before=rule.earlier, messages=MappingProxyType(messages)
        )
    pages = tuple(_with(page, changed) for page in questionnaire.pages)
    return dataclasses.replace(questionnaire, pages=pages)


def _checked(questionnaire: Questionnaire, rule: NotBefore) -> Question:
    name = f"{questionnaire.id} v{questionnaire.version}"
    known = {q.id: q for q in questionnaire.questions()}
    if rule.question not in known or rule.earlier not in known:
        raise ValueError(f"{name} has no question '{rule.question}' or '{rule.earlier}'")
    question, earlier = known[rule.question], known[rule.earlier]
    if question.type != "date" or earlier.type != "date":
        raise ValueError(f"{name}: '{rule.question}' and '{rule.earlier}' must both be dates")
    if question.not_before is not None:
        raise ValueError(f"{name}: '{rule.question}' already has not_before in its file")
    order = [q.id for q in questionnaire.page(question.page_id).questions]
    if earlier.id not in order or order.index(earlier.id) >= order.index(question.id):
        raise ValueError(f"{name}: '{rule.earlier}' must come before '{rule.question}' on its page")
    return question


def _default(questionnaire: Questionnaire, question: Question, earlier: str) -> str:
    return default_message(
        "too_early",
        type=question.type,
        text=question.text,
        earlier=questionnaire.question(earlier).text,
    )


def _with(page: Page, changed: dict[str, Question]) -> Page:
    if not any(q.id in changed for q in page.questions):
        return page
    questions = tuple(changed.get(q.id, q) for q in page.questions)
    return dataclasses.replace(page, questions=questions)
