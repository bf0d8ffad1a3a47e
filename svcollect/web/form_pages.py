"""What every page with a form shares: its status, errors attached to a field, one save
however often it is sent, and the CSRF token checked by the form itself so that a
timed-out page loses nothing.

Flask-WTF's app-wide check answers a stale or missing token with the bare 400 page before
the view runs, and whatever the person typed is gone. A view marked `checks_own_token` is
left out of that check. Its form still checks the token: every FlaskForm does, in
`validate()`, so `validate_on_submit()` is false, nothing is changed, and the page comes
back with what was typed, the "page timed out" message (templates/_errors.html) and a
fresh token, as status 400.

Mark only a view that changes nothing on a POST unless one of its forms validates. A POST
that carries no typed input (a confirmation button) keeps the app-wide check: there is
nothing on it to keep. tests/integration/test_form_tokens.py posts to every marked view
without a token and checks that each answers 400 and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import csrf
from svcollect.services import submissions

F = TypeVar("F", bound=Callable[..., Any])

#: the endpoints of the views marked `checks_own_token`, in the order they were marked
OWN_TOKEN_VIEWS: list[str] = []


def checks_own_token(view: F) -> F:
    """Leave `view` out of the app-wide CSRF check: its form checks the token itself."""
    csrf.exempt(view)
    OWN_TOKEN_VIEWS.append(f"{view.__module__}.{view.__name__}")
    return view


def token_failed(form: Any) -> bool:
    return "csrf_token" in form.errors


def form_status(form: Any, *problems: Any) -> int:
    """200 for a page shown, 400 when a POST's token failed, 422 for any other problem."""
    if request.method != "POST":
        return 200
    if token_failed(form):
        return 400
    return 422 if form.errors or any(problems) else 200


def attach_error(form: Any, field: str | None, message: str) -> None:
    """Show a service's refusal on the field it is about, else on the submit button."""
    target = form[field] if field and field in form else form.submit
    target.errors = [*list(target.errors or []), message]


def repeat_of(form: Any, repeat_goes_to: str) -> WerkzeugResponse | None:
    """For a validated `OnceForm`: None the first time it is sent (its key is now claimed,
    in the transaction that saves it); for a repeat (a double click, a resent form), a
    redirect to `repeat_goes_to`, the page that shows what the first one saved."""
    earlier = submissions.claim(
        current_user._get_current_object(),
        form.submission_key.data,
        request.endpoint or "",
        repeat_goes_to,
    )
    if earlier is None:
        return None
    flash(_("This form was sent more than once: it has been saved once"), "important")
    return redirect(earlier, code=303)
