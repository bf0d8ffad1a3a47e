"""Evidence files: stored outside static files under generated names, with their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, utcnow


class EvidenceFile(db.Model):  # type: ignore[name-defined]
    __tablename__ = "evidence_file"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="not_empty"),
        # Its id is in the download and remove addresses and in the answer listing the
        # files: SQLite would otherwise give a new upload the id of the last file removed,
        # and a remove page left open on that one would remove the new one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the response whose answer lists this file
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    #: content hash; the same file uploaded twice is recognised by it
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: generated file name under the upload folder (never the uploaded name)
    #: a re-attestation copies the record, so several rows may share one stored file
    stored_name: Mapped[str] = mapped_column(String(80), index=True)
    #: the uploaded name after sanitising, for display only
    original_name: Mapped[str] = mapped_column(String(120))
    #: type detected from the content: pdf, docx, xlsx, csv, txt, png or jpeg
    file_type: Mapped[str] = mapped_column(String(10))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
