"""Staff accounts: administrators, contract managers and supplier users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, choice_check, utcnow
from svcollect.models.contract import Organisation

ROLES = ("admin", "contract_manager", "supplier_user")


class User(db.Model):  # type: ignore[name-defined]
    __tablename__ = "user_account"
    __table_args__ = (
        choice_check("role", ROLES, "role"),
        CheckConstraint("role = 'admin' OR organisation_id IS NOT NULL", name="has_organisation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: sign-in name, stored lower-cased
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: admin, contract_manager or supplier_user
    role: Mapped[str] = mapped_column(String(20))
    #: the buying, prime-supplier or supplier organisation the user acts for
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: argon2id hash; empty until the one-time set-password link is used
    password_hash: Mapped[str | None] = mapped_column(String(200))
    #: sha256 of the one-time set-password token
    set_password_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    set_password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: bumped on password change and sign-out everywhere; sessions carry it
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class FormSubmission(db.Model):  # type: ignore[name-defined]
    """A staff form's one-time key, claimed by the first POST that carries it.

    A double click or a resent form carries the same key: the repeat finds the claim and
    goes where the first went instead of saving the same thing twice. The claim is made
    in the same transaction as what the form saves, so it exists only if that was saved.
    """

    __tablename__ = "form_submission"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: random, made when the form was shown (forms.base.OnceForm)
    key: Mapped[str] = mapped_column(String(64))
    #: the view that claimed it, for the record
    endpoint: Mapped[str] = mapped_column(String(100))
    #: where a repeat is sent: the page that shows what the first submission saved
    repeat_goes_to: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
