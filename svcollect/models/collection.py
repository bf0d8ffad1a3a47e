"""Collections (a questionnaire version put to an audience on a contract) and invitations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from svcollect.extensions import db
from svcollect.models._types import UK, UTCDateTime, choice_check, utcnow
from svcollect.models.contract import Contract
from svcollect.models.questionnaire import QuestionnaireVersion

AUDIENCES = ("workforce", "supplier", "community")
WAVES = ("baseline", "follow_up", "annual")
ACCESS_MODES = ("open", "invitation", "supplier")


class Collection(db.Model):  # type: ignore[name-defined]
    __tablename__ = "collection"
    __table_args__ = (
        choice_check("audience", AUDIENCES, "audience"),
        choice_check("wave", WAVES, "wave"),
        choice_check("access", ACCESS_MODES, "access"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: random id used in the open link; reveals nothing about the contract
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    #: the exact questionnaire version, pinned for the collection's whole life
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    #: workforce, supplier or community
    audience: Mapped[str] = mapped_column(String(20))
    #: baseline, follow_up or annual
    wave: Mapped[str] = mapped_column(String(20))
    #: free label shown to staff, e.g. "Spring 2026 baseline"
    label: Mapped[str] = mapped_column(String(200))
    #: open (anyone with the link), invitation (single-use tokens) or supplier (signed in)
    access: Mapped[str] = mapped_column(String(20))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: set when a contract manager closes the collection before its closing date
    closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: licence reference recorded when a licensed questionnaire's collection was opened
    licence_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contract: Mapped[Contract] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()

    @property
    def last_open_day(self) -> date:
        """The last UK day answers are taken (``closes_at`` is midnight at its end)."""
        return (self.closes_at.astimezone(UK) - timedelta(microseconds=1)).date()

    @property
    def closed_on(self) -> date:
        """The UK day it closed: early, if a manager closed it, else its last open day."""
        if self.closed_early_at is not None:
            return self.closed_early_at.astimezone(UK).date()
        return self.last_open_day

    def state(self, now: datetime) -> str:
        """not_open, open or closed at `now`."""
        if now < self.opens_at:
            return "not_open"
        if now >= self.closes_at or self.closed_early_at is not None:
            return "closed"
        return "open"


class InvitationBatch(db.Model):  # type: ignore[name-defined]
    """Invitation links made together by one manager's form.

    The links are made from `seed` and the app secret, so whoever made them can download
    them again for a while (a double click keeps only the second download; a download
    can go astray). After that the seed is cleared and only each link's hash is kept.
    """

    __tablename__ = "invitation_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    made_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    count: Mapped[int] = mapped_column(Integer)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: random; None once the links can no longer be downloaded
    seed: Mapped[str | None] = mapped_column(String(64))

    collection: Mapped[Collection] = relationship()


class Invitation(db.Model):  # type: ignore[name-defined]
    """A single-use token. Deliberately has no link to the response it led to."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id"), index=True)
    #: sha256 of the token; the token itself is shown once, when issued
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: set when the respondent consents and starts; the token then only resumes
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
