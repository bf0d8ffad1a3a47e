"""Responses and their answers, one row per item, with no personal identifiers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, choice_check, utcnow
from svcollect.models.collection import Collection

RESPONSE_STATUSES = ("in_progress", "submitted")


class Respondent(db.Model):  # type: ignore[name-defined]
    """One respondent code, as its HMAC under the contract's salt, and nothing else.

    Responses that gave the same code point at the same row, so scoring pairs baseline and
    follow-up by comparing these integer ids instead of carrying each response's 64-character
    hash. Codes are salted per contract, so a row stands for one person within a contract
    (or within the contracts that share a salt).
    """

    __tablename__ = "respondent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)


class Response(db.Model):  # type: ignore[name-defined]
    __tablename__ = "response"
    __table_args__ = (
        choice_check("status", RESPONSE_STATUSES, "status"),
        CheckConstraint(
            "(status = 'submitted' AND submitted_at IS NOT NULL)"
            " OR (status = 'in_progress' AND submitted_at IS NULL)",
            name="submitted_iff_submitted_at",
        ),
        CheckConstraint("consent_given", name="consent_given"),
        # Its id is the response's number in evidence packs and what answers, evidence
        # files and declarations point at: SQLite would otherwise give the next response
        # the number of the last one withdrawn or deleted after retention, and an earlier
        # pack's response N would be someone else in the next one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    #: the questionnaire version answered (same as the collection's; kept for provenance)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    #: content hash of the file the respondent answered
    questionnaire_hash: Mapped[str] = mapped_column(String(64))
    #: key from the consent form; a repeated start with the same key returns this row
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: sha256 of the resume token in the respondent's link
    resume_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: reference shown on the confirmation page
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    #: the respondent code given (see Respondent); pairs baseline and follow-up
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id"), index=True)
    #: how the code was made: issued, entered or memorable
    code_source: Mapped[str | None] = mapped_column(String(20))
    #: explicit consent is required before any row exists
    consent_given: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    collection: Mapped[Collection] = relationship()
    respondent: Mapped[Respondent | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(db.Model):  # type: ignore[name-defined]
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    #: question id within the questionnaire version
    question_id: Mapped[str] = mapped_column(String(64))
    #: canonical text form of the answer (see notes/CONTRACTS.md)
    value_text: Mapped[str | None] = mapped_column(Text)
    #: numeric form for scale, number and yes/no answers
    value_number: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")
