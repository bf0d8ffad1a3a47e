"""Organisations and the contracts whose social value svcollect evidences."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, choice_check, utcnow

ORGANISATION_KINDS = ("buyer", "prime_supplier", "supplier")


class Organisation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organisation"
    __table_args__ = (
        choice_check("kind", ORGANISATION_KINDS, "kind"),
        CheckConstraint("employee_count IS NULL OR employee_count >= 0", name="employee_count"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: display name
    name: Mapped[str] = mapped_column(String(300))
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


def new_salt() -> str:
    return secrets.token_hex(32)


class Contract(db.Model):  # type: ignore[name-defined]
    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("value_gbp IS NULL OR value_gbp >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the buyer's contract reference, unique across svcollect
    reference: Mapped[str] = mapped_column(String(100), unique=True)
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

    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id])
    prime_supplier: Mapped[Organisation | None] = relationship(foreign_keys=[prime_supplier_id])
