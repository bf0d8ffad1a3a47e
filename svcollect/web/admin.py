"""Administration: staff accounts and organisations (administrators only; others get 404)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import db
from svcollect.forms.accounts import ConfirmForm, OrganisationForm, UserForm
from svcollect.forms.manage import read_version
from svcollect.models import User
from svcollect.services import accounts
from svcollect.services import organisations as organisations_svc
from svcollect.services.accounts import AccountRefused, IssuedLink
from svcollect.services.contracts import EditConflict
from svcollect.web.access import found_or_404, role_required
from svcollect.web.auth import set_password_link
from svcollect.web.form_pages import checks_own_token, form_status, repeat_of

bp = Blueprint("admin", __name__, url_prefix="/admin")

Rendered = str | WerkzeugResponse | tuple[str, int]


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _refuse(form: FlaskForm, refusal: AccountRefused | EditConflict) -> None:
    """Show a service's refusal on the field it is about (else the form's first field)."""
    name = refusal.field if refusal.field in form else next(iter(form)).name
    form[name].errors = [*form[name].errors, str(refusal)]


def _show_link(issued: IssuedLink, *, new_account: bool) -> str:
    return render_template(
        "admin/user_link.html",
        user=issued.user,
        link=set_password_link(issued.token),
        expires_at=issued.expires_at,
        new_account=new_account,
    )


# --- users -------------------------------------------------------------------------------


@bp.route("/users")
@role_required("admin")
def users() -> str:
    return render_template("admin/users.html", users=accounts.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@checks_own_token
@role_required("admin")
def new_user() -> Rendered:
    form = UserForm(organisations_svc.list_organisations())
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".users"))) is not None:
            return repeat
        try:
            issued = accounts.create_user(
                form.email.data or "",
                form.name.data or "",
                form.role.data or "",
                form.chosen_organisation_id(),
                actor=_actor(),
            )
        except AccountRefused as refusal:
            db.session.rollback()
            _refuse(form, refusal)
        else:
            return _show_link(issued, new_account=True)
    status = form_status(form)
    return render_template("admin/user_new.html", form=form), status


@bp.route("/users/<int:user_id>")
@role_required("admin")
def user(user_id: int) -> str:
    account = found_or_404(accounts.get_user(user_id))
    return render_template("admin/user.html", account=account, is_self=account.id == _actor().id)


@bp.route("/users/<int:user_id>/new-link", methods=["GET", "POST"])
@role_required("admin")
def new_link(user_id: int) -> Rendered:
    account = found_or_404(accounts.get_user(user_id))
    form = ConfirmForm()
    problem = None
    if form.validate_on_submit():
        try:
            issued = accounts.issue_set_password_link(account, actor=_actor())
        except AccountRefused as refusal:
            problem = str(refusal)
        else:
            return _show_link(issued, new_account=False)
    return _confirm(form, account, "new_link", problem)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@role_required("admin")
def deactivate(user_id: int) -> Rendered:
    account = found_or_404(accounts.get_user(user_id))
    form = ConfirmForm()
    problem = None
    if form.validate_on_submit():
        try:
            accounts.deactivate_user(account, actor=_actor())
        except AccountRefused as refusal:
            problem = str(refusal)
        else:
            return redirect(url_for(".user", user_id=account.id), code=303)
    return _confirm(form, account, "deactivate", problem)


def _confirm(form: ConfirmForm, account: User, action: str, problem: str | None) -> Rendered:
    status = form_status(form, problem)
    html = render_template(
        "admin/confirm.html", form=form, account=account, action=action, problem=problem
    )
    return html, status


# --- organisations -----------------------------------------------------------------------


@bp.route("/organisations")
@role_required("admin")
def organisations() -> str:
    return render_template(
        "admin/organisations.html", organisations=organisations_svc.list_organisations()
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@checks_own_token
@role_required("admin")
def new_organisation() -> Rendered:
    form = OrganisationForm()
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".organisations"))) is not None:
            return repeat
        try:
            organisations_svc.create_organisation(form.details(), actor=_actor())
        except AccountRefused as refusal:
            db.session.rollback()
            _refuse(form, refusal)
        else:
            return redirect(url_for(".organisations"), code=303)
    return _organisation_page(form, None)


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@checks_own_token
@role_required("admin")
def edit_organisation(organisation_id: int) -> Rendered:
    organisation = found_or_404(organisations_svc.get_organisation(organisation_id))
    form = OrganisationForm()
    if not form.is_submitted():
        form.fill(organisation)
    saved_now = None
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".organisations"))) is not None:
            return repeat
        try:
            organisations_svc.update_organisation(
                organisation, form.details(), actor=_actor(), read_version=read_version(form)
            )
        except EditConflict as conflict:
            # What they typed stays in the form; what is saved now is shown beside it, and
            # the form now carries that version, so saving again is a choice made knowingly.
            db.session.rollback()
            _refuse(form, conflict)
            form.version.data = str(organisation.version)
            saved_now = _saved_now(organisation)
        except AccountRefused as refusal:
            db.session.rollback()
            _refuse(form, refusal)
        else:
            return redirect(url_for(".organisations"), code=303)
    return _organisation_page(form, organisation, saved_now)


def _saved_now(organisation: Any) -> list[tuple[str, str]]:
    """An organisation's settings as saved now (worded as the organisations list), to
    show beside what was typed after an edit conflict."""
    kinds = {"buyer": _("Buyer"), "prime_supplier": _("Prime supplier"), "supplier": _("Supplier")}
    count = organisation.employee_count
    return [
        (_("Name"), organisation.name),
        (_("Kind"), kinds[organisation.kind]),
        (_("Employees"), _("Not recorded") if count is None else f"{count:,}"),
        (_("SME"), _("Yes") if organisation.is_sme else _("No")),
        (_("VCSE"), _("Yes") if organisation.is_vcse else _("No")),
        (_("WEMWBS licence"), organisation.wemwbs_licence_ref or _("Not recorded")),
    ]


def _organisation_page(
    form: OrganisationForm, organisation: Any, saved_now: list[tuple[str, str]] | None = None
) -> Rendered:
    status = form_status(form)
    html = render_template(
        "admin/organisation_form.html", form=form, organisation=organisation, saved_now=saved_now
    )
    return html, status
