"""Commitments made at bid: added, changed or removed by the buyer (others may look)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from svcollect.charts.figure import with_unit
from svcollect.extensions import db
from svcollect.forms.manage import (
    CommitmentChangeForm,
    CommitmentForm,
    RemoveCommitmentForm,
    read_version,
)
from svcollect.services import commitments as commitments_svc
from svcollect.services import contracts as contracts_svc
from svcollect.services.outcomes import outcome_map
from svcollect.web.access import role_required
from svcollect.web.errors import render_error
from svcollect.web.form_pages import attach_error, checks_own_token, form_status, repeat_of
from svcollect.web.manage import MANAGERS, Rendered, bp, managed_contract


def _commitment_page(
    contract: Any,
    form: Any,
    heading: str,
    save: Callable[..., str],
    saved_now: Callable[[], Any] | None = None,
) -> Rendered:
    """The add and change pages share one form; ``save(measure_code, unit, target, due_on,
    known_measures)`` makes the change and says what it did. After an edit conflict the
    page shows ``saved_now()``, the terms as saved now, and the form their version."""
    outcomes = outcome_map()
    form.measure_code.choices = outcomes.measure_choices()
    conflict = None
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".contract", contract_id=contract.id))) is not None:
            return repeat
        measure = outcomes.measure(form.measure_code.data)
        try:
            message = save(
                form.measure_code.data,
                measure.unit,
                form.target.data,
                form.due_on.data,
                set(outcomes.measures),
            )
        except contracts_svc.ContractRefused as refused:
            db.session.rollback()
            attach_error(form, refused.field, str(refused))
            if isinstance(refused, contracts_svc.EditConflict) and saved_now is not None:
                conflict = saved_now()
        else:
            flash(message)
            return redirect(url_for(".contract", contract_id=contract.id), code=303)
    page = render_template(
        "manage/commitment_new.html",
        form=form,
        contract=contract,
        heading=heading,
        saved_now=conflict,
    )
    return page, form_status(form)


@bp.route("/contracts/<int:contract_id>/commitments/new", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def add_commitment(contract_id: int) -> Rendered:
    contract = managed_contract(contract_id)
    if not contracts_svc.may_change(current_user, contract):
        abort(403)  # the prime supplier does not set the targets it is held to

    def save(*terms: Any) -> str:
        commitments_svc.add_commitment(current_user, contract, *terms)
        return _("Commitment added")

    return _commitment_page(contract, CommitmentForm(), _("Add a commitment made at bid"), save)


def _commitment(commitment_id: int) -> Any:
    """A commitment on a contract this user may manage, and changes (else 403, 404, or 410
    when it was removed: see commitment_removed)."""
    commitment = commitments_svc.commitment_for(current_user, commitment_id)
    if commitment is None:
        raise commitments_svc.CommitmentRemoved(commitment_id)
    contract = managed_contract(commitment.contract_id)
    if not contracts_svc.may_change(current_user, contract):
        abort(403)
    return commitment, contract


@bp.route("/commitments/<int:commitment_id>/change", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def change_commitment(commitment_id: int) -> Rendered:
    commitment, contract = _commitment(commitment_id)
    saved = {
        "measure_code": commitment.measure_code,
        "target": commitment.target,
        "due_on": commitment.due_on,
        "version": str(commitment.version),
    }
    form = CommitmentChangeForm(data=saved if request.method == "GET" else None)

    def save(*terms: Any) -> str:
        changes = commitments_svc.change_commitment(
            current_user, commitment, *terms, read_version=read_version(form)
        )
        return _("Commitment saved") if changes else _("No changes to save")

    def saved_now() -> list[tuple[str, str]]:
        # What they typed stays in the form; it now carries the version saved, so saving
        # again is a choice made knowingly (as for a contract's terms).
        form.version.data = str(commitment.version)
        measure = outcome_map().measures.get(commitment.measure_code)
        return [
            (_("Measure"), measure.title if measure else commitment.measure_code),
            (_("Target"), with_unit(commitment.target, commitment.unit)),
            (_("Due date"), contracts_svc.long_day(commitment.due_on)),
        ]

    return _commitment_page(contract, form, _("Change a commitment made at bid"), save, saved_now)


@bp.route("/commitments/<int:commitment_id>/remove", methods=["GET", "POST"])
@role_required(*MANAGERS)
def remove_commitment(commitment_id: int) -> Rendered:
    commitment, contract = _commitment(commitment_id)
    form = RemoveCommitmentForm()
    if request.method == "GET":
        form.version.data = str(commitment.version)
    elif form.validate_on_submit():
        try:
            commitments_svc.remove_commitment(
                current_user, commitment, read_version=read_version(form)
            )
        except contracts_svc.EditConflict:
            db.session.rollback()
            # The page now shows the commitment as saved, and its version: removing it
            # after reading that is a choice made knowingly.
            attach_error(
                form,
                "submit",
                _(
                    "Someone else changed this commitment since you opened this page, so it "
                    "has not been removed. Check it as it is saved now, then remove it if "
                    "you still want to"
                ),
            )
            form.version.data = str(commitment.version)
        else:
            flash(_("Commitment removed"))
            return redirect(url_for(".contract", contract_id=contract.id), code=303)
    return render_template(
        "manage/commitment_remove.html",
        form=form,
        contract=contract,
        commitment=commitment,
        measure=outcome_map().measures.get(commitment.measure_code),
    ), form_status(form)


@bp.errorhandler(commitments_svc.CommitmentRemoved)
def commitment_removed(error: commitments_svc.CommitmentRemoved) -> Rendered:
    """A change or removal of a commitment removed since the page was read (in another
    tab, or by a colleague): say so, and when, rather than "Page not found". Nothing of
    the save is kept. A commitment that never was, or is on a contract that is not this
    user's to manage, is still a 404."""
    db.session.rollback()
    removal = commitments_svc.removal_of(current_user, error.commitment_id)
    if removal is None:
        return render_error(404)
    return render_template(
        "manage/commitment_removed.html",
        removal=removal,
        measure=outcome_map().measures.get(removal.measure_code),
    ), 410
