"""Supplier users: their declarations, the attestation journey, answering queries, re-attesting."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from svcollect.extensions import db
from svcollect.forms.manage import ConfirmForm
from svcollect.forms.supplier import QueryAnswerForm
from svcollect.models import Declaration
from svcollect.services import declarations as svc
from svcollect.services import responses as responses_svc
from svcollect.services.evidence import UploadRejected, files_for, store_upload
from svcollect.services.questionnaires import questionnaire_for
from svcollect.web import journey
from svcollect.web.access import found_or_404, role_required
from svcollect.web.form_pages import checks_own_token, form_status, repeat_of

bp = Blueprint("supplier", __name__, url_prefix="/supplier")


@bp.errorhandler(responses_svc.AccessDenied)
def access_denied(error: responses_svc.AccessDenied) -> tuple[str, int]:
    return (
        render_template(
            "respondent/unavailable.html", kind=error.kind, collection=error.collection
        ),
        error.status,
    )


def _declaration(declaration_id: int) -> Declaration:
    declaration = found_or_404(svc.declaration_for(current_user, declaration_id))
    assert isinstance(declaration, Declaration)
    return declaration


def _urls(declaration: Declaration) -> journey.JourneyUrls:
    did = declaration.id
    return journey.JourneyUrls(
        page=lambda page_id, **args: url_for(".page", declaration_id=did, page_id=page_id, **args),
        check=lambda: url_for(".check", declaration_id=did),
        done=lambda: url_for(".declaration", declaration_id=did),
        resume=lambda: url_for(".resume", declaration_id=did),
        remove_file=lambda page_id, file_id, **args: url_for(
            ".remove_file", declaration_id=did, page_id=page_id, file_id=file_id, **args
        ),
    )


@bp.route("/")
@role_required("supplier_user")
def declarations() -> str:
    return render_template(
        "supplier/declarations.html", declarations=svc.declarations_for_supplier(current_user)
    )


def _draft(declaration_id: int) -> tuple[Declaration, Any]:
    declaration = _declaration(declaration_id)
    responses_svc.check_open(declaration.collection)
    return declaration, questionnaire_for(declaration.collection.questionnaire_version)


@bp.route("/declarations/<int:declaration_id>/resume")
@role_required("supplier_user")
def resume(declaration_id: int) -> Any:
    declaration, questionnaire = _draft(declaration_id)
    if declaration.status == "submitted":
        return redirect(url_for(".declaration", declaration_id=declaration.id))
    progress = responses_svc.Progress.of(questionnaire, declaration.response)
    page = progress.first_incomplete_page()
    urls = _urls(declaration)
    return redirect(urls.page(page.id) if page else urls.check())


@bp.route("/declarations/<int:declaration_id>/page/<page_id>", methods=["GET", "POST"])
@checks_own_token
@role_required("supplier_user")
def page(declaration_id: int, page_id: str) -> Any:
    declaration, questionnaire = _draft(declaration_id)
    if declaration.status == "submitted":
        return redirect(url_for(".declaration", declaration_id=declaration.id), code=303)
    return journey.question_page(declaration.response, questionnaire, page_id, _urls(declaration))


@bp.route(
    "/declarations/<int:declaration_id>/page/<page_id>/files/<int:file_id>/remove",
    methods=["GET", "POST"],
)
@role_required("supplier_user")
def remove_file(declaration_id: int, page_id: str, file_id: int) -> Any:
    declaration, questionnaire = _draft(declaration_id)
    if declaration.status == "submitted":
        return redirect(url_for(".declaration", declaration_id=declaration.id), code=303)
    urls = _urls(declaration)
    return journey.remove_file(declaration.response, questionnaire, page_id, file_id, urls)


@bp.route("/declarations/<int:declaration_id>/check", methods=["GET", "POST"])
@role_required("supplier_user")
def check(declaration_id: int) -> Any:
    declaration, questionnaire = _draft(declaration_id)
    if declaration.status == "submitted":
        return redirect(url_for(".declaration", declaration_id=declaration.id), code=303)
    return journey.check_answers(
        declaration.response,
        questionnaire,
        _urls(declaration),
        lambda progress: svc.submit_declaration(current_user, declaration, progress),
    )


@bp.route("/declarations/<int:declaration_id>")
@role_required("supplier_user")
def declaration(declaration_id: int) -> Any:
    declaration = _declaration(declaration_id)
    if declaration.status != "submitted":
        return redirect(url_for(".resume", declaration_id=declaration.id))
    return _render(declaration, {})


def _render(declaration: Declaration, forms: dict[str, QueryAnswerForm], status: int = 200) -> Any:
    return (
        render_template(
            "supplier/declaration.html",
            declaration=declaration,
            states=svc.standard_states(declaration),
            forms=forms,
            answer_form=lambda code: QueryAnswerForm(prefix=code, formdata=None),
            confirm_form=ConfirmForm(),
        ),
        status,
    )


@bp.route("/declarations/<int:declaration_id>/standards/<code>/answer", methods=["POST"])
@checks_own_token
@role_required("supplier_user")
def answer_query(declaration_id: int, code: str) -> Any:
    declaration = _declaration(declaration_id)
    form = QueryAnswerForm(prefix=code)
    if form.validate_on_submit():
        # First: a second click finds the query answered, which is no error of theirs.
        back = url_for(".declaration", declaration_id=declaration.id)
        if (repeat := repeat_of(form, f"{back}#standard-{code}")) is not None:
            return repeat
        states = {s.standard.code: s for s in svc.standard_states(declaration)}
        state = states.get(code)
        file_ids: list[int] = []
        try:
            if state is None:
                raise svc.DeclarationRefused(_("That standard is not part of this declaration"))
            if state.review != "queried":
                raise svc.DeclarationRefused(_("There is no open query on this standard"))
            questionnaire = questionnaire_for(declaration.collection.questionnaire_version)
            uploads = [f for f in request.files.getlist(form.files.name) if f and f.filename]
            if uploads and state.standard.evidence_question is None:
                raise svc.DeclarationRefused(_("This standard does not take evidence files"))
            question_id = state.standard.evidence_question or ""
            held = {f.id for f in files_for(declaration.response, question_id)}
            for upload in uploads:
                question = questionnaire.question(question_id)
                try:
                    record = store_upload(declaration.response, question, upload)
                except UploadRejected as rejected:
                    raise svc.DeclarationRefused(f"{upload.filename}: {rejected}") from None
                if record.id in held or record.id in file_ids:
                    journey.say_already_uploaded(upload, record)
                else:
                    file_ids.append(record.id)
            svc.answer_query(current_user, declaration, code, form.comment.data or "", file_ids)
        except svc.DeclarationRefused as refused:
            db.session.rollback()
            form.comment.errors = [str(refused)]
        else:
            flash(_("Your answer has been sent"))
            return redirect(back, code=303)
    return _render(declaration, {code: form}, form_status(form))


@bp.route("/declarations/<int:declaration_id>/reattest", methods=["POST"])
@role_required("supplier_user")
def reattest(declaration_id: int) -> Any:
    declaration = _declaration(declaration_id)
    if ConfirmForm().validate_on_submit():
        try:
            fresh = svc.reattest(current_user, declaration)
        except svc.DeclarationRefused as refused:
            flash(str(refused), "important")
        else:
            flash(_("A new declaration has been started from your last one"))
            return redirect(url_for(".resume", declaration_id=fresh.id), code=303)
    return redirect(url_for(".declaration", declaration_id=declaration.id), code=303)
