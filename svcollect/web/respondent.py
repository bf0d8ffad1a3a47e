"""Respondent journey: start and consent, respondent code, pages, check answers, confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import csrf, limiter
from svcollect.forms.respondent import (
    CodeChoiceForm,
    ConsentForm,
    EnterCodeForm,
    MemorableCodeForm,
    WithdrawOwnForm,
)
from svcollect.models import Collection, Response
from svcollect.questionnaires import Questionnaire
from svcollect.services import responses as svc
from svcollect.services import withdrawals
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.respondent_codes import issued_code, memorable_code, normalise_code
from svcollect.web import journey
from svcollect.web.form_pages import form_status, token_failed

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


# --- start and consent -----------------------------------------------------------------


@bp.route("/s/<public_id>", methods=["GET", "POST"])
def start_open(public_id: str) -> Rendered:
    collection = svc.open_link_collection(public_id)
    svc.check_open(collection)
    return _start(collection, action=url_for(".start_open", public_id=public_id))


def _view_arg(name: str) -> Callable[[], str]:
    def key() -> str:
        return f"{name}:{(request.view_args or {}).get(name, '')}"

    return key


# Guessing invitation tokens is slowed per address; submitting is limited per response, so
# a whole workforce behind one office address is never blocked.
@bp.route("/i/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SVCOLLECT_INVITATION_RATE_LIMIT"])
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
    if request.method == "POST" and token_failed(form):
        form.idempotency_key.data = form.idempotency_key.data or svc.new_token()
    status = form_status(form)
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
    status = form_status(form)
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
    status = form_status(form)
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
    status = form_status(form)
    return (
        render_template("respondent/code_memorable.html", form=form, key=key, q=questionnaire),
        status,
    )


# --- question pages, check answers and submit (shared with the supplier journey) --------


def _urls(key: str) -> journey.JourneyUrls:
    return journey.JourneyUrls(
        page=lambda page_id, **args: url_for(".question_page", key=key, page_id=page_id, **args),
        check=lambda: url_for(".check", key=key),
        done=lambda: url_for(".done", key=key),
        resume=lambda: url_for(".resume", key=key),
        code=lambda: url_for(".code_choice", key=key),
        save_link=url_for(".resume", key=key, _external=True),
        withdraw=lambda: url_for(".withdraw", key=key),
    )


@bp.route("/r/<key>/page/<page_id>", methods=["GET", "POST"])
def question_page(key: str, page_id: str) -> Rendered:
    response, questionnaire = _load(key)
    return journey.question_page(response, questionnaire, page_id, _urls(key))


@bp.route("/r/<key>/check", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SVCOLLECT_SUBMIT_RATE_LIMIT"],
    key_func=_view_arg("key"),
    methods=["POST"],
)
def check(key: str) -> Rendered:
    response, questionnaire = _load(key)
    return journey.check_answers(
        response,
        questionnaire,
        _urls(key),
        lambda progress: svc.submit_response(response, progress),
    )


@bp.route("/r/<key>/done")
def done(key: str) -> Rendered:
    response, questionnaire = _load(key, allow_submitted=True)
    if response.status != "submitted":
        return redirect(url_for(".resume", key=key))
    code = None
    if response.code_source == "issued":
        code = issued_code(current_app.config["SECRET_KEY"], key)
    return render_template(
        "respondent/done.html", response=response, q=questionnaire, code=code, key=key
    )


# --- withdrawing ------------------------------------------------------------------------


@bp.route("/r/<key>/withdraw", methods=["GET", "POST"])
def withdraw(key: str) -> Rendered:
    """The respondent deletes their answers: before submitting, or after, from their link.

    Open even once the collection has closed: withdrawing consent has no deadline.
    """
    response = svc.response_by_resume_key(key)
    if response is None or not withdrawals.withdrawable(response):
        raise svc.AccessDenied("unknown")
    form = WithdrawOwnForm()
    if form.validate_on_submit():
        withdrawals.withdraw_own(response)
        return redirect(url_for(".withdrawn"), code=303)
    back = (
        url_for(".done", key=key) if response.status == "submitted" else url_for(".resume", key=key)
    )
    questionnaire = questionnaire_for(response.collection.questionnaire_version)
    status = form_status(form)
    return render_template(
        "respondent/withdraw.html", form=form, q=questionnaire, back=back, response=response
    ), status


@bp.route("/withdrawn")
def withdrawn() -> str:
    return render_template("respondent/withdrawn.html")
