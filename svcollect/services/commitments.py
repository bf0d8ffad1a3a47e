"""Commitments made at bid: what the supplier promised to deliver on a contract, by when.

Only the buying organisation adds, changes or removes one (as with the contract's terms:
a supplier does not set the targets it is held to), and the audit log keeps what each was.
A target fits its measure's unit (a percent from 0 to 100, whole people or sessions where
the outcomes file says the unit counts whole things) and falls due during the contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from svcollect.extensions import db
from svcollect.models import AuditEvent, Commitment, Contract, User
from svcollect.outcomes import PERCENT
from svcollect.services import audit
from svcollect.services.contracts import (
    ContractRefused,
    EditConflict,
    changes_as_text,
    check_version,
    contract_for,
    differences,
    lock_contract,
    long_day,
    may_change,
)
from svcollect.services.outcomes import outcome_map


class CommitmentRemoved(LookupError):
    """The commitment was removed (in another tab, or by someone else) since the page
    asking to change or remove it was read: nothing of this save was kept."""

    def __init__(self, commitment_id: int) -> None:
        super().__init__(f"commitment {commitment_id} was removed")
        self.commitment_id = commitment_id


def add_commitment(
    user: User,
    contract: Contract,
    measure_code: str,
    unit: str,
    target: Decimal,
    due_on: date,
    known_measures: set[str],
) -> Commitment:
    """Add a commitment made at bid; only the buyer does (see the module docstring)."""
    if not may_change(user, contract):
        raise ContractRefused(_("Only the buying organisation can add a commitment"), "submit")
    lock_contract(contract)  # its dates as saved now, and kept so until this is saved
    _check_terms(contract, measure_code, unit, target, due_on, known_measures)
    _check_not_repeated(contract, measure_code, due_on)
    commitment = Commitment(
        contract_id=contract.id, measure_code=measure_code, unit=unit, target=target, due_on=due_on
    )
    db.session.add(commitment)
    audit.record(
        "commitment_added",
        actor=user,
        obj=contract,
        organisation_id=contract.buyer_id,
        measure=measure_code,
        target=str(target),
    )
    db.session.commit()
    return commitment


def _check_terms(
    contract: Contract,
    measure_code: str,
    unit: str,
    target: Decimal,
    due_on: date,
    known_measures: set[str],
) -> None:
    """Refuse a target its unit cannot have, or a due date outside the contract."""
    if measure_code not in known_measures:
        raise ContractRefused(_("Select a measure from the list"), "measure_code")
    if target < 0:
        raise ContractRefused(_("The target must be 0 or more"), "target")
    if unit == PERCENT and target > 100:
        raise ContractRefused(_("The target must be a percentage from 0 to 100"), "target")
    measure = outcome_map().measures.get(measure_code)
    if measure is not None and measure.whole_number and target != target.to_integral_value():
        raise ContractRefused(
            _("The target must be a whole number of %(unit)s, like 20", unit=measure.unit),
            "target",
        )
    if due_on > contract.ends_on:
        raise ContractRefused(
            _(
                "The due date must be the same as or before the contract's end date, %(day)s",
                day=long_day(contract.ends_on),
            ),
            "due_on",
        )
    if due_on < contract.starts_on:
        raise ContractRefused(
            _(
                "The due date must be the same as or after the contract's start date, %(day)s",
                day=long_day(contract.starts_on),
            ),
            "due_on",
        )


def _check_not_repeated(
    contract: Contract, measure_code: str, due_on: date, besides: Commitment | None = None
) -> None:
    """Refuse a second commitment to the same measure by the same date: two targets for
    one thing by one day (most often the same one added from two tabs) would be shown and
    added up twice. Read under the contract's lock, so two adds at once cannot both pass."""
    same = select(Commitment.id).filter_by(
        contract_id=contract.id, measure_code=measure_code, due_on=due_on
    )
    if besides is not None:
        same = same.where(Commitment.id != besides.id)
    if db.session.scalar(same.limit(1)) is not None:
        measure = outcome_map().measures.get(measure_code)
        raise ContractRefused(
            _(
                "This contract already has a commitment to ‘%(measure)s’ due on %(day)s. "
                "Change that commitment instead, or choose another due date",
                measure=measure.title if measure else measure_code,
                day=long_day(due_on),
            ),
            "due_on",
        )


def commitment_for(user: User, commitment_id: int) -> Commitment | None:
    """The commitment if this user may manage its contract; None (a 404) otherwise."""
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or contract_for(user, commitment.contract_id) is None:
        return None
    return commitment


def change_commitment(
    user: User,
    commitment: Commitment,
    measure_code: str,
    unit: str,
    target: Decimal,
    due_on: date,
    known_measures: set[str],
    *,
    read_version: int | None,
) -> dict[str, tuple[object, object]]:
    """Correct a commitment, or change it after a contract variation; the changes made.

    Commitments are what the supplier promised, so only the buyer changes them (as with
    the contract's terms), and the audit log keeps what they were. They are changed in
    place, so as with a contract's terms a form read at an older `read_version` saves
    nothing (EditConflict).
    """
    contract = db.session.get(Contract, commitment.contract_id)
    assert contract is not None
    if not may_change(user, contract):
        raise ContractRefused(_("Only the buying organisation can change a commitment"), "submit")
    _lock_and_read_again(contract, commitment)
    check_version("commitment", commitment, read_version)
    _check_terms(contract, measure_code, unit, target, due_on, known_measures)
    _check_not_repeated(contract, measure_code, due_on, besides=commitment)
    before: dict[str, object] = {
        "measure": commitment.measure_code,
        "unit": commitment.unit,
        "target": commitment.target,
        "due_on": commitment.due_on,
    }
    after: dict[str, object] = {
        "measure": measure_code,
        "unit": unit,
        "target": target,
        "due_on": due_on,
    }
    changes = differences(before, after)
    if not changes:
        return changes
    try:
        # The UPDATE matches no row if another save counted first since this one read it.
        commitment.version = commitment.version + 1
        commitment.measure_code, commitment.unit = measure_code, unit
        commitment.target, commitment.due_on = target, due_on
        db.session.flush()
        audit.record(
            "commitment_changed",
            actor=user,
            obj=contract,
            organisation_id=contract.buyer_id,
            commitment_id=commitment.id,
            changes=changes_as_text(changes),
        )
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict("commitment") from None
    return changes


def _lock_and_read_again(contract: Contract, commitment: Commitment) -> None:
    """Lock the contract (lock_contract), then read the commitment as saved now: one
    saved or removed in the meantime is then seen, not written over or deleted twice."""
    lock_contract(contract)
    if db.session.get(Commitment, commitment.id, populate_existing=True) is None:
        raise CommitmentRemoved(commitment.id)


def remove_commitment(user: User, commitment: Commitment, *, read_version: int | None) -> None:
    """Remove a commitment entered by mistake or dropped by a variation; audited in full.

    As a change, the removal is refused if the commitment was changed after the page
    asking to remove it was read: what is removed is what the person saw.
    """
    contract = db.session.get(Contract, commitment.contract_id)
    assert contract is not None
    if not may_change(user, contract):
        raise ContractRefused(_("Only the buying organisation can remove a commitment"), "submit")
    _lock_and_read_again(contract, commitment)
    check_version("commitment", commitment, read_version)
    audit.record(
        "commitment_removed",
        actor=user,
        obj=contract,
        organisation_id=contract.buyer_id,
        commitment_id=commitment.id,
        measure=commitment.measure_code,
        unit=commitment.unit,
        target=str(commitment.target),
        due_on=str(commitment.due_on),
    )
    db.session.delete(commitment)
    db.session.commit()


@dataclass(frozen=True)
class Removal:
    """A commitment's removal, as the audit log keeps it."""

    contract: Contract
    at: datetime
    #: who removed it, for the remover, their colleagues and admins; else None
    by: User | None
    measure_code: str
    unit: str
    target: Decimal
    due_on: date


def removal_of(user: User, commitment_id: int) -> Removal | None:
    """How the commitment was removed, if it was and this user may manage its contract;
    None otherwise (a 404: that it existed is not theirs to know)."""
    found = db.session.scalars(
        select(AuditEvent)
        .filter_by(action="commitment_removed", object_type="contract")
        # The detail is JSON text with sorted keys; parsed below, so "12" never finds "123".
        .where(AuditEvent.detail.contains(f'"commitment_id": {commitment_id}'))
        .order_by(AuditEvent.id.desc())
    )
    for event in found:
        detail = json.loads(event.detail)
        if detail.get("commitment_id") == commitment_id:
            break
    else:
        return None
    contract = contract_for(user, event.object_id) if event.object_id is not None else None
    if contract is None:
        return None
    remover = db.session.get(User, event.actor_id) if event.actor_id is not None else None
    named = remover is not None and (
        user.role == "admin"
        or remover.id == user.id
        or (remover.organisation_id is not None and remover.organisation_id == user.organisation_id)
    )
    return Removal(
        contract=contract,
        at=event.at,
        by=remover if named else None,
        measure_code=detail["measure"],
        unit=detail["unit"],
        target=Decimal(detail["target"]),
        due_on=date.fromisoformat(detail["due_on"]),
    )


def commitments_of(contract: Contract) -> list[Commitment]:
    return list(
        db.session.scalars(
            select(Commitment)
            .filter_by(contract_id=contract.id)
            .order_by(Commitment.due_on, Commitment.id)
        )
    )
