"""Staff accounts and organisations: set-password links, sign-in, roles."""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from svcollect.extensions import db
from svcollect.models import Organisation, User
from svcollect.models._types import utcnow
from svcollect.models.account import ROLES
from svcollect.services.audit import record
from svcollect.services.credentials import (
    dummy_hash,
    email_problem,
    hash_password,
    needs_rehash,
    normalise_email,
    password_problem,
    verify_password,
)

#: which kinds of organisation each role may belong to (an administrator belongs to none)
ROLE_ORGANISATION_KINDS: dict[str, tuple[str, ...]] = {
    "admin": (),
    "contract_manager": ("buyer", "prime_supplier"),
    # A prime supplier attests for its own contract workforce too.
    "supplier_user": ("supplier", "prime_supplier"),
}
#: each role and kind of organisation as messages name them (translated when shown)
ROLE_NAMES = {
    "admin": _l("administrator"),
    "contract_manager": _l("contract manager"),
    "supplier_user": _l("supplier user"),
}
KIND_NAMES = {
    "buyer": _l("buyer"),
    "prime_supplier": _l("prime supplier"),
    "supplier": _l("supplier"),
}
SET_PASSWORD_LINK_LIFETIME = timedelta(hours=72)


class AccountRefused(ValueError):
    """A change cannot be made; the message says why, `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LinkUnusable(Exception):
    """A set-password link is unknown, used (404) or expired (410)."""

    def __init__(self, status: int) -> None:
        super().__init__("expired" if status == 410 else "unknown or used")
        self.status = status


@dataclass(frozen=True)
class IssuedLink:
    """A set-password token, returned once: only its sha256 is stored."""

    user: User
    token: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# --- signing in --------------------------------------------------------------------------


def user_by_email(email: str) -> User | None:
    email = normalise_email(email)
    if any(ord(c) < 32 for c in email):
        return None  # no account has one, and PostgreSQL cannot compare text holding NUL
    return db.session.scalar(select(User).where(User.email == email))


def sign_in(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; both outcomes are audited.

    Every failure checks one argon2 hash, so an unknown, inactive or password-less
    account takes as long to refuse as a wrong password."""
    user = user_by_email(email)
    stored = user.password_hash if user is not None and user.is_active else None
    if stored is None:
        verify_password(dummy_hash(), password)
    if user is None or stored is None or not verify_password(stored, password):
        oid = user.organisation_id if user else None
        record("sign_in_failed", obj=user, organisation_id=oid, reason=_refusal_reason(user))
        db.session.commit()
        return None
    if needs_rehash(stored):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    record("sign_in", actor=user, obj=user, organisation_id=user.organisation_id)
    db.session.commit()
    return user


def _refusal_reason(user: User | None) -> str:
    if user is None:
        return "unknown_account"
    if not user.is_active:
        return "inactive"
    if user.password_hash is None:
        return "no_password"
    return "wrong_password"


def sign_out(user: User) -> None:
    record("sign_out", actor=user, obj=user, organisation_id=user.organisation_id)
    db.session.commit()


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: "id:session_version"; a stale version signs the session out."""
    user_part, _, version_part = user_id.partition(":")
    if not (user_part.isdigit() and version_part.isdigit()):
        return None
    try:
        user = db.session.get(User, int(user_part))
    except SQLAlchemyError:
        # Unreachable database: treat the visitor as signed out, so that the page saying
        # the service is unavailable can still be shown.
        with suppress(SQLAlchemyError):
            db.session.rollback()
        return None
    if user is None or not user.is_active or user.session_version != int(version_part):
        return None
    return user


# --- accounts ----------------------------------------------------------------------------


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(func.lower(User.name), User.id)))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def check_role_fits(role: str, organisation: Organisation | None) -> None:
    """Refuse a role the organisation's kind cannot hold (for example a supplier's manager)."""
    if role not in ROLES:
        raise AccountRefused(_("Select a role"), field="role")
    kinds = ROLE_ORGANISATION_KINDS[role]
    if not kinds:
        if organisation is not None:
            raise AccountRefused(
                _("An administrator does not belong to an organisation – select no organisation"),
                field="organisation_id",
            )
        return
    if organisation is None:
        raise AccountRefused(organisation_needed(role), field="organisation_id")
    if organisation.kind not in kinds:
        raise AccountRefused(
            organisation_misfits(role, organisation.name, organisation.kind),
            field="organisation_id",
        )


def organisation_needed(role: str) -> str:
    """Why a role that belongs to an organisation (of the kinds ROLE_ORGANISATION_KINDS
    gives it) needs one chosen: a whole sentence per role, for translators."""
    if role == "contract_manager":
        return _("Select the buyer or prime supplier organisation this contract manager works for")
    if role == "supplier_user":
        return _("Select the supplier or prime supplier organisation this supplier user works for")
    raise KeyError(role)


def organisation_misfits(role: str, name: str, kind: str) -> str:
    """Why organisation `name`, of `kind`, cannot hold `role` (as organisation_needed)."""
    if role == "contract_manager":
        return _(
            "A contract manager must belong to a buyer or prime supplier organisation – "
            "%(name)s is a %(kind)s",
            name=name,
            kind=KIND_NAMES[kind],
        )
    if role == "supplier_user":
        return _(
            "A supplier user must belong to a supplier or prime supplier organisation – "
            "%(name)s is a %(kind)s",
            name=name,
            kind=KIND_NAMES[kind],
        )
    raise KeyError(role)


def _new_link(user: User) -> IssuedLink:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + SET_PASSWORD_LINK_LIFETIME
    user.set_password_token_hash = _token_hash(token)
    user.set_password_expires_at = expires_at
    return IssuedLink(user=user, token=token, expires_at=expires_at)


def create_user(
    email: str, name: str, role: str, organisation_id: int | None, *, actor: User | None
) -> IssuedLink:
    """Create an account with no password and a one-time link to set one."""
    email = normalise_email(email)
    name = name.strip()
    problem = email_problem(email)
    if problem:
        raise AccountRefused(problem, field="email")
    if not name:
        raise AccountRefused(_("Enter their full name"), field="name")
    organisation = None
    if organisation_id is not None:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise AccountRefused(_("Select an organisation from the list"), field="organisation_id")
    check_role_fits(role, organisation)
    duplicate = AccountRefused(_("An account with this email address already exists"), "email")
    if user_by_email(email) is not None:
        raise duplicate
    user = User(email=email, name=name, role=role, organisation_id=organisation_id)
    db.session.add(user)
    issued = _new_link(user)
    try:
        db.session.flush()
    except IntegrityError:  # created by someone else since the check above
        db.session.rollback()
        raise duplicate from None
    record("user_created", actor=actor, obj=user, organisation_id=organisation_id, role=role)
    db.session.commit()
    return issued


def issue_set_password_link(user: User, *, actor: User | None) -> IssuedLink:
    """A new one-time link; the old link and password stop working and sessions end."""
    if not user.is_active:
        raise AccountRefused(_("This account is deactivated, so it cannot be given a new link"))
    issued = _new_link(user)
    user.password_hash = None
    user.session_version += 1
    record("set_password_link_issued", actor=actor, obj=user, organisation_id=user.organisation_id)
    db.session.commit()
    return issued


def deactivate_user(user: User, *, actor: User | None) -> None:
    """The user can no longer sign in; their sessions and any set-password link end."""
    if actor is not None and actor.id == user.id:
        raise AccountRefused(_("You cannot deactivate your own account"))
    if not user.is_active:
        return
    user.is_active = False
    user.set_password_token_hash = None
    user.set_password_expires_at = None
    user.session_version += 1
    record("user_deactivated", actor=actor, obj=user, organisation_id=user.organisation_id)
    db.session.commit()


def user_for_link(token: str) -> User:
    """The user a set-password link is for; raises LinkUnusable (404 unknown/used, 410 expired)."""
    user = db.session.scalar(select(User).where(User.set_password_token_hash == _token_hash(token)))
    if user is None or not user.is_active:
        raise LinkUnusable(404)
    expires_at = user.set_password_expires_at
    if expires_at is None or expires_at <= utcnow():
        raise LinkUnusable(410)
    return user


def set_password(token: str, password: str) -> User:
    """Use the link once: store the new hash and end every existing session of the user."""
    user = user_for_link(token)
    problem = password_problem(password, user.email)
    if problem:
        raise AccountRefused(problem, field="password")
    # Conditional on the token still being there, so two submissions cannot both use it.
    used = db.session.execute(
        update(User)
        .where(User.id == user.id, User.set_password_token_hash == _token_hash(token))
        .values(
            password_hash=hash_password(password),
            set_password_token_hash=None,
            set_password_expires_at=None,
            session_version=User.session_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise LinkUnusable(404)
    record("password_set", actor=user, obj=user, organisation_id=user.organisation_id)
    db.session.commit()
    db.session.refresh(user)
    return user


def change_password(user: User, current: str, password: str) -> User:
    """A signed-in user replaces their password, proving the current one first.

    Every other session of theirs ends (the session version moves on); the caller signs
    this one in again. A wrong current password is audited like a failed sign-in.
    """
    if user.password_hash is None or not verify_password(user.password_hash, current):
        record("password_change_failed", actor=user, obj=user, organisation_id=user.organisation_id)
        db.session.commit()
        raise AccountRefused(_("Enter your current password correctly"), field="current")
    problem = password_problem(password, user.email)
    if problem:
        raise AccountRefused(problem, field="password")
    if verify_password(user.password_hash, password):
        raise AccountRefused(
            _("Enter a password different from your current one"), field="password"
        )
    user.password_hash = hash_password(password)
    user.session_version = user.session_version + 1
    record("password_changed", actor=user, obj=user, organisation_id=user.organisation_id)
    db.session.commit()
    return user
