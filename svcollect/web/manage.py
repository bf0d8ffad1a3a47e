"""Contract managers: contracts, their suppliers and commitments, and collections."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import db
from svcollect.forms.manage import (
    CollectionForm,
    CommitmentChangeForm,
    CommitmentForm,
    ConfirmForm,
    ConfirmWithdrawForm,
    ContractChangeForm,
    ContractForm,
    InvitationsForm,
    LicenceForm,
    SupplierForm,
    WithdrawForm,
)
from svcollect.models import Organisation, QuestionnaireVersion
from svcollect.models._types import utcnow
from svcollect.services import audit, retention, withdrawals
from svcollect.services import collections as collections_svc
from svcollect.services import contracts as contracts_svc
from svcollect.services import declarations as declarations_svc
from svcollect.services.outcomes import outcome_map
from svcollect.services.questionnaires import questionnaire_for
from svcollect.web.access import found_or_404, role_required

bp = Blueprint("manage", __name__, url_prefix="/manage")
MANAGERS = ("admin", "contract_manager")
Rendered = str | WerkzeugResponse | tuple[str, int]


def _organisations(*kinds: str) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.kind.in_(kinds)).order_by(Organisation.name)
        )
    )


def _status(form: Any) -> int:
    return 422 if request.method == "POST" and form.errors else 200


# --- contracts ---------------------------------------------------------------------------


@bp.route("/")
@role_required(*MANAGERS)
def contracts() -> str:
    return render_template(
        "manage/contracts.html", contracts=contracts_svc.visible_contracts(current_user)
    )


@bp.route("/contracts/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_contract() -> Rendered:
    form = ContractForm()
    buyers = _organisations("buyer")
    if current_user.role != "admin":
        own = current_user.organisation_id
        buyers = [o for o in buyers if o.id == own] or buyers
    form.buyer_id.choices = [(o.id, o.name) for o in buyers]
    outcomes = _term_choices(form)
    if form.validate_on_submit():
        details = contracts_svc.ContractDetails(
            reference=form.reference.data,
            title=form.title.data,
            buyer_id=form.buyer_id.data,
            prime_supplier_id=form.prime_supplier_id.data or None,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            value_gbp=form.value_gbp.data,
            outcome_codes=tuple(form.outcome_codes.data or ()),
        )
        try:
            contract = contracts_svc.create_contract(current_user, details, set(outcomes.outcomes))
        except contracts_svc.ContractRefused as refused:
            _attach(form, refused.field, str(refused))
        else:
            flash(_("Contract %(ref)s added", ref=contract.reference))
            return redirect(url_for(".contract", contract_id=contract.id), code=303)
    return render_template("manage/contract_new.html", form=form), _status(form)


def _term_choices(form: Any) -> Any:
    """Fill the choices a contract's terms are picked from; the outcome map they came from."""
    primes = _organisations("prime_supplier")
    form.prime_supplier_id.choices = [(0, _("None yet"))] + [(o.id, o.name) for o in primes]
    outcomes = outcome_map()
    form.outcome_codes.choices = outcomes.outcome_choices()
    return outcomes


@bp.route("/contracts/<int:contract_id>/change", methods=["GET", "POST"])
@role_required(*MANAGERS)
def change_contract(contract_id: int) -> Rendered:
    """The buyer changes a contract's terms: a correction, an extension, a new prime supplier."""
    contract = _contract(contract_id)
    if not contracts_svc.may_change(current_user, contract):
        abort(403)
    deletion = contracts_svc.deletion_for(contract.id)
    form = ContractChangeForm(
        data={
            "reference": contract.reference,
            "title": contract.title,
            "prime_supplier_id": contract.prime_supplier_id or 0,
            "starts_on": contract.starts_on,
            "ends_on": contract.ends_on,
            "value_gbp": contract.value_gbp,
            "outcome_codes": contracts_svc.contract_outcomes(contract),
        }
        if request.method == "GET"
        else None
    )
    if deletion is not None:  # the dates are fixed: the deletion was decided on them
        del form["starts_on"], form["ends_on"]
    outcomes = _term_choices(form)
    if form.validate_on_submit():
        change = contracts_svc.ContractDetails(
            reference=form.reference.data,
            title=form.title.data,
            buyer_id=contract.buyer_id,
            prime_supplier_id=form.prime_supplier_id.data or None,
            starts_on=form.starts_on.data if deletion is None else contract.starts_on,
            ends_on=form.ends_on.data if deletion is None else contract.ends_on,
            value_gbp=form.value_gbp.data,
            outcome_codes=tuple(form.outcome_codes.data or ()),
        )
        try:
            changes = contracts_svc.change_contract(
                current_user,
                contract,
                change,
                set(outcomes.outcomes),
                retention_days=retention.retention_days(),
                today=retention.uk_today(),
                deletion_confirmed=bool(form.deletion_confirmed.data),
            )
        except contracts_svc.ContractRefused as refused:
            db.session.rollback()
            _attach(form, refused.field, str(refused))
        else:
            flash(_("Contract details saved") if changes else _("No changes to save"))
            return redirect(url_for(".contract", contract_id=contract.id), code=303)
    ends_on = form.ends_on.data if deletion is None and request.method == "POST" else None
    kept_until = ends_on and contracts_svc.deletion_brought_forward(
        contract, ends_on, retention.retention_days(), retention.uk_today()
    )
    return render_template(
        "manage/contract_change.html",
        form=form,
        contract=contract,
        deletion=deletion,
        retention_days=retention.retention_days(),
        kept_until=kept_until,
        held=retention.responses_held(contract) if kept_until else 0,
    ), _status(form)


def _attach(form: Any, field: str | None, message: str) -> None:
    target = form[field] if field and field in form else form.submit
    target.errors = [*list(target.errors or []), message]


def _contract(contract_id: int) -> Any:
    return found_or_404(contracts_svc.contract_for(current_user, contract_id))


@bp.route("/contracts/<int:contract_id>")
@role_required(*MANAGERS)
def contract(contract_id: int) -> str:
    contract = _contract(contract_id)
    collections = collections_svc.collections_of(contract)
    outcomes = outcome_map()
    return render_template(
        "manage/contract.html",
        contract=contract,
        collections=collections,
        counts=collections_svc.response_counts([c.id for c in collections]),
        suppliers=contracts_svc.suppliers_of(contract),
        commitments=contracts_svc.commitments_of(contract),
        outcomes=[outcomes.outcome(code) for code in contracts_svc.contract_outcomes(contract)],
        measures=outcomes,
        now=utcnow(),
        deletion=contracts_svc.deletion_for(contract.id),
        kept_until=retention.kept_until(contract),
        may_change=contracts_svc.may_change(current_user, contract),
    )


@bp.route("/contracts/<int:contract_id>/suppliers/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def add_supplier(contract_id: int) -> Rendered:
    contract = _contract(contract_id)
    form = SupplierForm()
    form.organisation_id.choices = [(o.id, o.name) for o in _organisations("supplier")]
    if form.validate_on_submit():
        try:
            supplier = contracts_svc.add_supplier(current_user, contract, form.organisation_id.data)
        except contracts_svc.ContractRefused as refused:
            _attach(form, refused.field, str(refused))
        else:
            flash(_("%(name)s added to the contract", name=supplier.name))
            return redirect(url_for(".contract", contract_id=contract.id), code=303)
    return render_template("manage/supplier_new.html", form=form, contract=contract), _status(form)


def _withdraw_again(contract: Any, given: str | None, problem: str) -> tuple[str, int]:
    """The first page again, with what was entered and why it has to be entered again."""
    form = WithdrawForm(formdata=None, given=given)
    _attach(form, "given", problem)
    return render_template("manage/withdraw.html", form=form, contract=contract), 422


def _nothing_matches(advice: str) -> str:
    return _("No answers on this contract match that reference or respondent code.") + " " + advice


@bp.route("/contracts/<int:contract_id>/withdraw", methods=["GET", "POST"])
@role_required(*MANAGERS)
def withdraw(contract_id: int) -> Rendered:
    """Step 1 of 2: find a respondent's responses from what they gave; then confirm."""
    contract = _contract(contract_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            found = withdrawals.find(contract, form.given.data)
        except withdrawals.NotFound:
            _attach(form, "given", _nothing_matches(_("Check it with the respondent.")))
        else:
            confirm = ConfirmWithdrawForm(formdata=None, given=form.given.data)
            return render_template(
                "manage/withdraw_confirm.html", contract=contract, found=found, form=confirm
            )
    return render_template("manage/withdraw.html", form=form, contract=contract), _status(form)


@bp.route("/contracts/<int:contract_id>/withdraw/confirm", methods=["POST"])
@role_required(*MANAGERS)
def withdraw_confirm(contract_id: int) -> Rendered:
    """Step 2 of 2: delete. A repeat finds nothing and says so on the first page."""
    contract = _contract(contract_id)
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


def _commitment_page(contract: Any, form: Any, heading: str, save: Callable[..., str]) -> Rendered:
    """The add and change pages share one form; ``save(measure_code, unit, target, due_on,
    known_measures)`` makes the change and says what it did."""
    outcomes = outcome_map()
    form.measure_code.choices = outcomes.measure_choices()
    if form.validate_on_submit():
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
            _attach(form, refused.field, str(refused))
        else:
            flash(message)
            return redirect(url_for(".contract", contract_id=contract.id), code=303)
    page = render_template(
        "manage/commitment_new.html", form=form, contract=contract, heading=heading
    )
    return page, _status(form)


@bp.route("/contracts/<int:contract_id>/commitments/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def add_commitment(contract_id: int) -> Rendered:
    contract = _contract(contract_id)

    def save(*terms: Any) -> str:
        contracts_svc.add_commitment(current_user, contract, *terms)
        return _("Commitment added")

    return _commitment_page(contract, CommitmentForm(), _("Add a commitment made at bid"), save)


def _commitment(commitment_id: int) -> Any:
    """A commitment on a contract this user may manage, and changes (else 403/404)."""
    commitment = found_or_404(contracts_svc.commitment_for(current_user, commitment_id))
    contract = _contract(commitment.contract_id)
    if not contracts_svc.may_change(current_user, contract):
        abort(403)
    return commitment, contract


@bp.route("/commitments/<int:commitment_id>/change", methods=["GET", "POST"])
@role_required(*MANAGERS)
def change_commitment(commitment_id: int) -> Rendered:
    commitment, contract = _commitment(commitment_id)
    saved = {
        "measure_code": commitment.measure_code,
        "target": commitment.target,
        "due_on": commitment.due_on,
    }
    form = CommitmentChangeForm(data=saved if request.method == "GET" else None)

    def save(*terms: Any) -> str:
        changes = contracts_svc.change_commitment(current_user, commitment, *terms)
        return _("Commitment saved") if changes else _("No changes to save")

    return _commitment_page(contract, form, _("Change a commitment made at bid"), save)


@bp.route("/commitments/<int:commitment_id>/remove", methods=["GET", "POST"])
@role_required(*MANAGERS)
def remove_commitment(commitment_id: int) -> Rendered:
    commitment, contract = _commitment(commitment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        contracts_svc.remove_commitment(current_user, commitment)
        flash(_("Commitment removed"))
        return redirect(url_for(".contract", contract_id=contract.id), code=303)
    return render_template(
        "manage/commitment_remove.html",
        form=form,
        contract=contract,
        commitment=commitment,
        measure=outcome_map().measures.get(commitment.measure_code),
    ), _status(form)


# --- collections -------------------------------------------------------------------------


def _released_choices() -> list[tuple[str, str]]:
    rows = db.session.scalars(
        select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version
        )
    )
    return [(str(v.id), f"{v.title} (v{v.version})") for v in rows]


@bp.route("/contracts/<int:contract_id>/collections/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_collection(contract_id: int) -> Rendered:
    contract = _contract(contract_id)
    form = CollectionForm()
    form.questionnaire.choices = _released_choices()
    if form.validate_on_submit():
        version = db.session.get(QuestionnaireVersion, int(form.questionnaire.data))
        opens_at, closes_at = collections_svc.uk_day_bounds(form.opens_on.data, form.closes_on.data)
        access = "supplier" if form.audience.data == "supplier" else form.access.data or "open"
        licensee = current_user.organisation or contract.buyer
        try:
            collection = collections_svc.open_collection(
                collections_svc.CollectionRequest(
                    contract=contract,
                    version=found_or_404(version),
                    audience=form.audience.data,
                    wave=form.wave.data,
                    label=form.label.data,
                    opens_at=opens_at,
                    closes_at=closes_at,
                    access=access,
                ),
                licensee=licensee,
                actor=current_user,
            )
        except collections_svc.CollectionRefused as refused:
            form.questionnaire.errors = [str(refused)]
        else:
            flash(_("Collection opened"))
            return redirect(url_for(".collection", collection_id=collection.id), code=303)
    return (
        render_template("manage/collection_new.html", form=form, contract=contract),
        _status(form),
    )


def _collection(collection_id: int) -> Any:
    return found_or_404(collections_svc.collection_for(current_user, collection_id))


@bp.route("/collections/<int:collection_id>")
@role_required(*MANAGERS)
def collection(collection_id: int) -> str:
    collection = _collection(collection_id)
    counts = collections_svc.response_counts([collection.id])[collection.id]
    summary = None
    if collection.access == "supplier":
        summary = declarations_svc.adherence_summary(collection)
    return render_template(
        "manage/collection.html",
        collection=collection,
        questionnaire=questionnaire_for(collection.questionnaire_version),
        counts=counts,
        state=collection.state(utcnow()),
        invitations_form=InvitationsForm(),
        confirm_form=ConfirmForm(),
        summary=summary,
        open_link=url_for("respond.start_open", public_id=collection.public_id, _external=True),
    )


@bp.route("/collections/<int:collection_id>/close", methods=["POST"])
@role_required(*MANAGERS)
def close_collection(collection_id: int) -> WerkzeugResponse:
    collection = _collection(collection_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            collections_svc.close_early(current_user, collection)
            flash(_("Collection closed"))
        except collections_svc.CollectionRefused as refused:
            flash(str(refused))
    return redirect(url_for(".collection", collection_id=collection.id), code=303)


@bp.route("/collections/<int:collection_id>/invitations", methods=["POST"])
@role_required(*MANAGERS)
def invitations(collection_id: int) -> Rendered:
    collection = _collection(collection_id)
    form = InvitationsForm()
    if collection.access != "invitation" or not form.validate_on_submit():
        if collection.access != "invitation":
            form.count.errors = [_("This collection uses an open link, not invitations")]
        counts = collections_svc.response_counts([collection.id])[collection.id]
        return (
            render_template(
                "manage/collection.html",
                collection=collection,
                questionnaire=questionnaire_for(collection.questionnaire_version),
                counts=counts,
                state=collection.state(utcnow()),
                invitations_form=form,
                confirm_form=ConfirmForm(),
                summary=None,
                open_link=None,
            ),
            422,
        )
    tokens = collections_svc.issue_invitations(collection, form.count.data, actor=current_user)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["number", "invitation_link"])
    for number, token in enumerate(tokens, start=1):
        link = url_for("respond.start_invitation", token=token, _external=True)
        writer.writerow([number, link])
    name = f"invitations-collection-{collection.id}-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/collections/<int:collection_id>/invite-suppliers", methods=["POST"])
@role_required(*MANAGERS)
def invite_suppliers(collection_id: int) -> WerkzeugResponse:
    collection = _collection(collection_id)
    if ConfirmForm().validate_on_submit():
        try:
            created = declarations_svc.invite_suppliers(current_user, collection)
            flash(_("%(n)d supplier(s) invited to attest", n=len(created)))
        except declarations_svc.DeclarationRefused as refused:
            flash(str(refused))
    return redirect(url_for(".collection", collection_id=collection.id), code=303)


# --- the organisation's licence ----------------------------------------------------------


@bp.route("/licence", methods=["GET", "POST"])
@role_required("contract_manager")
def licence() -> Rendered:
    organisation = current_user.organisation
    form = LicenceForm(data={"licence_ref": organisation.wemwbs_licence_ref})
    if form.validate_on_submit():
        organisation.wemwbs_licence_ref = form.licence_ref.data
        audit.record(
            "licence_recorded",
            actor=current_user,
            obj=organisation,
            organisation_id=organisation.id,
        )
        db.session.commit()
        flash(_("Licence reference saved"))
        return redirect(url_for(".contracts"), code=303)
    return render_template("manage/licence.html", form=form, organisation=organisation), _status(
        form
    )
