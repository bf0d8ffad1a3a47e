"""Contract managers review each standard of a supplier's declaration: accept, query, reject."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from svcollect.extensions import db
from svcollect.forms.manage import ReviewForm
from svcollect.services import declarations as svc
from svcollect.services import responses as responses_svc
from svcollect.services.contracts import may_change
from svcollect.services.questionnaires import questionnaire_for
from svcollect.web.access import found_or_404, role_required
from svcollect.web.form_pages import checks_own_token, form_status, repeat_of
from svcollect.web.journey import answer_rows

bp = Blueprint("review", __name__, url_prefix="/manage/declarations")


def _declaration(declaration_id: int) -> Any:
    declaration = svc.declaration_for(current_user, declaration_id)
    return found_or_404(declaration)


def _render(declaration: Any, forms: dict[str, ReviewForm], status: int = 200) -> Any:
    questionnaire = questionnaire_for(declaration.collection.questionnaire_version)
    progress = responses_svc.Progress.of(questionnaire, declaration.response)
    rows = answer_rows(progress)
    return (
        render_template(
            "review/declaration.html",
            declaration=declaration,
            questionnaire=questionnaire,
            states=svc.standard_states(declaration),
            rows_by_page={
                page.id: [r for r in rows if r["page"].id == page.id]
                for page in questionnaire.pages
            },
            forms=forms,
            review_form=lambda code: ReviewForm(prefix=code, formdata=None),
            may_review=may_change(current_user, declaration.collection.contract),
        ),
        status,
    )


@bp.route("/<int:declaration_id>")
@role_required("admin", "contract_manager")
def declaration(declaration_id: int) -> Any:
    declaration = _declaration(declaration_id)
    return _render(declaration, {})


@bp.route("/<int:declaration_id>/standards/<code>", methods=["POST"])
@checks_own_token
@role_required("admin", "contract_manager")
def review_standard(declaration_id: int, code: str) -> Any:
    declaration = _declaration(declaration_id)
    if not may_change(current_user, declaration.collection.contract):
        abort(403)  # the prime supplier's managers see declarations, the buyer reviews them
    form = ReviewForm(prefix=code)
    if form.validate_on_submit():
        decided = url_for(".declaration", declaration_id=declaration.id) + f"#standard-{code}"
        if (repeat := repeat_of(form, decided)) is not None:
            return repeat  # a double click: the decision is recorded once
        try:
            svc.review_standard(
                current_user, declaration, code, form.decision.data, form.comment.data or ""
            )
        except svc.DeclarationRefused as refused:
            db.session.rollback()  # nothing saved: nor is the form's key claimed
            form.comment.errors = [str(refused)]
        else:
            flash(_("Decision saved"))
            return redirect(decided, code=303)
    _name_the_standard(form, declaration, code)
    return _render(declaration, {code: form}, form_status(form))


def _name_the_standard(form: ReviewForm, declaration: Any, code: str) -> None:
    """The page reviews every standard: each message says which one it is about."""
    questionnaire = questionnaire_for(declaration.collection.questionnaire_version)
    title = next((s.title for s in svc.standards_of(questionnaire) if s.code == code), code)
    for field in form:
        field.errors = [
            _(
                "\u2018%(standard)s\u2019: %(problem)s",
                standard=title,
                problem=e[:1].lower() + e[1:],
            )
            if isinstance(e, str)
            else e
            for e in field.errors
        ]
