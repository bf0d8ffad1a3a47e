"""Organisations and the contracts whose social value svcollect evidences."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, choice_check, utcnow

ORGANISATION_KINDS = ("buyer", "prime_supplier", "supplier")


def comparison_key(text: str) -> str:
    """A name or reference as compared: case, spacing and Unicode forms do not count."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


class Organisation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organisation"
    __table_args__ = (
        choice_check("kind", ORGANISATION_KINDS, "kind"),
        CheckConstraint("employee_count IS NULL OR employee_count >= 0", name="employee_count"),
        UniqueConstraint("kind", "name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: display name
    name: Mapped[str] = mapped_column(String(300))
    #: the name compared (comparison_key()): unique per kind, so that no list shows two
    #: buyers alike and `--buyer NAME` names one
    name_key: Mapped[str] = mapped_column(String(1000))  # casefolding and NFC can lengthen
    #: buyer, prime_supplier or supplier (supply chain)
    kind: Mapped[str] = mapped_column(String(20))
    #: headcount; 500 or more brings in the enhanced Thriving at Work standards
    employee_count: Mapped[int | None] = mapped_column(Integer)
    #: small or medium-sized enterprise
    is_sme: Mapped[bool] = mapped_column(Boolean, default=False)
    #: voluntary, community or social enterprise
    is_vcse: Mapped[bool] = mapped_column(Boolean, default=False)
    #: WEMWBS/SWEMWBS registration reference; required before such a collection opens
    wemwbs_licence_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: counts the saves of its settings, the licence reference too, as Contract.version
    #: (services.organisations)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @validates("name")
    def _keep_key(self, _name: str, name: str) -> str:
        self.name_key = comparison_key(name)
        return name


def new_salt() -> str:
    return secrets.token_hex(32)


class Contract(db.Model):  # type: ignore[name-defined]
    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("value_gbp IS NULL OR value_gbp >= 0", name="value_not_negative"),
        UniqueConstraint("buyer_id", "reference_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the buyer's contract reference, as they write it
    reference: Mapped[str] = mapped_column(String(100))
    #: the reference compared (comparison_key()): unique per buyer, not across svcollect,
    #: since two councils may well both number a contract "CON-001"
    reference_key: Mapped[str] = mapped_column(String(300))  # casefolding can lengthen
    title: Mapped[str] = mapped_column(String(300))
    #: the public body buying
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    #: the supplier delivering the contract
    prime_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: contract value in pounds
    value_gbp: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: secret per contract: respondent codes are stored only as HMACs under it
    respondent_salt: Mapped[str] = mapped_column(String(64), default=new_salt)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: counts the saves of its terms (outcomes too): a change form carries the count it was
    #: read at, and a save from an older one is refused rather than undo someone else's
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    # The ORM checks the count in every UPDATE's WHERE clause, so two saves that read the
    # same count cannot both succeed; services.contracts counts each save itself.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @validates("reference")
    def _keep_key(self, _name: str, reference: str) -> str:
        self.reference_key = comparison_key(reference)
        return reference

    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id])
    prime_supplier: Mapped[Organisation | None] = relationship(foreign_keys=[prime_supplier_id])


class ContractSupplier(db.Model):  # type: ignore[name-defined]
    """A supply-chain supplier on a contract, invited to attest to standards."""

    __tablename__ = "contract_supplier"
    __table_args__ = (UniqueConstraint("contract_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class ContractOutcome(db.Model):  # type: ignore[name-defined]
    """A Social Value Model outcome the contract targets (codes from the outcomes file)."""

    __tablename__ = "contract_outcome"
    __table_args__ = (UniqueConstraint("contract_id", "outcome_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    outcome_code: Mapped[str] = mapped_column(String(40))


class Commitment(db.Model):  # type: ignore[name-defined]
    """What the supplier promised at bid: a measure, its unit, a target and a due date."""

    __tablename__ = "commitment"
    __table_args__ = (
        CheckConstraint("target >= 0", name="target_not_negative"),
        # Its id is in the change and remove pages' addresses: SQLite would otherwise give
        # a new commitment the id of the last one removed, and a page left open on that one
        # would change the new one (PostgreSQL's sequences never hand an id out twice).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    #: measure code from the outcomes file, e.g. mh_first_aiders_trained
    measure_code: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(60))
    target: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: counts the saves of its terms, as Contract.version (services.commitments)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
