"""The audit log: append-only (database triggers refuse UPDATE and DELETE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, utcnow


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: who did it; empty for the system or an anonymous respondent
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: e.g. sign_in, collection_opened, evidence_accepted, file_downloaded
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: the kind and id of the object acted on
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    #: organisation whose records this concerns, for scoping the log
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: JSON with what changed; never answers or personal data of respondents
    detail: Mapped[str] = mapped_column(Text, default="{}")
