"""Opening collections and issuing invitations."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, func, select, update

from svcollect.extensions import db
from svcollect.models import (
    AnswerDeletion,
    Collection,
    Contract,
    Invitation,
    InvitationBatch,
    Organisation,
    QuestionnaireVersion,
    Response,
    User,
)
from svcollect.models._types import UK, utcnow
from svcollect.models.collection import ACCESS_MODES, AUDIENCES, WAVES
from svcollect.services import audit
from svcollect.services.contracts import contract_for, deletion_for, lock_contract, long_day
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.responses import batch_token, sha256_hex


class CollectionRefused(ValueError):
    """The collection cannot be opened as asked; the message says why and what to do, and
    `field` names the form field it is about (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CollectionRequest:
    contract: Contract
    version: QuestionnaireVersion
    audience: str
    wave: str
    label: str
    opens_at: datetime
    closes_at: datetime
    access: str = "open"


def open_collection(
    request: CollectionRequest,
    licensee: Organisation,
    actor: User | None = None,
    *,
    allow_past: bool = False,
) -> Collection:
    """Open a collection, pinning the questionnaire version; enforces the licence gate.

    A collection opens no later than its contract's last day, and is not over before it
    starts: one closing before today (a UK day) is refused unless `allow_past` — for
    tests and scripts that build a past wave on purpose; the web form never passes it.
    """
    questionnaire = questionnaire_for(request.version)
    # The contract's end date as saved now, kept so until this is saved (lock_contract).
    lock_contract(request.contract)
    if deletion_for(request.contract.id) is not None:
        raise CollectionRefused(
            _(
                "This contract's survey answers were deleted at the end of their retention "
                "period and only its results are kept, so it takes no new collections"
            )
        )
    if request.audience not in AUDIENCES:
        raise CollectionRefused(
            _("Audience must be one of %(choices)s", choices=", ".join(AUDIENCES)), "audience"
        )
    if request.wave not in WAVES:
        raise CollectionRefused(
            _("Wave must be one of %(choices)s", choices=", ".join(WAVES)), "wave"
        )
    if request.access not in ACCESS_MODES:
        raise CollectionRefused(
            _("Access must be one of %(choices)s", choices=", ".join(ACCESS_MODES)), "access"
        )
    if request.access == "supplier" and request.audience != "supplier":
        raise CollectionRefused(
            _("Only supplier collections can be answered by signed-in suppliers"), "access"
        )
    if request.audience not in questionnaire.audience:
        raise CollectionRefused(
            _(
                "%(questionnaire)s is not for a %(audience)s audience (it is for %(audiences)s)",
                questionnaire=_(questionnaire.title),
                audience=request.audience,
                audiences=", ".join(questionnaire.audience),
            ),
            "audience",
        )
    _check_dates(request, allow_past)
    licence_ref = None
    if questionnaire.licence is not None and questionnaire.licence.registration_required:
        licence_ref = licensee.wemwbs_licence_ref
        if not licence_ref:
            raise CollectionRefused(
                _(
                    "%(questionnaire)s needs a licence: %(organisation)s must record its "
                    "licence reference from %(owner)s before this collection can open",
                    questionnaire=_(questionnaire.title),
                    organisation=licensee.name,
                    owner=questionnaire.licence.owner,
                ),
                "questionnaire",
            )
    collection = Collection(
        public_id=secrets.token_urlsafe(12),
        contract_id=request.contract.id,
        questionnaire_version_id=request.version.id,
        audience=request.audience,
        wave=request.wave,
        label=request.label,
        access=request.access,
        opens_at=request.opens_at,
        closes_at=request.closes_at,
        licence_ref=licence_ref,
    )
    db.session.add(collection)
    db.session.flush()
    audit.record(
        "collection_opened",
        actor=actor,
        obj=collection,
        organisation_id=request.contract.buyer_id,
        questionnaire=f"{questionnaire.id}/v{questionnaire.version}",
        audience=request.audience,
        wave=request.wave,
        access=request.access,
    )
    db.session.commit()
    return collection


def _check_dates(request: CollectionRequest, allow_past: bool) -> None:
    # The web form sends whole UK days (uk_day_bounds): a collection closing on 5 May
    # closes at the start of 6 May, so "closes on or after opens" is closes_at > opens_at.
    if request.closes_at <= request.opens_at:
        raise CollectionRefused(
            _("The closing date must be the same as or after the opening date"), "closes_on"
        )
    if not allow_past and request.closes_at <= uk_midnight(uk_today()):
        raise CollectionRefused(_("The closing date must be today or in the future"), "closes_on")
    ends_on = request.contract.ends_on
    if request.opens_at.astimezone(UK).date() > ends_on:
        raise CollectionRefused(
            _(
                "The opening date must be the same as or before the contract's end date, %(day)s",
                day=long_day(ends_on),
            ),
            "opens_on",
        )


def uk_today() -> date:
    return utcnow().astimezone(UK).date()


#: how long whoever made invitation links can download them again
LINKS_KEPT_FOR = timedelta(days=1)


def issue_invitations(
    collection: Collection, count: int, actor: User | None = None, *, commit: bool = True
) -> InvitationBatch:
    """Make a batch of `count` single-use links; only their hashes are stored, and the
    batch's maker can download them for `LINKS_KEPT_FOR` (`batch_links`). With
    `commit=False` the caller commits, after claiming its form's key in the same
    transaction."""
    if not 1 <= count <= 10000:
        raise CollectionRefused(_("Enter a number of invitations from 1 to 10,000"))
    if collection.state(utcnow()) == "closed":
        raise CollectionRefused(_("This collection has closed, so links to it would not work"))
    db.session.execute(
        update(InvitationBatch)
        .where(InvitationBatch.made_at < utcnow() - LINKS_KEPT_FOR)
        .where(InvitationBatch.seed.is_not(None))
        .values(seed=None)
    )
    batch = InvitationBatch(
        collection_id=collection.id,
        made_by_id=actor.id if actor else None,
        count=count,
        seed=secrets.token_urlsafe(32),
    )
    db.session.add(batch)
    db.session.flush()
    db.session.add_all(
        Invitation(collection_id=collection.id, token_hash=sha256_hex(t)) for t in tokens_of(batch)
    )
    audit.record(
        "invitations_issued",
        actor=actor,
        obj=collection,
        organisation_id=collection.contract.buyer_id,
        count=count,
        batch=batch.id,
    )
    if commit:
        db.session.commit()
    return batch


def tokens_of(batch: InvitationBatch) -> list[str]:
    """The batch's tokens, made from its seed (which must not have been cleared)."""
    assert batch.seed is not None
    return [batch_token(batch.seed, n) for n in range(1, batch.count + 1)]


def batch_for(user: User, collection: Collection, batch_id: int) -> InvitationBatch | None:
    """The batch if this user made it, on this collection; None (a 404) otherwise: the
    links lead to people's answers, and only their maker has seen them."""
    batch = db.session.get(InvitationBatch, batch_id)
    if batch is None or batch.collection_id != collection.id or batch.made_by_id != user.id:
        return None
    return batch


def downloadable_batches(user: User, collection: Collection) -> list[InvitationBatch]:
    """The batches of links this user made on the collection that they can still download,
    newest first."""
    return list(
        db.session.scalars(
            select(InvitationBatch)
            .filter_by(collection_id=collection.id, made_by_id=user.id)
            .where(InvitationBatch.seed.is_not(None))
            .where(InvitationBatch.made_at >= utcnow() - LINKS_KEPT_FOR)
            .order_by(InvitationBatch.made_at.desc(), InvitationBatch.id.desc())
        )
    )


def links_until(batch: InvitationBatch) -> datetime | None:
    """Until when the batch's links can be downloaded; None once they cannot."""
    if batch.seed is None or utcnow() >= batch.made_at + LINKS_KEPT_FOR:
        return None
    return batch.made_at + LINKS_KEPT_FOR


def batch_links(batch: InvitationBatch, actor: User) -> list[str] | None:
    """The batch's tokens, made again; None when they can no longer be made, or would not
    work (the app secret changed since): links that lead nowhere are never handed out."""
    if links_until(batch) is None:
        return None
    tokens = tokens_of(batch)
    hashes = [sha256_hex(t) for t in tokens]
    found = 0
    for start in range(0, len(hashes), 500):
        found += (
            db.session.scalar(
                select(func.count())
                .select_from(Invitation)
                .where(
                    Invitation.collection_id == batch.collection_id,
                    Invitation.token_hash.in_(hashes[start : start + 500]),
                )
            )
            or 0
        )
    if found != batch.count:
        batch.seed = None  # they never will be: the page then says so
        db.session.commit()
        return None
    audit.record(
        "invitation_links_downloaded",
        actor=actor,
        obj=batch.collection,
        organisation_id=batch.collection.contract.buyer_id,
        batch=batch.id,
    )
    db.session.commit()
    return tokens


def collection_for(user: User, collection_id: int) -> Collection | None:
    """The collection if this user may manage its contract; None (a 404) otherwise."""
    collection = db.session.get(Collection, collection_id)
    if collection is None or contract_for(user, collection.contract_id) is None:
        return None
    return collection


def collections_of(contract: Contract) -> list[Collection]:
    return list(
        db.session.scalars(
            select(Collection).filter_by(contract_id=contract.id).order_by(Collection.created_at)
        )
    )


@dataclass(frozen=True)
class Counts:
    submitted: int
    in_progress: int
    invitations: int
    invitations_used: int
    #: the survey answers were deleted at the end of retention; submitted is the kept count
    answers_deleted: bool = False


def kept_counts(collection_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The response counts kept for collections whose answers were deleted after retention.

    Each is {"submitted": n, "days": {"YYYY-MM-DD": n}}: aggregates only, so figures built
    on them are suppressed like any other.
    """
    wanted = set(collection_ids)
    kept: dict[int, dict[str, Any]] = {}
    rows = db.session.scalars(
        select(AnswerDeletion.kept_counts_json)
        .join(Collection, Collection.contract_id == AnswerDeletion.contract_id)
        .where(Collection.id.in_(wanted))
        .distinct()
    )
    for text in rows:
        for cid, counts in json.loads(text).items():
            if int(cid) in wanted:
                kept[int(cid)] = counts
    return kept


def response_counts(collection_ids: list[int]) -> dict[int, Counts]:
    """How many responses each collection has, without anything about who gave them."""
    by_status: dict[tuple[int, str], int] = {}
    for cid, status, n in db.session.execute(
        select(Response.collection_id, Response.status, func.count())
        .where(Response.collection_id.in_(collection_ids))
        .group_by(Response.collection_id, Response.status)
    ):
        by_status[(cid, status)] = n
    invites: dict[int, tuple[int, int]] = {}
    for cid, total, used in db.session.execute(
        select(
            Invitation.collection_id,
            func.count(),
            func.count(Invitation.redeemed_at),
        )
        .where(Invitation.collection_id.in_(collection_ids))
        .group_by(Invitation.collection_id)
    ):
        invites[cid] = (total, used)
    kept = kept_counts(collection_ids)
    return {
        cid: Counts(
            # Once kept, the kept count (rows still waiting to be deleted are in it).
            submitted=int(kept[cid]["submitted"])
            if cid in kept
            else by_status.get((cid, "submitted"), 0),
            in_progress=0 if cid in kept else by_status.get((cid, "in_progress"), 0),
            invitations=invites.get(cid, (0, 0))[0],
            invitations_used=invites.get(cid, (0, 0))[1],
            answers_deleted=cid in kept,
        )
        for cid in collection_ids
    }


def close_early(user: User, collection: Collection) -> None:
    """Close a collection before its closing date, once: of two clicks (or two tabs, or
    two managers) only the first closes it and is audited, the other is told it was."""
    now = utcnow()
    # One UPDATE that closes it only if nothing has: reading its state first and writing
    # after let two requests both close it, each recording that it had.
    closed = db.session.execute(
        update(Collection)
        .where(
            Collection.id == collection.id,
            Collection.closed_early_at.is_(None),
            Collection.closes_at > now,
        )
        .values(closed_early_at=now)
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], closed).rowcount:
        db.session.rollback()  # and read as it is now
        raise CollectionRefused(
            _(
                "This collection is already closed: it closed on %(day)s",
                day=long_day(collection.closed_on),
            )
        )
    db.session.refresh(collection)
    audit.record(
        "collection_closed",
        actor=user,
        obj=collection,
        organisation_id=collection.contract.buyer_id,
        early=True,
    )
    db.session.commit()


def uk_midnight(day: date) -> datetime:
    """The UTC instant at which ``day`` starts in the UK."""
    return datetime.combine(day, time.min, tzinfo=UK).astimezone(UTC)


def uk_day_bounds(opens_on: date, closes_on: date) -> tuple[datetime, datetime]:
    """A collection opens at the start of its first UK day and closes at the end of its last."""
    return uk_midnight(opens_on), uk_midnight(closes_on + timedelta(days=1))
