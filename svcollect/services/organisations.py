"""Organisations: the buyers, prime suppliers and suppliers that staff accounts act for.

Administrators add and change them; a name is unique among organisations of its kind,
compared without case, spacing or Unicode form (models.contract.comparison_key).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from svcollect.extensions import db
from svcollect.models import Organisation, User
from svcollect.models.contract import ORGANISATION_KINDS, comparison_key
from svcollect.services.accounts import (
    KIND_NAMES,
    ROLE_NAMES,
    ROLE_ORGANISATION_KINDS,
    AccountRefused,
)
from svcollect.services.audit import record
from svcollect.services.contracts import EditConflict, check_version


@dataclass(frozen=True)
class OrganisationDetails:
    name: str
    kind: str
    employee_count: int | None = None
    is_sme: bool = False
    is_vcse: bool = False
    wemwbs_licence_ref: str | None = None


def list_organisations() -> list[Organisation]:
    query = select(Organisation).order_by(func.lower(Organisation.name), Organisation.id)
    return list(db.session.scalars(query))


def get_organisation(organisation_id: int) -> Organisation | None:
    return db.session.get(Organisation, organisation_id)


def _check_details(details: OrganisationDetails) -> None:
    if not details.name.strip():
        raise AccountRefused(_("Enter the organisation's name"), field="name")
    if details.kind not in ORGANISATION_KINDS:
        raise AccountRefused(_("Select what kind of organisation this is"), field="kind")
    if details.employee_count is not None and details.employee_count < 0:
        raise AccountRefused(_("Number of employees must be 0 or more"), field="employee_count")


def _apply(organisation: Organisation, details: OrganisationDetails) -> dict[str, list[object]]:
    changes: dict[str, list[object]] = {}
    for name, value in (
        ("name", details.name.strip()),
        ("kind", details.kind),
        ("employee_count", details.employee_count),
        ("is_sme", details.is_sme),
        ("is_vcse", details.is_vcse),
        ("wemwbs_licence_ref", (details.wemwbs_licence_ref or "").strip() or None),
    ):
        old = getattr(organisation, name)
        if old != value:
            changes[name] = [old, value]
            setattr(organisation, name, value)
    return changes


def _name_taken(kind: str, name: str) -> AccountRefused:
    return AccountRefused(
        _(
            "There is already a %(kind)s called %(name)s – use that one, or enter a name "
            "that tells them apart",
            kind=KIND_NAMES[kind],
            name=name,
        ),
        field="name",
    )


def _refuse_a_taken_name(organisation: Organisation, details: OrganisationDetails) -> None:
    """Refuse the name of another organisation of this kind, compared as names are.

    One the migration kept under a suffixed key keeps it while its name stays the same,
    so changing anything else about it is not refused."""
    name = details.name.strip()
    key = organisation.name_key if name == organisation.name else comparison_key(name)
    other = db.session.scalar(
        select(Organisation.name).where(
            Organisation.kind == details.kind,
            Organisation.name_key == key,
            Organisation.id != (organisation.id or 0),
        )
    )
    if other is not None:
        raise _name_taken(details.kind, other)


def _flush(details: OrganisationDetails) -> None:
    try:
        db.session.flush()
    except IntegrityError:  # the name was taken by someone else since the check
        db.session.rollback()
        raise _name_taken(details.kind, details.name.strip()) from None
    except StaleDataError:  # another save counted first since this one read the row
        db.session.rollback()
        raise EditConflict("organisation") from None


def create_organisation(details: OrganisationDetails, *, actor: User | None) -> Organisation:
    """Add an organisation; its name must be new among organisations of its kind."""
    _check_details(details)
    organisation = Organisation()
    _refuse_a_taken_name(organisation, details)
    _apply(organisation, details)
    db.session.add(organisation)
    _flush(details)
    record("organisation_created", actor=actor, obj=organisation, organisation_id=organisation.id)
    db.session.commit()
    return organisation


def update_organisation(
    organisation: Organisation,
    details: OrganisationDetails,
    *,
    actor: User | None,
    read_version: int | None,
) -> Organisation:
    """Change an organisation; its kind cannot change while it has users it would not fit.

    As with a contract's terms, a form read at an older `read_version` than the one saved
    now saves nothing (EditConflict): no one undoes another's change unseen."""
    check_version("organisation", organisation, read_version)
    _check_details(details)
    if details.kind != organisation.kind:
        members = db.session.scalars(
            select(User).where(User.organisation_id == organisation.id, User.is_active)
        )
        for member in members:
            if details.kind not in ROLE_ORGANISATION_KINDS[member.role]:
                raise AccountRefused(
                    _(
                        "%(name)s has a %(role)s account, so it cannot be a %(kind)s – "
                        "deactivate that account first",
                        name=organisation.name,
                        role=ROLE_NAMES[member.role],
                        kind=KIND_NAMES[details.kind],
                    ),
                    field="kind",
                )
    _refuse_a_taken_name(organisation, details)
    changes = _apply(organisation, details)
    if changes:
        # The UPDATE matches no row if another save counted first since this one read it.
        organisation.version = organisation.version + 1
    _flush(details)
    if changes:
        record(
            "organisation_updated",
            actor=actor,
            obj=organisation,
            organisation_id=organisation.id,
            changes=changes,
        )
    db.session.commit()
    return organisation


def record_licence(
    user: User, organisation: Organisation, licence_ref: str, *, read_version: int | None
) -> None:
    """A contract manager records their organisation's WEMWBS licence reference: one of
    its settings, so counted and refused from a stale page as update_organisation is."""
    check_version("organisation", organisation, read_version)
    if organisation.wemwbs_licence_ref != licence_ref:
        organisation.wemwbs_licence_ref = licence_ref
        organisation.version = organisation.version + 1
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict("organisation") from None
    record("licence_recorded", actor=user, obj=organisation, organisation_id=organisation.id)
    db.session.commit()
