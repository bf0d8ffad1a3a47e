"""Withdrawal of consent: a respondent's answers are deleted, found by what they hold.

A respondent deletes their own response from their link (`withdraw_own`), before or after
submitting. Later, since svcollect does not know who answered, they ask the organisation
that sent the survey, giving the reference from their confirmation page or their
respondent code: a contract manager finds the responses with it (`find`), sees how many
there are and in which collections (never the answers), and deletes them (`withdraw`).
Either way the answers, the responses and the respondent row once no response points at
it go in one transaction, and the audit log records that responses were withdrawn and how
many, not which.

Supplier declarations are organisations' evidence, not personal answers: neither path
reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, exists, select

from svcollect.extensions import db
from svcollect.models import Collection, Contract, EvidenceFile, User
from svcollect.models.response import Answer, Respondent, Response
from svcollect.services import audit
from svcollect.services.contracts import deletion_for
from svcollect.services.evidence import delete_unused_files
from svcollect.services.imports import read_paper_code
from svcollect.services.respondent_codes import hash_code
from svcollect.services.responses import PAGE_MARKER, as_reference

#: the audience whose responses are organisations' declarations, not personal answers
DECLARATIONS = "supplier"
#: ids per statement, well inside every database's parameter limit
_CHUNK = 500


def withdrawable(response: Response) -> bool:
    return response.collection.audience != DECLARATIONS


class NotFound(Exception):
    """Nothing on this contract matches what was given; the message says so plainly."""


@dataclass(frozen=True)
class Found:
    """What a withdrawal would delete: enough to confirm, nothing of the answers."""

    response_ids: tuple[int, ...]
    #: (collection label, submitted or not) per response; no dates, which could narrow down who
    responses: tuple[tuple[str, bool], ...]
    answers: int


def personal_responses(contract: Contract, *columns: Any) -> Select[Any]:
    """A query of `columns` (the response id if none) over the contract's survey responses,
    which hold people's answers; supplier declarations are left out."""
    return (
        select(*(columns or (Response.id,)))
        .select_from(Response)
        .join(Collection, Collection.id == Response.collection_id)
        .where(Collection.contract_id == contract.id, Collection.audience != DECLARATIONS)
    )


def find(contract: Contract, given: str) -> Found:
    """The respondent responses on `contract` that a reference or respondent code names.

    A reference names one response; a respondent code names every response that gave it on
    this contract (a baseline and its follow-ups).
    """
    on_contract = personal_responses(contract, Response.id, Collection.label, Response.status)
    rows = []
    reference = as_reference(given)
    if reference is not None:
        rows = list(db.session.execute(on_contract.where(Response.reference == reference)))
    code = read_paper_code(given)  # issued, entered or memorable, as the journey stores it
    if not rows and code is not None:
        canonical = code[0]
        respondent = select(Respondent.id).where(
            Respondent.code_hash == hash_code(contract.respondent_salt, canonical)
        )
        rows = list(
            db.session.execute(
                on_contract.where(
                    Response.respondent_id.in_(respondent.scalar_subquery())
                ).order_by(Response.id)
            )
        )
    if not rows and (deletion := deletion_for(contract.id)) is not None:
        on = deletion.deleted_at
        raise NotFound(
            f"This contract's survey answers were deleted on {on.day} {on:%B %Y}, at the end "
            "of their retention period, so there is nothing left to withdraw"
        )
    if not rows:
        raise NotFound(
            "No answers on this contract match that reference or respondent code. "
            "Check it with the respondent"
        )
    ids = tuple(row.id for row in rows)
    answers = db.session.scalar(
        select(db.func.count())
        .select_from(Answer)
        .where(Answer.response_id.in_(ids), ~Answer.question_id.startswith(PAGE_MARKER))
    )
    return Found(
        response_ids=ids,
        responses=tuple((r.label, r.status == "submitted") for r in rows),
        answers=int(answers or 0),
    )


@dataclass(frozen=True)
class Deleted:
    """How many rows (and uploaded files) a deletion removed."""

    responses: int = 0
    answers: int = 0
    respondents: int = 0
    files: int = 0


def _rowcount(statement: Any) -> int:
    return int(cast(CursorResult[Any], db.session.execute(statement)).rowcount)


def delete_responses(ids: list[int]) -> Deleted:
    """Delete these responses, their answers, files they uploaded and any respondent row
    left unused.

    Nothing is committed: the caller commits with its audit record, or rolls back. Files
    go from the upload folder at once (a failed commit leaves a record of a file that is
    gone, never a file that should be), unless another record still uses them.
    """
    respondents = (
        select(Response.respondent_id)
        .where(Response.id.in_(ids), Response.respondent_id.is_not(None))
        .distinct()
    )
    respondent_ids = list(db.session.scalars(respondents))
    uploads = select(EvidenceFile.stored_name).where(EvidenceFile.response_id.in_(ids))
    stored = set(db.session.scalars(uploads))
    _rowcount(delete(EvidenceFile).where(EvidenceFile.response_id.in_(ids)))
    answers = _rowcount(delete(Answer).where(Answer.response_id.in_(ids)))
    responses = _rowcount(delete(Response).where(Response.id.in_(ids)))
    unused = 0
    for start in range(0, len(respondent_ids), _CHUNK):
        # Only rows no other response still points at (a code can be shared by contracts
        # with the same salt, and the respondent may have answered elsewhere).
        unused += _rowcount(
            delete(Respondent).where(
                Respondent.id.in_(respondent_ids[start : start + _CHUNK]),
                ~exists().where(Response.respondent_id == Respondent.id),
            )
        )
    return Deleted(responses, answers, unused, delete_unused_files(stored))


def withdraw(actor: User, contract: Contract, given: str) -> int:
    """Delete what `given` names on `contract`, in one transaction; returns the responses deleted.

    Found again here rather than trusted from the confirmation page, so a repeat (a double
    click, a resent form) finds nothing and raises NotFound instead of deleting twice.
    """
    found = find(contract, given)
    deleted = delete_responses(list(found.response_ids)).responses
    if not deleted:
        # Another withdrawal of the same responses committed first.
        db.session.rollback()
        raise NotFound("These responses have just been deleted")
    audit.record(
        "responses_withdrawn",
        actor=actor,
        obj=contract,
        organisation_id=contract.buyer_id,
        responses=deleted,
        answers=found.answers,
    )
    db.session.commit()
    return deleted


def withdraw_own(response: Response) -> None:
    """The respondent deletes their own response from their link, before or after submitting."""
    if not withdrawable(response):
        raise NotFound("Supplier declarations are not withdrawn this way")
    collection = response.collection
    if delete_responses([response.id]).responses:
        audit.record(
            "response_withdrawn_by_respondent",
            obj=collection,
            organisation_id=collection.contract.buyer_id,
        )
    db.session.commit()
