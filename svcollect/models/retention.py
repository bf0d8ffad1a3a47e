"""The record that a contract's raw survey answers were deleted at the end of their retention.

What stays is aggregate only: the results as computed just before deletion (a
`ResultSnapshot`, with its fingerprint and provenance) and how many responses each
collection had, by day. Nothing in it can be traced back to one respondent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, utcnow
from svcollect.models.contract import Contract
from svcollect.models.valuation import ResultSnapshot


class AnswerDeletion(db.Model):  # type: ignore[name-defined]
    __tablename__ = "answer_deletion"
    __table_args__ = (
        CheckConstraint("retention_days >= 0", name="retention_days_not_negative"),
        CheckConstraint(
            "responses_deleted >= 0 AND answers_deleted >= 0 AND respondents_deleted >= 0",
            name="counts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: one deletion per contract: a second run finds this row and does nothing
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), unique=True)
    #: the results kept in place of the answers, computed just before they were deleted
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshot.id"))
    #: when the deletion ran (the snapshot's computed_at is just before)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: set when the last answer is gone; until then the next run carries on deleting
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the policy applied: answers kept until this date plus retention_days
    contract_ended_on: Mapped[date] = mapped_column(Date)
    #: SVCOLLECT_ANSWER_RETENTION_DAYS when the deletion ran
    retention_days: Mapped[int] = mapped_column(Integer)
    #: survey responses (submitted or not) deleted
    responses_deleted: Mapped[int] = mapped_column(Integer)
    #: answer rows deleted with them
    answers_deleted: Mapped[int] = mapped_column(Integer)
    #: respondent code rows deleted because no other response used them
    respondents_deleted: Mapped[int] = mapped_column(Integer)
    #: evidence packs (which hold answers) deleted from the export folder at the same time
    packs_deleted: Mapped[int] = mapped_column(Integer, default=0)
    #: per survey collection: {"submitted": n, "days": {"YYYY-MM-DD": n}} (UK days), as JSON
    kept_counts_json: Mapped[str] = mapped_column(Text)

    contract: Mapped[Contract] = relationship()
    snapshot: Mapped[ResultSnapshot] = relationship()
