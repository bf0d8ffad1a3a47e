"""The respondent journey's state changes: start, save a page, set a code, submit exactly once.

Invitations and responses are deliberately unlinked in the database: the invitation token
derives the response's resume key through the app secret, so only someone holding the token
can find the response, and the tables hold no foreign key between them. Holding the token
is not enough to open it, though: whoever issued the link holds the token too. A response's
idempotency key is the one on the consent form that started it, which only the browser that
sent the form has seen (`started_with`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from svcollect.extensions import db
from svcollect.forms.answer_types import Stored, answer_type, typed_answers
from svcollect.models import Answer, Collection, Invitation, Respondent, Response
from svcollect.models._types import utcnow
from svcollect.questionnaires import Page, Question, Questionnaire
from svcollect.services.respondent_codes import ALPHABET, CONFUSABLE, hash_code
from svcollect.services.respondents import respondent_id

PAGE_MARKER = "__page__"


class AccessDenied(Exception):
    """A link that cannot be used; `kind` picks the page and status shown."""

    #: "started": an invitation already redeemed by another browser; 409, as the link
    #: conflicts with the invitation's state, and so such attempts are counted in logs
    STATUS = {"unknown": 404, "not_open": 403, "closed": 410, "used": 410, "started": 409}

    def __init__(self, kind: str, collection: Collection | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.collection = collection

    @property
    def status(self) -> int:
        return self.STATUS[self.kind]


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _keyed(purpose: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def batch_token(seed: str, number: int) -> str:
    """Invitation `number` of the batch made from `seed` (models.InvitationBatch): made
    again from the app secret whenever its maker downloads the links; never stored."""
    return _keyed("invitation", f"{seed}:{number}")[:32]


def resume_key_for(idempotency_key: str) -> str:
    return _keyed("resume", idempotency_key)


def invitation_idempotency_key(token: str) -> str:
    return _keyed("invite", token)


def link_mark(resume_key: str) -> str:
    """A keyed hash of a resume key, by which a browser shows that it held the link without
    keeping the key (in the session once the answers are deleted, in the deletion form).
    No row holds it: by itself it leads to nothing."""
    return _keyed("mark", resume_key)[:22]


def check_open(collection: Collection, now: datetime | None = None) -> None:
    state = collection.state(now or utcnow())
    if state != "open":
        raise AccessDenied(state, collection)


def open_link_collection(public_id: str) -> Collection:
    collection = db.session.scalar(select(Collection).filter_by(public_id=public_id, access="open"))
    if collection is None:
        raise AccessDenied("unknown")
    return collection


@dataclass(frozen=True)
class InvitationState:
    collection: Collection
    invitation: Invitation
    #: the resume key of the response the invitation leads to, derived from its token
    resume_key: str
    #: that response, in progress, once the invitation has been redeemed; None before
    response: Response | None


def invitation_state(token: str) -> InvitationState:
    """Where an invitation link leads: the start page, or the response it already began.

    Who may open that response is the caller's question (`started_with`).
    """
    invitation = db.session.scalar(select(Invitation).filter_by(token_hash=sha256_hex(token)))
    if invitation is None:
        raise AccessDenied("unknown")
    collection = db.session.get(Collection, invitation.collection_id)
    assert collection is not None
    resume_key = resume_key_for(invitation_idempotency_key(token))
    if invitation.redeemed_at is None:
        return InvitationState(collection, invitation, resume_key, None)
    response = response_by_resume_key(resume_key)
    if response is None or response.status == "submitted":
        raise AccessDenied("used", collection)
    return InvitationState(collection, invitation, resume_key, response)


def started_with(response: Response, idempotency_key: str) -> bool:
    """Whether `response` was started by the consent form that carried `idempotency_key`."""
    return hmac.compare_digest(response.idempotency_key, sha256_hex(idempotency_key))


def start_response(
    collection: Collection,
    questionnaire: Questionnaire,
    idempotency_key: str,
    invitation: InvitationState | None = None,
) -> str:
    """Create the response after consent; a repeat of the same consent form (same key)
    returns the same one.

    Returns the resume key for the respondent's link. An invitation is redeemed once: a
    consent form other than the one that redeemed it raises AccessDenied("started").
    """
    key_hash = sha256_hex(idempotency_key)
    if invitation is None:
        resume_key = resume_key_for(idempotency_key)
    else:
        resume_key = invitation.resume_key
        if invitation.response is not None:
            if started_with(invitation.response, idempotency_key):
                return resume_key
            raise AccessDenied("started", collection)
    resume_hash = sha256_hex(resume_key)
    existing = db.session.scalar(
        select(Response.resume_key_hash).filter_by(idempotency_key=key_hash)
    )
    if existing is not None:
        if existing == resume_hash:
            return resume_key
        raise AccessDenied("unknown")  # a form key sent again with another link
    now = utcnow()
    response = Response(
        collection_id=collection.id,
        questionnaire_version_id=collection.questionnaire_version_id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_hash=questionnaire.content_hash,
        idempotency_key=key_hash,
        resume_key_hash=resume_hash,
        reference=new_reference(),
        consent_given=True,
        status="in_progress",
        started_at=now,
        updated_at=now,
    )
    db.session.add(response)
    if invitation is not None:
        invitation.invitation.redeemed_at = now
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request won the race: the same form sent twice (that row is the
        # response), or another browser redeeming the same invitation (it is theirs).
        db.session.rollback()
        winner = db.session.scalar(
            select(Response.idempotency_key).filter_by(resume_key_hash=resume_hash)
        )
        if winner is None:
            raise
        if winner != key_hash:
            raise AccessDenied("started", collection) from None
    return resume_key


REFERENCE_PREFIX = "SV-"
REFERENCE_LENGTH = 8  # characters after the prefix


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH))


def as_reference(text: str) -> str | None:
    """A confirmation reference as typed or read out ("sv 4k7q 2m9b"), in its stored form."""
    cleaned = re.sub(r"[\s\-–—_.]", "", text.upper())
    if cleaned.startswith("SV") and len(cleaned) == 2 + REFERENCE_LENGTH:
        cleaned = cleaned[2:]
    cleaned = cleaned.translate(CONFUSABLE)
    if len(cleaned) != REFERENCE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return REFERENCE_PREFIX + cleaned


# Every respondent request runs these two. Built once, with bound parameters, they skip
# building the statement and its cache key each time (about 0.15 ms a request).
# The response comes with its collection and questionnaire version, which every
# respondent request reads: one query with joins instead of three.
_RESPONSE_BY_KEY_HASH = (
    select(Response)
    .where(Response.resume_key_hash == bindparam("key_hash"))
    .options(joinedload(Response.collection).joinedload(Collection.questionnaire_version))
)
_SAVED_ROWS = select(Answer.question_id, Answer.value_text, Answer.value_number).where(
    Answer.response_id == bindparam("response_id")
)


def response_by_resume_key(resume_key: str) -> Response | None:
    if not resume_key or len(resume_key) > 100:
        return None
    return db.session.scalar(_RESPONSE_BY_KEY_HASH, {"key_hash": sha256_hex(resume_key)})


def saved_rows(response: Response) -> dict[str, Stored]:
    rows = db.session.execute(_SAVED_ROWS, {"response_id": response.id})
    return {qid: (text, number) for qid, text, number in rows}


@dataclass(frozen=True)
class Progress:
    """What the respondent has answered and where they are in the questionnaire."""

    questionnaire: Questionnaire
    rows: dict[str, Stored]
    typed: dict[str, object]

    @classmethod
    def of(cls, questionnaire: Questionnaire, response: Response) -> Progress:
        return cls.from_rows(questionnaire, saved_rows(response))

    @classmethod
    def from_rows(cls, questionnaire: Questionnaire, rows: dict[str, Stored]) -> Progress:
        return cls(questionnaire, rows, typed_answers(questionnaire.questions(), rows))

    def after_save(self, page: Page, saved: dict[str, Stored]) -> Progress:
        """This progress once `save_page` has replaced the page's rows with `saved`."""
        replaced = set(_page_keys(page))
        rows = {qid: row for qid, row in self.rows.items() if qid not in replaced}
        rows.update(saved)
        return Progress.from_rows(self.questionnaire, rows)

    def visible_pages(self) -> list[Page]:
        """Pages shown to this respondent: visible, with at least one visible question."""
        questions = {q.id for q in self.questionnaire.visible_questions(self.typed)}
        return [
            page
            for page in self.questionnaire.visible_pages(self.typed)
            if any(q.id in questions for q in page.questions)
        ]

    def page_count_settled(self) -> bool:
        """Whether the number of pages shown can no longer change: no show_if still waits
        on a question this respondent will be asked but has not answered."""
        waiting = {q.id for q in self.questionnaire.visible_questions(self.typed)} - set(self.rows)
        conditions = [page.show_if for page in self.questionnaire.pages] + [
            q.show_if for q in self.questionnaire.questions()
        ]
        return not any(c is not None and c.question in waiting for c in conditions)

    def visible_questions(self, page: Page) -> list[Question]:
        visible = {q.id for q in self.questionnaire.visible_questions(self.typed)}
        return [q for q in page.questions if q.id in visible]

    def page_complete(self, page: Page) -> bool:
        """Every visible required question answered; a page of optional ones once saved.

        A page whose saved dates break a ``not_before`` rule is not complete either: its
        answers were saved before the rule applied (a draft on a version the service
        layer added the rule to, or a re-attestation's copy of an older declaration), and
        the page must be answered again, where the form says what is wrong.
        """
        questions = self.visible_questions(page)
        if any(q.not_before for q in questions):
            shown = {q.id: self.typed[q.id] for q in questions if q.id in self.typed}
            if any(q.too_early(shown) for q in questions):
                return False
        if any(q.required for q in questions):
            return all(q.id in self.rows for q in questions if q.required)
        return PAGE_MARKER + page.id in self.rows or any(q.id in self.rows for q in questions)

    def first_incomplete_page(self) -> Page | None:
        for page in self.visible_pages():
            if not self.page_complete(page):
                return page
        return None

    def next_page(self, after: Page) -> Page | None:
        pages = self.visible_pages()
        ids = [p.id for p in pages]
        if after.id not in ids:
            return self.first_incomplete_page()
        index = ids.index(after.id)
        return pages[index + 1] if index + 1 < len(pages) else None

    def previous_page(self, before: Page) -> Page | None:
        pages = self.visible_pages()
        ids = [p.id for p in pages]
        if before.id not in ids or ids.index(before.id) == 0:
            return None
        return pages[ids.index(before.id) - 1]


# Saving and submitting change rows with one statement and commit straight after, which
# expires every object in the session: matching the change against those objects first
# (SQLAlchemy's default) costs 0.05-0.1 ms a statement for nothing.
_UNSYNCHRONISED = {"synchronize_session": False}
# Built once: constructing them per request cost more than running them on SQLite.
_DELETE_ROWS = delete(Answer).where(
    Answer.response_id == bindparam("response_id"),
    Answer.question_id.in_(bindparam("question_ids", expanding=True)),
)
_TOUCH = (
    update(Response)
    .where(Response.id == bindparam("response_id"))
    .values(updated_at=bindparam("now"))
)
_SUBMIT = (
    update(Response)
    .where(Response.id == bindparam("response_id"), Response.status == "in_progress")
    .values(status="submitted", submitted_at=bindparam("now"), updated_at=bindparam("now"))
)


def _page_keys(page: Page) -> list[str]:
    """The answer rows a page's save replaces: its questions' and its marker."""
    return [q.id for q in page.questions] + [PAGE_MARKER + page.id]


def save_page(
    response: Response, page: Page, values: Mapping[str, Stored | None]
) -> dict[str, Stored]:
    """Replace this page's saved answers with `values` (None = not answered).

    Returns the rows now saved for the page, for `Progress.after_save`.
    """
    question_ids = _page_keys(page)
    response_id = response.id
    now = utcnow()
    db.session.execute(
        _DELETE_ROWS,
        {"response_id": response_id, "question_ids": question_ids},
        execution_options=_UNSYNCHRONISED,
    )
    saved: dict[str, Stored] = {qid: stored for qid, stored in values.items() if stored is not None}
    # A marker row records that the page was saved, even when every answer was optional.
    saved[PAGE_MARKER + page.id] = (None, None)
    db.session.execute(
        Answer.__table__.insert(),
        [
            {
                "response_id": response_id,
                "question_id": qid,
                "value_text": text,
                "value_number": number,
                "answered_at": now,
            }
            for qid, (text, number) in saved.items()
        ],
    )
    db.session.execute(
        _TOUCH, {"response_id": response_id, "now": now}, execution_options=_UNSYNCHRONISED
    )
    db.session.commit()
    return saved


def set_respondent_code(response: Response, canonical_code: str, source: str) -> None:
    salt = response.collection.contract.respondent_salt
    response.respondent_id = respondent_id(hash_code(salt, canonical_code))
    response.code_source = source
    response.updated_at = utcnow()
    db.session.commit()


def earlier_survey_has(response: Response, canonical_code: str) -> bool | None:
    """Whether a response submitted to another of the contract's collections gave this
    code: a code typed from an earlier survey that none gave is likely mistyped, and its
    answers would pair with nothing. None when no other collection has a submitted
    response with a code (the first survey: nothing to check against)."""
    others = (
        select(Response.id)
        .join(Collection, Collection.id == Response.collection_id)
        .where(
            Collection.contract_id == response.collection.contract_id,
            Response.collection_id != response.collection_id,
            Response.status == "submitted",
            Response.respondent_id.is_not(None),
        )
    )
    if db.session.scalar(others.limit(1)) is None:
        return None
    code_hash = hash_code(response.collection.contract.respondent_salt, canonical_code)
    same = others.join(Respondent, Respondent.id == Response.respondent_id).where(
        Respondent.code_hash == code_hash
    )
    return db.session.scalar(same.limit(1)) is not None


def needs_code(response: Response) -> bool:
    return response.collection.audience != "supplier" and response.respondent_id is None


def submit_response(response: Response, progress: Progress) -> bool:
    """Submit once. Returns False when it had already been submitted (a repeat)."""
    if response.status == "submitted":
        return False
    visible = {q.id for q in progress.questionnaire.visible_questions(progress.typed)}
    hidden = [
        qid for qid in progress.rows if qid not in visible and not qid.startswith(PAGE_MARKER)
    ]
    markers = [qid for qid in progress.rows if qid.startswith(PAGE_MARKER)]
    stale = hidden + markers
    if stale:
        # Answers to questions a later change hid are not part of what was submitted.
        db.session.execute(
            _DELETE_ROWS,
            {"response_id": response.id, "question_ids": stale},
            execution_options=_UNSYNCHRONISED,
        )
    result = db.session.execute(
        _SUBMIT, {"response_id": response.id, "now": utcnow()}, execution_options=_UNSYNCHRONISED
    )
    db.session.commit()
    # No refresh: the commit expired `response`, so a caller that reads it gets the new row.
    return bool(cast(CursorResult[Any], result).rowcount)


def stored_values(
    questions: list[Question], form_data: Mapping[str, object]
) -> dict[str, Stored | None]:
    return {q.id: answer_type(q).to_stored(q, form_data.get(q.id)) for q in questions}
