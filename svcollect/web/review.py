"""Contract managers review each standard of a supplier's declaration: accept, query, reject."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from svcollect.extensions import db
from svcollect.forms.manage import ReviewForm, read_version
from svcollect.models import User
from svcollect.services import declarations as svc
from svcollect.services import responses as responses_svc
from svcollect.services.contracts import may_change
from svcollect.services.questionnaires import questionnaire_for
from svcollect.web.access import found_or_404, role_required
from svcollect.web.form_pages import checks_own_token, form_status, repeat_of
from svcollect.web.journey import answer_rows
from svcollect.web.template_helpers import long_datetime

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
            review_form=lambda code, read: ReviewForm(
                prefix=code, formdata=None, data={"version": str(read)}
            ),
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
                current_user,
                declaration,
                code,
                form.decision.data,
                form.comment.data or "",
                read_version=read_version(form),
            )
        except svc.ReviewConflict as conflict:
            # What they chose and typed stays in the form, the history shows what is
            # recorded now, and the form now carries its count: deciding again is a choice
            # made having seen the other decision.
            db.session.rollback()
            form.version.errors = [_conflict_message(conflict)]
            form.version.data = str(svc.history_count(declaration, code))
        except svc.DeclarationRefused as refused:
            db.session.rollback()  # nothing saved: nor is the form's key claimed
            form.comment.errors = [str(refused)]
        else:
            flash(_("Decision saved"))
            return redirect(decided, code=303)
    _name_the_standard(form, declaration, code)
    return _render(declaration, {code: form}, form_status(form))


def _conflict_message(conflict: Any) -> str:
    """Who added what to the standard's history, and when, since the page was opened."""
    latest = conflict.latest
    if latest is None:  # the form carried no count: only a forged or very old page
        return _(
            "This standard's history may have changed since you opened this page, so your "
            "decision has not been saved. Check the history, then decide again"
        )
    author = db.session.get(User, latest.author_id)
    entries = {
        "accepted": _("%(who)s accepted the evidence on %(when)s"),
        "queried": _("%(who)s queried it on %(when)s"),
        "rejected": _("%(who)s rejected the evidence on %(when)s"),
        "answered": _("%(who)s answered the query for the supplier on %(when)s"),
    }
    happened = entries[latest.kind] % {
        "who": author.name if author else _("Someone"),
        "when": long_datetime(latest.at),
    }
    return _(
        "Someone else added to this standard's history after you opened this page (%(entry)s), "
        "so your decision has not been saved. Check the history, then decide again if you "
        "still want to",
        entry=happened,
    )


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
