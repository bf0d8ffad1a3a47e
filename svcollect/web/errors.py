"""Error pages written for the person who sees them; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from svcollect.extensions import db
from svcollect.services.questionnaires import QuestionnaireUnavailable

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("There is a problem with your request"), _("Go back and try again.")),
        403: (_("You cannot see this page"), _("Check that you are using the right link.")),
        404: (
            _("Page not found"),
            _(
                "If you typed the web address, check it is correct. "
                "If you pasted it, check you copied the whole address."
            ),
        ),
        405: (_("There is a problem with your request"), _("Go back and try again.")),
        410: (_("This page is no longer available"), _("The link has expired or been used.")),
        413: (
            _("The file or form you sent is too large"),
            _(
                "Go back and choose a smaller file (up to %(mb)d MB). "
                "Nothing you saved before has been lost."
            ),
        ),
        422: (_("There is a problem with your answers"), _("Go back and check your answers.")),
        429: (
            _("Too many attempts"),
            _("Wait a minute, then try again."),
        ),
        500: (
            _("Sorry, there is a problem with the service"),
            _("Try again later. Answers you saved before this page have not been lost."),
        ),
        503: (
            _("Sorry, the service is unavailable"),
            _(
                "Try again in a few minutes. Answers you saved before this page have not "
                "been lost, and what you were sending was not saved, so send it again."
            ),
        ),
    }


def render_error(status: int) -> tuple[str, int]:
    from flask import current_app

    title, body = _messages().get(status, _messages()[500] if status >= 500 else _messages()[400])
    if status == 413:
        body = body % {"mb": current_app.config["SVCOLLECT_MAX_UPLOAD_BYTES"] // (1024 * 1024)}
    return render_template("errors/error.html", title=title, body=body, status=status), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
        # The whole window is an upper bound on the wait: always true, and one number
        # without another round trip to the limit store.
        retry_after = max(1, int(error.limit.limit.get_expiry()))
        page, status = render_error(429)
        return page, status, {"Retry-After": str(retry_after)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: Exception) -> tuple[str, int]:
        log.warning(
            "database error on %s %s: %s", request.method, request.path, type(error).__name__
        )
        try:
            db.session.rollback()
        except Exception:
            log.debug("rollback after database error failed", exc_info=True)
        return render_error(503)

    @app.errorhandler(QuestionnaireUnavailable)
    def questionnaire_unavailable(error: QuestionnaireUnavailable) -> tuple[str, int]:
        # Start-up refuses a missing file that collections use; this is reached only when
        # it could not read the database then. No stack trace: the cause is known.
        log.error(
            "%s %s needs questionnaire %s version %d, whose file is missing: restore "
            "%s/v%d.yaml in the questionnaires folder",
            request.method,
            request.path,
            error.questionnaire_id,
            error.version,
            error.questionnaire_id,
            error.version,
        )
        _rollback()
        page = render_template(
            "errors/error.html",
            title=_("Sorry, this questionnaire is not available"),
            body=_("Try again later. Answers you saved before this page have not been lost."),
            status=503,
        )
        return page, 503

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        # A failed flush leaves the session unusable; the error page may read from it.
        _rollback()
        return render_error(500)


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback after an error failed", exc_info=True)
