"""Released questionnaires for contract managers: each one page by page, as respondents see it.

Before opening a collection a manager can read exactly what will be asked: every page,
question, hint and answer option of the released version, with when each is shown.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import QuestionnaireVersion
from svcollect.questionnaires.model import Condition, Question, Questionnaire
from svcollect.services.questionnaires import is_loaded, questionnaire_for
from svcollect.web.access import found_or_404, role_required
from svcollect.web.template_helpers import content

bp = Blueprint("questionnaires", __name__, url_prefix="/manage/questionnaires")
MANAGERS = ("admin", "contract_manager")


@bp.route("/")
@role_required(*MANAGERS)
def index() -> str:
    rows = db.session.scalars(
        select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version
        )
    )
    versions = [version for version in rows if is_loaded(version)]
    return render_template("questionnaires/index.html", versions=versions)


@bp.route("/<int:version_id>")
@role_required(*MANAGERS)
def preview(version_id: int) -> str:
    version = found_or_404(db.session.get(QuestionnaireVersion, version_id))
    questionnaire = questionnaire_for(version)
    audiences = {
        "workforce": _("The contract's workforce"),
        "community": _("Community beneficiaries"),
        "supplier": _("Suppliers (signed in)"),
    }
    return render_template(
        "questionnaires/preview.html",
        version=version,
        questionnaire=questionnaire,
        audience=", ".join(audiences[a] for a in questionnaire.audience),
        answers_of=lambda question: answers_of(questionnaire, question),
        shown_when=lambda condition: shown_when(questionnaire, condition),
    )


def answers_of(questionnaire: Questionnaire, question: Question) -> dict[str, Any]:
    """What a respondent can answer: a sentence, and the options where there are some."""
    options = [content(o.label) for o in question.options]  # a scale's, resolved on loading
    if question.type == "yes_no" and not options:
        options = [_("Yes"), _("No")]
    kind = question.type
    if kind == "scale":
        scale = questionnaire.scales.get(question.scale or "")
        ends = [content(s) for s in (scale.min_label, scale.max_label)] if scale else []
        text = _("One point on a scale")
        if all(ends):
            text = _("One point on a scale from “%(low)s” to “%(high)s”", low=ends[0], high=ends[1])
    elif kind in ("single_choice", "yes_no"):
        text = _("One answer")
    elif kind == "multiple_choice":
        text = _("Any number of answers")
    elif kind == "number":
        text = _("A number")
        if question.min is not None and question.max is not None:
            text = _("A number from %(min)s to %(max)s", min=question.min, max=question.max)
    elif kind in ("short_text", "long_text"):
        text = _("Their own words")
        if question.max_length:
            text = _("Their own words, up to %(n)d characters", n=question.max_length)
    elif kind == "date":
        text = _("A date")
        if question.not_before:
            earlier = content(questionnaire.question(question.not_before).text)
            text = _("A date on or after the answer to “%(q)s”", q=earlier)
    else:
        text = _("Files of these types: %(types)s", types=", ".join(question.accept))
    if not question.required:
        text = _("%(answer)s (optional)", answer=text)
    return {"text": text, "options": options}


def shown_when(questionnaire: Questionnaire, condition: Condition | None) -> str | None:
    """When a conditional page or question is shown, in words."""
    if condition is None:
        return None
    earlier = questionnaire.question(condition.question)
    asked = content(earlier.text)
    labels: dict[object, str] = {o.value: content(o.label) for o in earlier.options}
    values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
    named = ", ".join(f"“{labels.get(v, str(v))}”" for v in values)
    if condition.operator == "answered":
        if condition.value:
            return _("Shown only if “%(q)s” was answered", q=asked)
        return _("Shown only if “%(q)s” was not answered", q=asked)
    if condition.operator == "at_least":
        return _("Shown only if the answer to “%(q)s” is %(v)s or more", q=asked, v=values[0])
    if condition.operator == "at_most":
        return _("Shown only if the answer to “%(q)s” is %(v)s or less", q=asked, v=values[0])
    if condition.operator == "any_of" and len(values) > 1:
        return _("Shown only if the answer to “%(q)s” is one of %(v)s", q=asked, v=named)
    return _("Shown only if the answer to “%(q)s” is %(v)s", q=asked, v=named)
