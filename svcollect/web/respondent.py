"""Respondent journey: start and consent, respondent code, pages, check answers, confirmation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import csrf, db
from svcollect.forms.answer_types import answer_type
from svcollect.forms.builder import page_form, page_is_multipart
from svcollect.forms.respondent import (
    CodeChoiceForm,
    ConsentForm,
    EnterCodeForm,
    MemorableCodeForm,
    SubmitForm,
)
from svcollect.models import Collection, Response
from svcollect.questionnaires import Page, Questionnaire
from svcollect.services import responses as svc
from svcollect.services.evidence import UploadRejected, files_for, store_upload
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.respondent_codes import issued_code, memorable_code, normalise_code

bp = Blueprint("respond", __name__)
# Respondent forms check their own CSRF token so that a timed-out page can be shown again
# with everything the person typed, instead of a bare 400.
csrf.exempt(bp)

Rendered = str | WerkzeugResponse | tuple[str, int]


@bp.errorhandler(svc.AccessDenied)
def access_denied(error: svc.AccessDenied) -> tuple[str, int]:
    return (
        render_template(
            "respondent/unavailable.html", kind=error.kind, collection=error.collection
        ),
        error.status,
    )


def _csrf_failed(form: FlaskForm) -> bool:
    return "csrf_token" in form.errors


def _status_for(form: FlaskForm) -> int:
    return 400 if _csrf_failed(form) else 422


# --- start and consent -----------------------------------------------------------------


@bp.route("/s/<public_id>", methods=["GET", "POST"])
def start_open(public_id: str) -> Rendered:
    collection = svc.open_link_collection(public_id)
    svc.check_open(collection)
    return _start(collection, action=url_for(".start_open", public_id=public_id))


@bp.route("/i/<token>", methods=["GET", "POST"])
def start_invitation(token: str) -> Rendered:
    state = svc.invitation_state(token)
    svc.check_open(state.collection)
    if state.resume_key is not None:
        return redirect(url_for(".resume", key=state.resume_key))
    return _start(
        state.collection,
        action=url_for(".start_invitation", token=token),
        invitation_key=svc.invitation_idempotency_key(token),
        invitation=state.invitation,
    )


def _start(
    collection: Collection,
    action: str,
    invitation_key: str | None = None,
    invitation: Any = None,
) -> Rendered:
    questionnaire = questionnaire_for(collection.questionnaire_version)
    form = ConsentForm()
    if request.method == "GET":
        form.idempotency_key.data = svc.new_token()
    if form.validate_on_submit():
        if form.consent.data != "yes":
            return render_template("respondent/declined.html", questionnaire=questionnaire)
        key = invitation_key or form.idempotency_key.data
        resume_key = svc.start_response(collection, questionnaire, key, invitation)
        return redirect(url_for(".resume", key=resume_key), code=303)
    if request.method == "POST" and _csrf_failed(form):
        form.idempotency_key.data = form.idempotency_key.data or svc.new_token()
    status = _status_for(form) if request.method == "POST" else 200
    return (
        render_template(
            "respondent/start.html",
            form=form,
            questionnaire=questionnaire,
            collection=collection,
            action=action,
        ),
        status,
    )


# --- resuming and the respondent code --------------------------------------------------


def _load(key: str, allow_submitted: bool = False) -> tuple[Response, Questionnaire]:
    response = svc.response_by_resume_key(key)
    if response is None:
        raise svc.AccessDenied("unknown")
    if response.status == "submitted" and not allow_submitted:
        abort(redirect(url_for(".done", key=key), code=303))
    if response.status != "submitted":
        svc.check_open(response.collection)
    return response, questionnaire_for(response.collection.questionnaire_version)


@bp.route("/r/<key>")
def resume(key: str) -> Rendered:
    response, questionnaire = _load(key)
    if svc.needs_code(response):
        return redirect(url_for(".code_choice", key=key))
    page = svc.Progress.of(questionnaire, response).first_incomplete_page()
    if page is None:
        return redirect(url_for(".check", key=key))
    return redirect(url_for(".question_page", key=key, page_id=page.id))


def _after_code(key: str) -> WerkzeugResponse:
    return redirect(url_for(".resume", key=key), code=303)


@bp.route("/r/<key>/code", methods=["GET", "POST"])
def code_choice(key: str) -> Rendered:
    response, questionnaire = _load(key)
    form = CodeChoiceForm()
    if form.validate_on_submit():
        if form.choice.data == "new":
            code = issued_code(current_app.config["SECRET_KEY"], key)
            svc.set_respondent_code(response, normalise_code(code) or code, "issued")
            return _after_code(key)
        target = ".code_enter" if form.choice.data == "enter" else ".code_memorable"
        return redirect(url_for(target, key=key), code=303)
    status = _status_for(form) if request.method == "POST" else 200
    return render_template(
        "respondent/code_choice.html", form=form, key=key, q=questionnaire
    ), status


@bp.route("/r/<key>/code/enter", methods=["GET", "POST"])
def code_enter(key: str) -> Rendered:
    response, questionnaire = _load(key)
    form = EnterCodeForm()
    if form.validate_on_submit():
        canonical = normalise_code(form.code.data or "")
        if canonical is not None:
            svc.set_respondent_code(response, canonical, "entered")
            return _after_code(key)
        form.code.errors = [
            _("Enter the code exactly as it was shown to you, for example 7KQ-2MX-9PD")
        ]
    status = _status_for(form) if request.method == "POST" else 200
    return render_template(
        "respondent/code_enter.html", form=form, key=key, q=questionnaire
    ), status


@bp.route("/r/<key>/code/memorable", methods=["GET", "POST"])
def code_memorable(key: str) -> Rendered:
    response, questionnaire = _load(key)
    form = MemorableCodeForm()
    if form.validate_on_submit():
        canonical = memorable_code(
            form.parent_initials.data or "", form.birth_day.data or "", form.town_letters.data or ""
        )
        if canonical is not None:
            svc.set_respondent_code(response, canonical, "memorable")
            return _after_code(key)
        form.parent_initials.errors = [_("Enter 2 letters for each name and a day from 1 to 31")]
    status = _status_for(form) if request.method == "POST" else 200
    return (
        render_template("respondent/code_memorable.html", form=form, key=key, q=questionnaire),
        status,
    )


# --- question pages --------------------------------------------------------------------


def _guard_order(
    key: str, response: Response, progress: svc.Progress, page: Page
) -> WerkzeugResponse | None:
    """Send the respondent to the first step they skipped, if any comes before `page`."""
    if svc.needs_code(response):
        return redirect(url_for(".code_choice", key=key))
    for visible in progress.visible_pages():
        if visible.id == page.id:
            return None
        if not progress.page_complete(visible):
            return redirect(url_for(".question_page", key=key, page_id=visible.id))
    # The page is hidden by an earlier answer (or a forged URL): go to where they should be.
    return redirect(url_for(".resume", key=key))


@bp.route("/r/<key>/page/<page_id>", methods=["GET", "POST"])
def question_page(key: str, page_id: str) -> Rendered:
    response, questionnaire = _load(key)
    try:
        page = questionnaire.page(page_id)
    except KeyError:
        raise svc.AccessDenied("unknown") from None
    progress = svc.Progress.of(questionnaire, response)
    detour = _guard_order(key, response, progress, page)
    if detour is not None:
        return detour
    visible = progress.visible_questions(page)
    form = page_form(questionnaire, page, visible, progress.rows)
    returning = request.args.get("return") == "check"
    upload_errors: dict[str, str] = {}
    if request.method == "POST":
        valid = form.validate()
        file_ids = _handle_uploads(response, visible, upload_errors) if valid else {}
        if valid and not upload_errors:
            data = {q.id: form[q.id].data for q in visible}
            data.update(file_ids)
            svc.save_page(response, page, svc.stored_values(visible, data))
            progress = svc.Progress.of(questionnaire, response)
            following = None if returning else progress.next_page(page)
            if following is None:
                incomplete = progress.first_incomplete_page()
                target = (
                    url_for(".question_page", key=key, page_id=incomplete.id)
                    if incomplete is not None
                    else url_for(".check", key=key)
                )
            else:
                target = url_for(".question_page", key=key, page_id=following.id)
            return redirect(target, code=303)
        db.session.rollback()
        for qid, message in upload_errors.items():
            form[qid].errors = [message]
    previous = progress.previous_page(page)
    status = 200
    if request.method == "POST":
        status = 400 if _csrf_failed(form) else 422
    files = {q.id: files_for(response, q.id) for q in visible if q.type == "file"}
    return (
        render_template(
            "respondent/page.html",
            form=form,
            page=page,
            visible=visible,
            questionnaire=questionnaire,
            key=key,
            files=files,
            multipart=page_is_multipart(visible),
            returning=returning,
            back_url=(
                url_for(".check", key=key)
                if returning
                else url_for(".question_page", key=key, page_id=previous.id)
                if previous
                else None
            ),
            page_number=[p.id for p in progress.visible_pages()].index(page.id) + 1,
            page_count=len(progress.visible_pages()),
        ),
        status,
    )


def _handle_uploads(
    response: Response, visible: list[Any], errors: dict[str, str]
) -> dict[str, list[int]]:
    """Store this page's uploads; returns all file ids per file question (old and new)."""
    result: dict[str, list[int]] = {}
    for question in visible:
        if question.type != "file":
            continue
        ids = [f.id for f in files_for(response, question.id)]
        uploads = [f for f in request.files.getlist(question.id) if f and f.filename]
        limit = question.max_files or 10
        if len(ids) + len(uploads) > limit:
            errors[question.id] = _("You can upload up to %(n)d files", n=limit)
            continue
        for upload in uploads:
            try:
                record = store_upload(response, question, upload)
            except UploadRejected as rejected:
                errors[question.id] = (
                    f"{upload.filename}: {rejected}" if upload.filename else str(rejected)
                )
                break
            if record.id not in ids:
                ids.append(record.id)
        if question.required and not ids and question.id not in errors:
            errors[question.id] = _(question.message("required"))
        result[question.id] = ids
    return result


# --- check answers, submit, confirmation -----------------------------------------------


@bp.route("/r/<key>/check", methods=["GET", "POST"])
def check(key: str) -> Rendered:
    response, questionnaire = _load(key)
    progress = svc.Progress.of(questionnaire, response)
    if svc.needs_code(response):
        return redirect(url_for(".code_choice", key=key))
    incomplete = progress.first_incomplete_page()
    form = SubmitForm()
    if request.method == "POST":
        if incomplete is not None:
            # A forged order: submitting before every required page was answered.
            return (
                render_template(
                    "respondent/incomplete.html", key=key, page=incomplete, q=questionnaire
                ),
                422,
            )
        if form.validate_on_submit():
            svc.submit_response(response, progress)
            return redirect(url_for(".done", key=key), code=303)
    elif incomplete is not None:
        return redirect(url_for(".question_page", key=key, page_id=incomplete.id))
    rows = []
    for page in progress.visible_pages():
        for question in progress.visible_questions(page):
            text, number = progress.rows.get(question.id, (None, None))
            rows.append(
                {
                    "question": question,
                    "page": page,
                    "answer": answer_type(question).display(question, text, number),
                }
            )
    status = _status_for(form) if request.method == "POST" else 200
    return (
        render_template("respondent/check.html", form=form, rows=rows, key=key, q=questionnaire),
        status,
    )


@bp.route("/r/<key>/done")
def done(key: str) -> Rendered:
    response, questionnaire = _load(key, allow_submitted=True)
    if response.status != "submitted":
        return redirect(url_for(".resume", key=key))
    code = None
    if response.code_source == "issued":
        code = issued_code(current_app.config["SECRET_KEY"], key)
    return render_template("respondent/done.html", response=response, q=questionnaire, code=code)
