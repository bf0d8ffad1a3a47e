"""Background work that people wait for: evidence pack exports and spreadsheet imports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, choice_check, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")
#: statuses of a job that has not finished (a process should be working on it)
UNFINISHED = ("queued", "running")


class ExportJob(db.Model):  # type: ignore[name-defined]
    """An evidence pack being built off the request path; the status page reads this row."""

    __tablename__ = "export_job"
    __table_args__ = (
        choice_check("status", JOB_STATUSES, "status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: optional reporting period the pack covers
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    #: queued, running, done or failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    #: percent done, for the status page and the CLI progress bar
    progress: Mapped[int] = mapped_column(Integer, default=0)
    #: what is happening now, or why it failed (written for the person waiting)
    message: Mapped[str] = mapped_column(Text, default="")
    #: the pack's file name under the export folder once done
    file_name: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: last sign of life from the process building the pack (written with progress)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when the retention period deleted the pack file (the row stays as the record)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: whether the pack holds individual answers: only for the buyer's side (and admins)
    individual_answers: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=sa_true()
    )


class ImportBatch(db.Model):  # type: ignore[name-defined]
    """A spreadsheet of paper returns imported into a collection (all rows or none)."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    #: sha256 of the uploaded file
    sha256: Mapped[str] = mapped_column(String(64))
    #: rows that became responses; rows seen in an earlier import are skipped, not repeated
    rows_imported: Mapped[int] = mapped_column(Integer)
    rows_already_imported: Mapped[int] = mapped_column(Integer, default=0)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ImportJob(db.Model):  # type: ignore[name-defined]
    """An uploaded spreadsheet waiting to be, or being, checked and imported off the request
    path; the import status page reads this row. The rows themselves are stored (all or
    none) as an ImportBatch in the same transaction that marks the job done."""

    __tablename__ = "import_job"
    __table_args__ = (
        choice_check("status", JOB_STATUSES, "status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
        CheckConstraint("problem_count >= 0", name="problem_count_not_negative"),
        CheckConstraint(
            "(status = 'done' AND batch_id IS NOT NULL) OR (status != 'done' AND batch_id IS NULL)",
            name="done_has_batch",
        ),
        CheckConstraint(
            "status IN ('queued', 'running') OR finished_at IS NOT NULL", name="finished_when_over"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: queued, running, done or failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    #: percent done, for the status page
    progress: Mapped[int] = mapped_column(Integer, default=0)
    #: what is happening now, or why it failed (written for the person waiting)
    message: Mapped[str] = mapped_column(Text, default="")
    #: the file's name as uploaded (made safe), to show on the page
    file_name: Mapped[str] = mapped_column(String(200))
    #: generated name of the saved upload under the upload folder's imports/ while it waits;
    #: cleared once the job has read and deleted it
    stored_name: Mapped[str | None] = mapped_column(String(64))
    #: sha256 and size of the uploaded file
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    #: problems found in the file (nothing was imported); all of them are counted
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    #: the first problems as JSON: [[row or null, column or null, message], ...]
    problems: Mapped[str | None] = mapped_column(Text)
    #: blank rows skipped (the batch counts the rows imported and already imported)
    blank_rows: Mapped[int] = mapped_column(Integer, default=0)
    #: the rows stored, once done
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: last sign of life from the process importing the file (written with progress)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    batch: Mapped[ImportBatch | None] = relationship()
