"""Supplier declarations against standards, and the review history of each standard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, choice_check, utcnow
from svcollect.models.collection import Collection
from svcollect.models.contract import Organisation
from svcollect.models.response import Response

DECLARATION_STATUSES = ("draft", "submitted")
EVENT_KINDS = ("accepted", "queried", "rejected", "answered")


class Declaration(db.Model):  # type: ignore[name-defined]
    """One supplier's attestation on one collection; a re-attestation is a new edition."""

    __tablename__ = "declaration"
    __table_args__ = (
        UniqueConstraint("collection_id", "supplier_id", "edition"),
        choice_check("status", DECLARATION_STATUSES, "status"),
        CheckConstraint(
            "(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_iff_at"
        ),
        CheckConstraint("edition >= 1", name="edition_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    #: the supply-chain (or prime) supplier attesting
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: 1 for the first declaration, then one more for each annual re-attestation
    edition: Mapped[int] = mapped_column(Integer, default=1)
    #: the answers (declarations are not anonymous: they speak for an organisation)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: the declaration this one was pre-filled from
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("declaration.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: counts the reviewers' decisions recorded on it: each decision counts, so of two
    #: decided at once only one is recorded (the ORM checks the count in the UPDATE's WHERE
    #: clause, as Contract.version). Which decision a form was read at is the standard's
    #: history count (services.declarations.review_standard).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    collection: Mapped[Collection] = relationship()
    supplier: Mapped[Organisation] = relationship()
    response: Mapped[Response] = relationship()


class StandardEvent(db.Model):  # type: ignore[name-defined]
    """Append-only history: a reviewer's decision or a supplier's answer on one standard."""

    __tablename__ = "standard_event"
    __table_args__ = (choice_check("kind", EVENT_KINDS, "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"), index=True)
    #: standard code from the questionnaire's page meta, e.g. mhaw_3
    standard: Mapped[str] = mapped_column(String(64))
    #: accepted, queried, rejected (reviewer) or answered (supplier)
    kind: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
