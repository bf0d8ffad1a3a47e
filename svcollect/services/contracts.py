"""Contracts: creating them, their suppliers, outcomes and commitments, and who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from svcollect import i18n
from svcollect.extensions import db
from svcollect.models import (
    AnswerDeletion,
    Collection,
    Commitment,
    Contract,
    ContractOutcome,
    ContractSupplier,
    Organisation,
    User,
)
from svcollect.models._types import UK
from svcollect.models.contract import comparison_key
from svcollect.services import audit


class ContractRefused(ValueError):
    """The change cannot be made; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


#: what EditConflict says, for each kind of row it is raised about: whole sentences, so
#: that a translation can word each as its language needs
CHANGED_SINCE = {
    "contract": _l(
        "Someone else changed this contract since you opened this page, so your changes "
        "have not been saved. Check what is saved now, then make your changes again "
        "and save"
    ),
    "commitment": _l(
        "Someone else changed this commitment since you opened this page, so your changes "
        "have not been saved. Check what is saved now, then make your changes again "
        "and save"
    ),
    "organisation": _l(
        "Someone else changed this organisation since you opened this page, so your "
        "changes have not been saved. Check what is saved now, then make your changes "
        "again and save"
    ),
}


class EditConflict(ContractRefused):
    """Someone saved a change after this form was read: nothing of this save was kept.

    On the form's hidden `version` field: the page shows what is saved now beside what
    was typed, and carries the current version, so the person can make their change again.
    `what` is a key of CHANGED_SINCE.
    """

    def __init__(self, what: str) -> None:
        super().__init__(str(CHANGED_SINCE[what]), "version")


def check_version(
    what: str, row: Contract | Commitment | Organisation, read_version: int | None
) -> None:
    """Refuse a save from a form read at another version of ``row`` than the one stored
    (None: the form carried no version, so whether it is out of date cannot be told)."""
    if read_version != row.version:
        raise EditConflict(what)


def lock_contract(contract: Contract) -> None:
    """Hold ``contract`` until this transaction ends, and read it again as saved now.

    Its dates are checked against its commitments and collections, and theirs against
    its dates, each at save time: two such saves at once (one moving the end date
    earlier, one adding a commitment due after it) could each pass against what the other
    had not yet saved. Every such save takes this first and checks after it, so the
    second waits for the first and checks what it saved.

    PostgreSQL locks the row (FOR NO KEY UPDATE: the strength of an UPDATE, so rows
    that merely point at the contract can still be added). SQLite has one writer at a
    time, but pysqlite begins a transaction only at the first write, and reads before it
    see whatever was committed when they ran: a write that changes nothing takes
    SQLite's write lock now, so the checks and the save are one write transaction.
    """
    db.session.flush()  # the refresh below would drop changes not yet written
    if db.session.get_bind().dialect.name == "sqlite":
        table = Contract.__table__
        db.session.execute(
            update(table).where(table.c.id == contract.id).values(version=table.c.version)
        )
    db.session.refresh(contract, with_for_update={"key_share": True})


@dataclass(frozen=True)
class ContractDetails:
    reference: str
    title: str
    buyer_id: int
    prime_supplier_id: int | None
    starts_on: date
    ends_on: date
    value_gbp: Decimal | None
    outcome_codes: tuple[str, ...] = ()


def visible_contracts(user: User) -> list[Contract]:
    """Contracts a user may see: their organisation's, as buyer or prime supplier."""
    query = select(Contract).order_by(Contract.reference)
    if user.role != "admin":
        query = query.where(
            or_(
                Contract.buyer_id == user.organisation_id,
                Contract.prime_supplier_id == user.organisation_id,
            )
        )
    return list(db.session.scalars(query))


def contract_for(user: User, contract_id: int) -> Contract | None:
    """The contract if this user may manage it; None (a 404) otherwise."""
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        return None
    if user.role == "admin":
        return contract
    if user.role == "contract_manager" and user.organisation_id in (
        contract.buyer_id,
        contract.prime_supplier_id,
    ):
        return contract
    return None


def _organisation(org_id: int | None, kinds: tuple[str, ...], field: str) -> Organisation | None:
    if org_id is None:
        return None
    org = db.session.get(Organisation, org_id)
    if org is None or org.kind not in kinds:
        raise ContractRefused(_("Select an organisation from the list"), field)
    return org


def _checked_reference(
    details: ContractDetails, known_outcomes: set[str], contract_id: int | None = None
) -> str:
    """Refuse terms no contract may have; the reference as stored (stripped)."""
    if details.ends_on < details.starts_on:
        raise ContractRefused(
            _("The end date must be the same as or after the start date"), "ends_on"
        )
    _organisation(details.prime_supplier_id, ("prime_supplier",), "prime_supplier_id")
    if set(details.outcome_codes) - known_outcomes:
        raise ContractRefused(_("Select outcomes from the list"), "outcome_codes")
    reference = details.reference.strip()
    # Only the buyer's own contracts count: another organisation's are not theirs to know of.
    other = db.session.scalar(
        select(Contract.id).filter_by(
            buyer_id=details.buyer_id, reference_key=comparison_key(reference)
        )
    )
    if other is not None and other != contract_id:
        raise _reference_taken(reference)
    return reference


def _reference_taken(reference: str) -> ContractRefused:
    return ContractRefused(
        _("This buyer already has a contract with reference %(reference)s", reference=reference),
        "reference",
    )


def may_add_contract(user: User) -> bool:
    """A contract belongs to its buyer: only the buyer's contract managers add one (for
    their own organisation), or an admin (for any buyer).

    A prime supplier's managers run collections on the contracts they are named on, but a
    contract they added would be the buyer's, under the buyer's references.
    """
    if user.role == "admin":
        return True
    return (
        user.role == "contract_manager"
        and user.organisation is not None
        and user.organisation.kind == "buyer"
    )


#: why a prime supplier's manager cannot add a contract, and what to do instead
ADD_REFUSED = _l(
    "Only the buying organisation can add a contract. Ask the buyer to add it and name "
    "your organisation as its prime supplier: it then appears in your list of contracts"
)


def create_contract(user: User, details: ContractDetails, known_outcomes: set[str]) -> Contract:
    """Add a contract for `details.buyer_id` (see may_add_contract for who may).

    Who may add it is settled before its reference is compared with the buyer's others:
    otherwise the refusal would tell anyone which references a buyer holds.
    """
    if not may_add_contract(user):
        raise ContractRefused(str(ADD_REFUSED))
    if user.role != "admin" and details.buyer_id != user.organisation_id:
        raise ContractRefused(_("You can only add contracts for your own organisation"), "buyer_id")
    buyer = _organisation(details.buyer_id, ("buyer",), "buyer_id")
    reference = _checked_reference(details, known_outcomes)
    contract = Contract(
        reference=reference,
        title=details.title.strip(),
        buyer_id=buyer.id if buyer else details.buyer_id,
        prime_supplier_id=details.prime_supplier_id,
        starts_on=details.starts_on,
        ends_on=details.ends_on,
        value_gbp=details.value_gbp,
    )
    db.session.add(contract)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _reference_taken(reference) from None
    for code in sorted(set(details.outcome_codes)):
        db.session.add(ContractOutcome(contract_id=contract.id, outcome_code=code))
    audit.record(
        "contract_created",
        actor=user,
        obj=contract,
        organisation_id=contract.buyer_id,
        reference=reference,
    )
    db.session.commit()
    return contract


def differences(
    before: dict[str, object], after: dict[str, object]
) -> dict[str, tuple[object, object]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def changes_as_text(changes: dict[str, tuple[object, object]]) -> dict[str, list[str]]:
    """Changes as the audit log keeps them: each field's old and new value as text."""
    return {name: [str(old), str(new)] for name, (old, new) in changes.items()}


def may_change(user: User, contract: Contract) -> bool:
    """Only the buyer sets a contract's terms: its contract managers, or an admin.

    The prime supplier's managers run collections on the contract but cannot change its
    dates, value or prime supplier (which decides who may see it).
    """
    return user.role == "admin" or (
        user.role == "contract_manager" and user.organisation_id == contract.buyer_id
    )


def deletion_brought_forward(
    contract: Contract, ends_on: date, retention_days: int, today: date
) -> date | None:
    """The new last day answers are kept, if ending on ``ends_on`` makes them due today.

    None when they stay inside their retention period, and when they were already past
    it (the daily run deletes them either way).
    """
    kept = timedelta(days=retention_days)
    if ends_on + kept < today <= contract.ends_on + kept:
        return ends_on + kept
    return None


def sees_individual_answers(user: User, contract: Contract) -> bool:
    """Whether evidence packs for this user may hold individual answers (under codes).

    Only the buyer's side and administrators: never the prime supplier, who employs the
    contract's workforce (DOMAIN.md section 5: answers are never shown to an employer at
    individual level). Its managers get packs with every figure but no answers.
    """
    return may_change(user, contract)


class DeletionNotConfirmed(ContractRefused):
    """The new end date puts the survey answers past their retention period: say so first."""

    def __init__(self, kept_until: date) -> None:
        super().__init__(
            _("Confirm that the survey answers may be deleted, or enter a later end date"),
            "deletion_confirmed",
        )
        self.kept_until = kept_until


def change_contract(
    user: User,
    contract: Contract,
    change: ContractDetails,
    known_outcomes: set[str],
    *,
    retention_days: int,
    today: date,
    read_version: int | None,
    deletion_confirmed: bool = False,
) -> dict[str, tuple[object, object]]:
    """Change a contract's terms (every field but the buyer); the changes made, old and new.

    `read_version` is the contract's version when the form was read: if anyone has saved
    it since, nothing is saved (EditConflict), so that no one undoes a change unseen.

    Once its survey answers have been deleted its dates stay as they were: the deletion
    was decided on them. A new end date that puts the answers past their retention period
    (so the next daily run deletes them) must be confirmed. Saving the same terms again
    changes nothing and records nothing.
    """
    if not may_change(user, contract):
        raise ContractRefused(_("Only the buying organisation can change this contract"), "submit")
    lock_contract(contract)  # the checks below see every commitment and collection saved
    check_version("contract", contract, read_version)
    reference = _checked_reference(change, known_outcomes, contract.id)
    before: dict[str, object] = {
        "reference": contract.reference,
        "title": contract.title,
        "prime_supplier_id": contract.prime_supplier_id,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "value_gbp": contract.value_gbp,
        "outcome_codes": tuple(contract_outcomes(contract)),
    }
    outcome_codes = tuple(sorted(set(change.outcome_codes)))
    after: dict[str, object] = {
        "reference": reference,
        "title": change.title.strip(),
        "prime_supplier_id": change.prime_supplier_id,
        "starts_on": change.starts_on,
        "ends_on": change.ends_on,
        "value_gbp": change.value_gbp,
        "outcome_codes": outcome_codes,
    }
    changes = differences(before, after)
    dates = {"starts_on", "ends_on"} & changes.keys()
    deletion = deletion_for(contract.id)
    if dates and deletion is not None:
        raise ContractRefused(
            _(
                "The survey answers were deleted on %(day)s at the end of their retention "
                "period, so the contract dates can no longer change",
                day=deletion.deleted_at.strftime("%-d %B %Y"),
            ),
            sorted(dates)[0],
        )
    if dates:
        _check_within(contract, change.starts_on, change.ends_on)
    kept_until = deletion_brought_forward(contract, change.ends_on, retention_days, today)
    if kept_until is not None and deletion is None and not deletion_confirmed:
        raise DeletionNotConfirmed(kept_until)
    if not changes:
        return changes
    try:
        # Counted on every save, the outcomes alone too (they are rows of their own); the
        # UPDATE matches no row if another save counted first since this one read it.
        contract.version = contract.version + 1
        names = ("reference", "title", "prime_supplier_id", "starts_on", "ends_on", "value_gbp")
        for name in names:
            setattr(contract, name, after[name])
        db.session.flush()
        if "outcome_codes" in changes:
            db.session.execute(delete(ContractOutcome).filter_by(contract_id=contract.id))
            for code in outcome_codes:
                db.session.add(ContractOutcome(contract_id=contract.id, outcome_code=code))
        audit.record(
            "contract_changed",
            actor=user,
            obj=contract,
            organisation_id=contract.buyer_id,
            changes=changes_as_text(changes),
        )
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict("contract") from None
    except IntegrityError:
        db.session.rollback()
        raise _reference_taken(reference) from None
    return changes


def _check_within(contract: Contract, starts_on: date, ends_on: date) -> None:
    """New dates must still hold what the contract has: every collection opens by its end
    (as when it was opened) and every commitment is due within it (as when it was added)."""
    opening = [
        (c.opens_at.astimezone(UK).date(), c.label)
        for c in db.session.scalars(select(Collection).filter_by(contract_id=contract.id))
    ]
    late = max((o for o in opening if o[0] > ends_on), default=None)
    if late is not None:
        raise ContractRefused(
            _(
                "The end date must be the same as or after %(day)s, when the collection "
                "‘%(label)s’ opens",
                day=long_day(late[0]),
                label=late[1],
            ),
            "ends_on",
        )
    due = list(db.session.scalars(select(Commitment.due_on).filter_by(contract_id=contract.id)))
    if any(d > ends_on for d in due):
        raise ContractRefused(
            _(
                "The end date must be the same as or after %(day)s, when a commitment is due: "
                "change that commitment's due date first",
                day=long_day(max(due)),
            ),
            "ends_on",
        )
    if any(d < starts_on for d in due):
        raise ContractRefused(
            _(
                "The start date must be the same as or before %(day)s, when a commitment is "
                "due: change that commitment's due date first",
                day=long_day(min(due)),
            ),
            "starts_on",
        )


def long_day(day: date) -> str:
    """A date as messages write it: 1 April 2026 (the month in the page's language)."""
    return i18n.format_date(day, "d MMMM y")


def contract_outcomes(contract: Contract) -> list[str]:
    return list(
        db.session.scalars(
            select(ContractOutcome.outcome_code)
            .filter_by(contract_id=contract.id)
            .order_by(ContractOutcome.outcome_code)
        )
    )


def suppliers_of(contract: Contract) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .join(ContractSupplier, ContractSupplier.organisation_id == Organisation.id)
            .where(ContractSupplier.contract_id == contract.id)
            .order_by(Organisation.name)
        )
    )


def add_supplier(user: User, contract: Contract, organisation_id: int) -> Organisation:
    supplier = _organisation(organisation_id, ("supplier", "prime_supplier"), "organisation_id")
    assert supplier is not None
    exists = db.session.scalar(
        select(ContractSupplier.id).filter_by(contract_id=contract.id, organisation_id=supplier.id)
    )
    already = ContractRefused(
        _("%(name)s is already on this contract", name=supplier.name), "organisation_id"
    )
    if exists is not None:
        raise already
    try:
        db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
        audit.record(
            "supplier_added",
            actor=user,
            obj=contract,
            organisation_id=contract.buyer_id,
            supplier_id=supplier.id,
        )
        db.session.commit()
    except IntegrityError:  # added from another tab (or by someone else) since the check
        db.session.rollback()
        raise already from None
    return supplier


def deletion_for(contract_id: int) -> AnswerDeletion | None:
    """The record that this contract's raw survey answers were deleted, if they were."""
    return db.session.scalar(select(AnswerDeletion).filter_by(contract_id=contract_id))


def contract_by_reference(reference: str, buyer: str | None = None) -> Contract:
    """The one contract with `reference` (compared as references are), for the CLI; a
    reference that two buyers use needs `buyer`, the buyer organisation's name."""
    query = select(Contract).filter_by(reference_key=comparison_key(reference))
    if buyer is not None:
        # Buyers' names are unique as compared, so this names one buyer at most.
        query = query.join(Organisation, Contract.buyer_id == Organisation.id).where(
            Organisation.name_key == comparison_key(buyer)
        )
    found = list(db.session.scalars(query.order_by(Contract.id)))
    if not found:
        whose = f" for buyer {buyer!r}" if buyer is not None else ""
        raise ContractRefused(f"No contract with reference {reference!r}{whose}")
    if len(found) > 1:
        buyers = ", ".join(sorted(c.buyer.name for c in found))
        raise ContractRefused(
            f"{len(found)} buyers have a contract with reference {reference!r} ({buyers}): "
            "say which with --buyer"
        )
    return found[0]
