"""Contracts: the list, adding one, its page, changing its terms, adding suppliers."""

from __future__ import annotations

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

from svcollect.extensions import db
from svcollect.forms.manage import (
    ContractChangeForm,
    ContractForm,
    SupplierForm,
    read_version,
)
from svcollect.models._types import utcnow
from svcollect.services import collections as collections_svc
from svcollect.services import commitments as commitments_svc
from svcollect.services import contracts as contracts_svc
from svcollect.services import retention, submissions
from svcollect.services.outcomes import outcome_map
from svcollect.web.access import role_required
from svcollect.web.form_pages import attach_error, checks_own_token, form_status, repeat_of
from svcollect.web.manage import MANAGERS, Rendered, bp, managed_contract, organisations_of


@bp.route("/")
@role_required(*MANAGERS)
def contracts() -> str:
    return render_template(
        "manage/contracts.html",
        contracts=contracts_svc.visible_contracts(current_user),
        may_add=contracts_svc.may_add_contract(current_user),
    )


@bp.route("/contracts/new", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def new_contract() -> Rendered:
    """A buyer's manager adds a contract for their own organisation; an admin, for any."""
    if not contracts_svc.may_add_contract(current_user):
        # A prime supplier's manager: the contract would be the buyer's (services.contracts).
        page = render_template(
            "errors/error.html",
            title=_("You cannot add a contract"),
            body=_(
                "Only the buying organisation can add a contract. Ask the buyer to add it "
                "and name your organisation as its prime supplier: it then appears in your "
                "list of contracts."
            ),
            status=403,
        )
        return page, 403
    form = ContractForm()
    own_buyer = None if current_user.role == "admin" else current_user.organisation
    if own_buyer is None:
        form.buyer_id.choices = [(o.id, o.name) for o in organisations_of("buyer")]
    else:
        # Their own organisation, shown and not chosen. Another buyer's id (a forged form)
        # is left for the service to refuse, so that the refusal says why.
        form.buyer_id.choices = [(own_buyer.id, own_buyer.name)]
        form.buyer_id.validate_choice = False
    outcomes = _term_choices(form)
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".contracts"))) is not None:
            return repeat
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
            db.session.rollback()
            attach_error(form, refused.field, str(refused))
        else:
            made = url_for(".contract", contract_id=contract.id)
            submissions.send_repeats_to(current_user, form.submission_key.data, made)
            flash(_("Contract %(ref)s added", ref=contract.reference))
            return redirect(made, code=303)
    page = render_template("manage/contract_new.html", form=form, own_buyer=own_buyer)
    return page, form_status(form)


def _term_choices(form: Any) -> Any:
    """Fill the choices a contract's terms are picked from; the outcome map they came from."""
    primes = organisations_of("prime_supplier")
    form.prime_supplier_id.choices = [(0, _("None yet"))] + [(o.id, o.name) for o in primes]
    outcomes = outcome_map()
    form.outcome_codes.choices = outcomes.outcome_choices()
    return outcomes


@bp.route("/contracts/<int:contract_id>/change", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def change_contract(contract_id: int) -> Rendered:
    """The buyer changes a contract's terms: a correction, an extension, a new prime supplier."""
    contract = managed_contract(contract_id)
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
            "version": str(contract.version),
        }
        if request.method == "GET"
        else None
    )
    conflict = False
    if deletion is not None:  # the dates are fixed: the deletion was decided on them
        del form["starts_on"], form["ends_on"]
    outcomes = _term_choices(form)
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".contract", contract_id=contract.id))) is not None:
            return repeat
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
                read_version=read_version(form),
                deletion_confirmed=bool(form.deletion_confirmed.data),
            )
        except contracts_svc.EditConflict as refused:
            # What they typed stays in the form; what is saved now is shown beside it, and
            # the form now carries that version, so saving again is a choice made knowingly.
            db.session.rollback()
            attach_error(form, refused.field, str(refused))
            form.version.data = str(contract.version)
            conflict = True
        except contracts_svc.ContractRefused as refused:
            db.session.rollback()
            attach_error(form, refused.field, str(refused))
        else:
            if changes:
                flash(_("Contract details saved"))
            else:
                flash(_("No changes to save"), "important")
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
        saved_now=_saved_now(contract, outcomes) if conflict else None,
    ), form_status(form)


def _saved_now(contract: Any, outcomes: Any) -> list[tuple[str, str]]:
    """A contract's terms as saved now, to show beside what was typed after an edit conflict."""
    value = contract.value_gbp
    return [
        (_("Contract reference"), contract.reference),
        (_("Contract title"), contract.title),
        (
            _("Prime supplier"),
            contract.prime_supplier.name if contract.prime_supplier else _("None yet"),
        ),
        (_("Start date"), contracts_svc.long_day(contract.starts_on)),
        (_("End date"), contracts_svc.long_day(contract.ends_on)),
        (_("Contract value"), f"£{value:,.2f}" if value is not None else _("Not recorded")),
        (
            _("Outcomes"),
            ", ".join(
                outcomes.outcomes[code].title if code in outcomes.outcomes else code
                for code in contracts_svc.contract_outcomes(contract)
            )
            or _("None recorded"),
        ),
    ]


@bp.route("/contracts/<int:contract_id>")
@role_required(*MANAGERS)
def contract(contract_id: int) -> str:
    contract = managed_contract(contract_id)
    collections = collections_svc.collections_of(contract)
    outcomes = outcome_map()
    return render_template(
        "manage/contract.html",
        contract=contract,
        collections=collections,
        counts=collections_svc.response_counts([c.id for c in collections]),
        suppliers=contracts_svc.suppliers_of(contract),
        commitments=commitments_svc.commitments_of(contract),
        outcomes=[outcomes.outcome(code) for code in contracts_svc.contract_outcomes(contract)],
        measures=outcomes,
        now=utcnow(),
        deletion=contracts_svc.deletion_for(contract.id),
        kept_until=retention.kept_until(contract),
        may_change=contracts_svc.may_change(current_user, contract),
    )


@bp.route("/contracts/<int:contract_id>/suppliers/new", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def add_supplier(contract_id: int) -> Rendered:
    contract = managed_contract(contract_id)
    form = SupplierForm()
    suppliers = organisations_of("supplier")
    # Every supplier is a valid choice: one added from another tab since this page was
    # shown is refused by name ("… is already on this contract"), not as "Not a valid
    # choice". The list shown offers only those not on the contract yet.
    form.organisation_id.choices = [(o.id, o.name) for o in suppliers]
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".contract", contract_id=contract.id))) is not None:
            return repeat
        try:
            supplier = contracts_svc.add_supplier(current_user, contract, form.organisation_id.data)
        except contracts_svc.ContractRefused as refused:
            attach_error(form, refused.field, str(refused))
        else:
            flash(_("%(name)s added to the contract", name=supplier.name))
            return redirect(url_for(".contract", contract_id=contract.id), code=303)
    already = {o.id for o in contracts_svc.suppliers_of(contract)}
    form.organisation_id.choices = [(o.id, o.name) for o in suppliers if o.id not in already]
    page = render_template("manage/supplier_new.html", form=form, contract=contract)
    return page, form_status(form)
