"""Withdrawal: a manager deletes a respondent's answers from the reference or code they give."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from svcollect.extensions import limiter
from svcollect.forms.manage import (
    ConfirmWithdrawForm,
    WithdrawForm,
)
from svcollect.services import withdrawals
from svcollect.services.contracts import may_change
from svcollect.web.access import role_required
from svcollect.web.form_pages import attach_error, checks_own_token, form_status
from svcollect.web.manage import MANAGERS, Rendered, bp, managed_contract


def _withdraw_again(contract: Any, given: str | None, problem: str) -> tuple[str, int]:
    """The first page again, with what was entered and why it has to be entered again."""
    form = WithdrawForm(formdata=None, given=given)
    attach_error(form, "given", problem)
    return render_template("manage/withdraw.html", form=form, contract=contract), 422


def _nothing_matches(advice: str) -> str:
    return _("No answers on this contract match that reference or respondent code.") + " " + advice


def _buyers_contract(contract_id: int) -> Any:
    """The contract, for the buyer's side only: the prime supplier employs the workforce,
    and finding answers by a code would tell it whether a named person took part (a
    memorable code can be made up from what a colleague knows)."""
    contract = managed_contract(contract_id)
    if not may_change(current_user, contract):
        abort(403)
    return contract


def _finder_key() -> str:
    return f"withdraw-find:{current_user.get_id()}"


@bp.route("/contracts/<int:contract_id>/withdraw", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
# Each search says whether a code answered: a handful an hour is plenty for real requests.
@limiter.limit("30 per hour", methods=["POST"], key_func=_finder_key)
def withdraw(contract_id: int) -> Rendered:
    """Step 1 of 2: find a respondent's responses from what they gave; then confirm."""
    contract = _buyers_contract(contract_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            found = withdrawals.find(contract, form.given.data)
        except withdrawals.NotFound:
            attach_error(form, "given", _nothing_matches(_("Check it with the respondent.")))
        else:
            confirm = ConfirmWithdrawForm(formdata=None, given=form.given.data)
            return render_template(
                "manage/withdraw_confirm.html", contract=contract, found=found, form=confirm
            )
    return render_template("manage/withdraw.html", form=form, contract=contract), form_status(form)


@bp.route("/contracts/<int:contract_id>/withdraw/confirm", methods=["POST"])
@role_required(*MANAGERS)
def withdraw_confirm(contract_id: int) -> Rendered:
    """Step 2 of 2: delete. A repeat finds nothing and says so on the first page."""
    contract = _buyers_contract(contract_id)
    confirm = ConfirmWithdrawForm()
    given = confirm.given.data
    if not confirm.validate_on_submit():
        # Only a tampered or expired form gets here: start again from the first page.
        return _withdraw_again(contract, given, _("Enter the reference or respondent code again"))
    try:
        deleted = withdrawals.withdraw(current_user, contract, given)
    except withdrawals.NotFound:
        return _withdraw_again(
            contract, given, _nothing_matches(_("They may have been deleted already."))
        )
    flash(
        ngettext(
            "%(num)d response and its answers deleted",
            "%(num)d responses and their answers deleted",
            deleted,
        )
    )
    return redirect(url_for(".contract", contract_id=contract.id), code=303)
