"""Signing in and out, setting a password from a one-time link, and your own account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import limiter
from svcollect.forms.accounts import ChangePasswordForm, SetPasswordForm, SignInForm
from svcollect.services import accounts
from svcollect.services.accounts import AccountRefused, LinkUnusable, normalise_email
from svcollect.web.form_pages import checks_own_token, form_status

bp = Blueprint("auth", __name__)

Rendered = str | WerkzeugResponse | tuple[str, int]


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else "/" (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def set_password_link(token: str) -> str:
    """The full set-password link: under SVCOLLECT_BASE_URL if set, else this request's host."""
    base = current_app.config.get("SVCOLLECT_BASE_URL")
    if not base and has_request_context():
        return url_for("auth.set_password", token=token, _external=True)
    path = current_app.url_map.bind("localhost").build("auth.set_password", {"token": token})
    return (base or "http://127.0.0.1:5000").rstrip("/") + path


#: where each role lands after signing in when no page was asked for
START_PAGES = {
    "admin": "admin.users",
    "contract_manager": "manage.contracts",
    "supplier_user": "supplier.declarations",
}


def _submitted_email() -> str:
    """Rate-limit key: the email being tried, whichever address it is tried from."""
    return "sign-in-email:" + normalise_email(request.form.get("email", ""))[:254]


def _not_signed_in(response: WerkzeugResponse) -> bool:
    """Only attempts that do not sign anyone in count towards the limits: a team signing in
    from one office address each morning is not held up, a guesser still is."""
    return response.status_code != 303


@bp.route("/sign-in", methods=["GET", "POST"])
@checks_own_token
@limiter.limit("5 per minute", methods=["POST"], deduct_when=_not_signed_in)
@limiter.limit(
    "5 per minute", methods=["POST"], key_func=_submitted_email, deduct_when=_not_signed_in
)
@limiter.limit("50 per hour", methods=["POST"], deduct_when=_not_signed_in)
def sign_in() -> Rendered:
    target = safe_next(request.args.get("next"))
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.sign_in(form.email.data or "", form.password.data or "")
        if user is not None:
            # A fresh session: nothing set before signing in survives it (no fixation).
            session.clear()
            login_user(user)
            if target == "/":  # no page asked for: where this role's work starts
                target = url_for(START_PAGES.get(user.role, "main.index"))
            return redirect(target, code=303)
        # The same words whether the account is unknown, inactive or the password wrong.
        form.email.errors = [_("Enter a correct email address and password")]
    status = form_status(form)
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> WerkzeugResponse:
    if current_user.is_authenticated:
        accounts.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for(".signed_out"), code=303)


@bp.route("/signed-out")
def signed_out() -> str:
    return render_template("auth/signed_out.html")


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@checks_own_token
def set_password(token: str) -> Rendered:
    try:
        user = accounts.user_for_link(token)
    except LinkUnusable as unusable:
        return _unusable(unusable)
    form = SetPasswordForm(email=user.email)
    if form.validate_on_submit():
        try:
            accounts.set_password(token, form.password.data or "")
        except LinkUnusable as unusable:
            return _unusable(unusable)
        except AccountRefused as refusal:
            form.password.errors = [str(refusal)]
        else:
            return redirect(url_for(".password_set"), code=303)
    status = form_status(form)
    return render_template("auth/set_password.html", form=form, user=user), status


@bp.route("/password-set")
def password_set() -> str:
    return render_template("auth/password_set.html")


def _unusable(unusable: LinkUnusable) -> tuple[str, int]:
    expired = unusable.status == 410
    return render_template("auth/link_unusable.html", expired=expired), unusable.status


def _signed_in_user_key() -> str:
    """Rate-limit key for changing a password: the account, whichever address it is from."""
    return f"change-password:{current_user.get_id()}"


@bp.route("/account")
@login_required
def account() -> str:
    return render_template("auth/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@checks_own_token
@login_required
@limiter.limit("5 per minute", methods=["POST"], key_func=_signed_in_user_key)
@limiter.limit("20 per hour", methods=["POST"], key_func=_signed_in_user_key)
def change_password() -> Rendered:
    user = current_user._get_current_object()
    form = ChangePasswordForm(email=user.email)
    if form.validate_on_submit():
        try:
            accounts.change_password(user, form.current.data or "", form.password.data or "")
        except AccountRefused as refusal:
            form[refusal.field or "current"].errors = [str(refusal)]
        else:
            # This session carries on under the new session version; every other one ends.
            session.clear()
            login_user(user)
            flash(_("Your password has been changed and you are signed out everywhere else"))
            return redirect(url_for(".account"), code=303)
    status = form_status(form)
    return render_template("auth/change_password.html", form=form, user=user), status
