"""Respondent journey: start and consent, respondent code, pages, check answers, confirmation.

A respondent has one session cookie (for the CSRF token) and no account. The session also
remembers, for each collection, the key of the consent form that started a response in this
browser, and a keyed hash of each response's link key deleted from here: the survey and
invitation links lead back to the response only in that browser, and a repeated deletion
finds its confirmation. Other browsers need the respondent's own resume link (/r/<key>).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
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
from svcollect.web import respondent_session as memory
from svcollect.web.form_pages import form_status, token_failed

bp = Blueprint("respond", __name__)
# Respondent forms check their own CSRF token so that a timed-out page can be shown again
# with everything the person typed, instead of a bare 400.
csrf.exempt(bp)

Rendered = str | WerkzeugResponse | tuple[str, int]


#: which link a respondent followed, for saying what to check when it does not work
_LINKS = {"respond.start_open": "survey", "respond.start_invitation": "invitation"}


@bp.errorhandler(svc.AccessDenied)
def access_denied(error: svc.AccessDenied) -> tuple[str, int]:
    return (
        render_template(
            "respondent/unavailable.html",
            kind=error.kind,
            collection=error.collection,
            link=_LINKS.get(request.endpoint or "", "resume"),
            withdraw=_unsubmitted_withdrawal(error),
        ),
        error.status,
    )


def _unsubmitted_withdrawal(error: svc.AccessDenied) -> str | None:
    """Where someone whose answers were saved but not submitted when the survey closed can
    delete them (withdrawing has no deadline); None for anyone else."""
    key = (request.view_args or {}).get("key")
    if error.kind != "closed" or not isinstance(key, str):
        return None
    response = svc.response_by_resume_key(key)
    if response is None or response.status != "in_progress":
        return None
    return url_for(".withdraw", key=key) if withdrawals.withdrawable(response) else None


# --- start and consent -----------------------------------------------------------------


@bp.route("/s/<public_id>", methods=["GET", "POST"])
def start_open(public_id: str) -> Rendered:
    """The survey link. A browser that already started a response to it, unfinished, is
    offered to continue or to start again, never a second response without saying so."""
    collection = svc.open_link_collection(public_id)
    svc.check_open(collection)
    started = _in_progress_here(collection)
    if started is None:
        return _start(collection, action=url_for(".start_open", public_id=public_id))
    key, response = started
    if request.method == "POST":  # consent sent from a start page opened before
        return redirect(url_for(".resume", key=key), code=303)
    restart = None
    if withdrawals.withdrawable(response):
        restart = url_for(".withdraw", key=key, restart=public_id)
    return render_template(
        "respondent/continue.html",
        questionnaire=questionnaire_for(collection.questionnaire_version),
        collection=collection,
        resume=url_for(".resume", key=key),
        restart=restart,
    )


def _in_progress_here(collection: Collection) -> tuple[str, Response] | None:
    """The unfinished response to `collection` this browser started, with its resume key."""
    form_key = memory.recently_active_here(collection.id)
    if form_key is None:
        return None
    key = svc.resume_key_for(form_key)
    response = svc.response_by_resume_key(key)
    if response is None or response.collection_id != collection.id:
        return None
    return (key, response) if response.status == "in_progress" else None


def _view_arg(name: str) -> Callable[[], str]:
    def key() -> str:
        return f"{name}:{(request.view_args or {}).get(name, '')}"

    return key


# Guessing invitation tokens is slowed per address; submitting is limited per response, so
# a whole workforce behind one office address is never blocked.
@bp.route("/i/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SVCOLLECT_INVITATION_RATE_LIMIT"])
def start_invitation(token: str) -> Rendered:
    """An invitation link. Once redeemed it leads to its response only in the browser that
    redeemed it: the manager who issued the link holds the token too."""
    state = svc.invitation_state(token)
    svc.check_open(state.collection)
    if state.response is None:
        return _start(
            state.collection, action=url_for(".start_invitation", token=token), invitation=state
        )
    if not _redeemed_here(state.collection, state.response):
        raise svc.AccessDenied("started", state.collection)
    code = 303 if request.method == "POST" else 302
    return redirect(url_for(".resume", key=state.resume_key), code=code)


def _redeemed_here(collection: Collection, response: Response) -> bool:
    """Whether this browser started `response`: its session says so, or this is the very
    consent form that did, sent again (a double click sends the cookie from before)."""
    if memory.started_in_this_browser(response):
        return True
    if request.method != "POST":
        return False
    form = ConsentForm()
    form_key = form.idempotency_key.data or ""
    if form.validate_on_submit() and svc.started_with(response, form_key):
        memory.remember_start(collection.id, form_key)
        return True
    return False


def _start(
    collection: Collection, action: str, invitation: svc.InvitationState | None = None
) -> Rendered:
    questionnaire = questionnaire_for(collection.questionnaire_version)
    form = ConsentForm()
    if request.method == "GET":
        form.idempotency_key.data = svc.new_token()
    if form.validate_on_submit():
        if form.consent.data != "yes":
            return render_template("respondent/declined.html", questionnaire=questionnaire)
        form_key = form.idempotency_key.data or ""
        resume_key = svc.start_response(collection, questionnaire, form_key, invitation)
        memory.remember_start(collection.id, form_key)
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
        if memory.withdrawn_here(key):  # Back, after deleting the answers here
            abort(redirect(url_for(".withdrawn"), code=303))
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
        if canonical is None:
            form.code.errors = [
                _("Enter the code exactly as it was shown to you, for example 7KQ-2MX-9PD")
            ]
        elif (
            svc.earlier_survey_has(response, canonical) is False and form.checked.data != canonical
        ):
            # Likely mistyped: its answers would pair with nothing. Sent again, it is used.
            form.checked.data = canonical
            form.code.errors = [
                _(
                    "No earlier survey for this contract was given this code. Check it is "
                    "exactly as it was shown to you. If it is, select Continue again"
                )
            ]
        else:
            svc.set_respondent_code(response, canonical, "entered")
            return _after_code(key)
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
    shown = journey.question_page(response, questionnaire, page_id, _urls(key))
    if request.method == "POST":
        memory.saved_here(response)
    return shown


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

    Open even once the collection has closed: withdrawing consent has no deadline. With
    `?restart=<public id>` (from the survey link's "start again") the start page follows.
    A repeat from this browser (a double click, Back) finds the answers already deleted.
    """
    restart = request.args.get("restart")
    response = svc.response_by_resume_key(key)
    if response is None and (memory.withdrawn_here(key) or _withdrawal_sent_again(key)):
        return redirect(_after_withdrawal(restart), code=303)
    if response is None or not withdrawals.withdrawable(response):
        raise svc.AccessDenied("unknown")
    collection = response.collection
    # Starting again is offered from a survey link, before submitting.
    open_link = collection.access == "open" and response.status == "in_progress"
    restart = restart if open_link and restart == collection.public_id else None
    form = WithdrawOwnForm()
    if form.validate_on_submit():
        collection_id, started_here = collection.id, memory.started_in_this_browser(response)
        withdrawals.withdraw_own(response)
        memory.remember_withdrawal(key, collection_id, started_here)
        return redirect(_after_withdrawal(restart), code=303)
    back = (
        url_for(".done", key=key) if response.status == "submitted" else url_for(".resume", key=key)
    )
    questionnaire = questionnaire_for(collection.questionnaire_version)
    status = form_status(form)
    return render_template(
        "respondent/withdraw.html",
        form=form,
        q=questionnaire,
        back=back,
        response=response,
        restart=restart,
        mark=svc.link_mark(key),
    ), status


def _withdrawal_sent_again(key: str) -> bool:
    """The deletion form of this link, sent again once the answers are gone: a double click
    sends the session cookie from before the first click was answered."""
    if request.method != "POST" or not WithdrawOwnForm().validate_on_submit():
        return False
    return hmac.compare_digest(request.form.get("mark", "").encode(), svc.link_mark(key).encode())


def _after_withdrawal(restart: str | None) -> str:
    # Only ever the start page of a survey link, which checks the id itself.
    return url_for(".start_open", public_id=restart) if restart else url_for(".withdrawn")


@bp.route("/withdrawn")
def withdrawn() -> str:
    return render_template("respondent/withdrawn.html")
