"""Valuation records: imported value tables (never overwritten), assumption sets per contract,
the routes chosen to value outcomes, and stored results with their provenance."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, choice_check, utcnow

ROUTES = ("wellby", "counted", "band")


class ValueTable(db.Model):  # type: ignore[name-defined]
    """One imported version of a value table; a re-import is a new version, never an edit."""

    __tablename__ = "value_table"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the organisation that imported it (tables are licensed to organisations)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: the user's name for the table, e.g. "Our licensed value bank"
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    #: sha256 of the imported file
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    entries: Mapped[list[ValueTableEntry]] = relationship(
        back_populates="table", order_by="ValueTableEntry.outcome_code"
    )


class ValueTableEntry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "value_table_entry"
    __table_args__ = (
        UniqueConstraint("value_table_id", "outcome_code"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_table_id: Mapped[int] = mapped_column(ForeignKey("value_table.id"), index=True)
    outcome_code: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(60))
    #: value per unit in pounds, in `price_year` prices
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: e.g. "2019" (calendar) or "2019-20" (financial)
    price_year: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(Text)
    licence: Mapped[str] = mapped_column(String(300))
    #: the value already nets off deadweight, so it is not deducted again
    deadweight_included: Mapped[bool] = mapped_column(Boolean)

    table: Mapped[ValueTable] = relationship(back_populates="entries")


class AssumptionSet(db.Model):  # type: ignore[name-defined]
    """The valuation assumptions of a contract; a change is a new version."""

    __tablename__ = "assumption_set"
    __table_args__ = (UniqueConstraint("contract_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: canonical JSON of svcollect.scoring.assumptions.ValuationAssumptions.to_dict()
    values_json: Mapped[str] = mapped_column(Text)
    #: sha256 of values_json, recorded on every result computed with it
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ValuationRoute(db.Model):  # type: ignore[name-defined]
    """How one outcome of a contract is valued: WELLBY, a counted outcome, or a band move."""

    __tablename__ = "valuation_route"
    __table_args__ = (
        choice_check("route", ROUTES, "route"),
        # Its id is in the remove button's address and the audit log: SQLite would
        # otherwise give a new route the id of the last one removed, and a routes page
        # left open from before would remove the new one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    #: wellby, counted or band
    route: Mapped[str] = mapped_column(String(20))
    #: survey routes: the baseline and follow-up collections paired
    baseline_collection_id: Mapped[int | None] = mapped_column(ForeignKey("collection.id"))
    follow_up_collection_id: Mapped[int | None] = mapped_column(ForeignKey("collection.id"))
    #: counted route: the delivery-return collection and the measure code it reports
    measure_code: Mapped[str | None] = mapped_column(String(60))
    #: table routes: the value table entry used (a specific imported version)
    value_table_entry_id: Mapped[int | None] = mapped_column(ForeignKey("value_table_entry.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ResultSnapshot(db.Model):  # type: ignore[name-defined]
    """Results as computed, with provenance; recomputing the same data gives the same hash."""

    __tablename__ = "result_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: sha256 of results_json
    results_sha256: Mapped[str] = mapped_column(String(64))
    #: scorer versions, questionnaire hashes, value table versions, assumptions hash
    provenance_json: Mapped[str] = mapped_column(Text)
    results_json: Mapped[str] = mapped_column(Text)
