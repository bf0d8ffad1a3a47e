"""Supplier declarations: invite, submit, review each standard, answer queries, re-attest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from svcollect.extensions import db
from svcollect.models import (
    Answer,
    Collection,
    Contract,
    ContractSupplier,
    Declaration,
    EvidenceFile,
    Organisation,
    Response,
    StandardEvent,
    User,
)
from svcollect.models._types import utcnow
from svcollect.questionnaires import Page, Questionnaire
from svcollect.scoring.adherence import Proportion, mhaw_adherence
from svcollect.scoring.supply_chain import supply_chain_adherence
from svcollect.services import audit
from svcollect.services import responses as svc
from svcollect.services.contracts import contract_for, may_change
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.scores import score_collection

REVIEW_DECISIONS = ("accepted", "queried", "rejected")


class DeclarationRefused(ValueError):
    """The change cannot be made; the message says why."""


class ReviewConflict(DeclarationRefused):
    """The standard's history grew after the review form was read (another reviewer's
    decision, or the supplier's answer): this decision was not recorded, so that no one
    decides unaware of another's. `latest` is the entry now last in its history (None only
    for a form that carried no history count)."""

    def __init__(self, latest: StandardEvent | None) -> None:
        super().__init__(
            _(
                "This standard's history changed after you opened this page, so your "
                "decision has not been saved. Check the history, then decide again if you "
                "still want to"
            )
        )
        self.latest = latest


class AnswerConflict(DeclarationRefused):
    """The buyer recorded a decision on the declaration while the supplier's answer to a
    query was being sent: the answer was not recorded, as the query may be closed."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The buyer recorded a decision on this declaration while you were sending "
                "your answer, so your answer has not been sent. Check the standard's "
                "history, then send your answer again if the query is still open"
            )
        )


@dataclass(frozen=True)
class Standard:
    """A standard in a declaration questionnaire: a page whose meta names it."""

    code: str
    title: str
    page: Page
    set: str
    status_question: str | None
    evidence_question: str | None
    #: what the standard asks, as its status question says it ("Prioritise mental health
    #: in the workplace"): the page title only numbers it ("standard 1 of 6")
    name: str | None = None

    @property
    def label(self) -> str:
        """The title and the name, for where one is shown without the other."""
        return f"{self.title} – {self.name}" if self.name else self.title


def standards_of(questionnaire: Questionnaire) -> list[Standard]:
    standards = []
    for page in questionnaire.pages:
        # Standards (attestations) and measures (delivery-return counts) are both reviewed.
        code = page.meta.get("standard") or page.meta.get("measure")
        if not isinstance(code, str):
            continue
        status = next((q for q in page.questions if q.id.endswith("_status")), None)
        evidence = next((q.id for q in page.questions if q.type == "file"), None)
        standards.append(
            Standard(
                code,
                page.title,
                page,
                str(page.meta.get("set", "")),
                status.id if status else None,
                evidence,
                status.text if status and status.text != page.title else None,
            )
        )
    return standards


@dataclass
class StandardState:
    standard: Standard
    declared: str | None
    files: list[EvidenceFile]
    events: list[StandardEvent] = field(default_factory=list)
    applies: bool = True

    @property
    def review(self) -> str | None:
        """The latest reviewer decision, or 'answered' if the supplier replied since."""
        return self.events[-1].kind if self.events else None

    @property
    def accepted(self) -> bool:
        return self.review == "accepted"

    @property
    def rejected(self) -> bool:
        """The latest decision rejected the evidence (a supplier answers queries only)."""
        return self.review == "rejected"

    @property
    def review_comment(self) -> str | None:
        """The reviewer's latest comment: never the supplier's reply to it."""
        decided = [e for e in self.events if e.kind in REVIEW_DECISIONS]
        return decided[-1].comment or None if decided else None

    @property
    def supplier_answer(self) -> str | None:
        """The supplier's reply to the latest query, if they replied after it."""
        return (self.events[-1].comment or None) if self.review == "answered" else None


def declaration_for(user: User, declaration_id: int) -> Declaration | None:
    """The declaration if this user may see it: its supplier, or the contract's managers."""
    declaration = db.session.get(Declaration, declaration_id)
    if declaration is None:
        return None
    if user.role == "supplier_user":
        return declaration if declaration.supplier_id == user.organisation_id else None
    if contract_for(user, declaration.collection.contract_id) is None:
        return None
    return declaration


def declarations_for_supplier(user: User) -> list[Declaration]:
    return list(
        db.session.scalars(
            select(Declaration)
            .filter_by(supplier_id=user.organisation_id)
            .order_by(Declaration.created_at.desc(), Declaration.id.desc())
        )
    )


def _new_declaration(
    collection: Collection, supplier: Organisation, edition: int, previous: Declaration | None
) -> Declaration:
    questionnaire = questionnaire_for(collection.questionnaire_version)
    key = svc.new_token()
    now = utcnow()
    response = Response(
        collection_id=collection.id,
        questionnaire_version_id=collection.questionnaire_version_id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_hash=questionnaire.content_hash,
        idempotency_key=svc.sha256_hex(key),
        resume_key_hash=svc.sha256_hex(svc.resume_key_for(key)),
        reference=svc.new_reference(),
        consent_given=True,
        status="in_progress",
        started_at=now,
        updated_at=now,
    )
    db.session.add(response)
    db.session.flush()
    declaration = Declaration(
        collection_id=collection.id,
        supplier_id=supplier.id,
        edition=edition,
        response_id=response.id,
        status="draft",
        previous_id=previous.id if previous else None,
    )
    db.session.add(declaration)
    db.session.flush()
    return declaration


def invite_suppliers(user: User, collection: Collection) -> list[Declaration]:
    """Create a draft declaration for every supplier on the contract that has none yet.

    Sent from two tabs at once, both may find the same suppliers uninvited: the second's
    declaration is then refused by the database (one edition per supplier), and it looks
    again, inviting only those still without one (usually none)."""
    try:
        return _invite_suppliers(user, collection)
    except IntegrityError:
        db.session.rollback()
        return _invite_suppliers(user, collection)


def _invite_suppliers(user: User, collection: Collection) -> list[Declaration]:
    if collection.access != "supplier":
        raise DeclarationRefused(_("Only supplier attestation collections take declarations"))
    contract = collection.contract
    suppliers = list(
        db.session.scalars(
            select(Organisation)
            .join(ContractSupplier, ContractSupplier.organisation_id == Organisation.id)
            .where(ContractSupplier.contract_id == contract.id)
        )
    )
    if not suppliers:
        raise DeclarationRefused(_("Add suppliers to the contract before inviting them to attest"))
    existing = set(
        db.session.scalars(select(Declaration.supplier_id).filter_by(collection_id=collection.id))
    )
    created = []
    for supplier in suppliers:
        if supplier.id in existing:
            continue
        declaration = _new_declaration(collection, supplier, 1, None)
        audit.record(
            "declaration_invited",
            actor=user,
            obj=declaration,
            organisation_id=contract.buyer_id,
            supplier_id=supplier.id,
        )
        created.append(declaration)
    db.session.commit()
    return created


def submit_declaration(user: User, declaration: Declaration, progress: svc.Progress) -> None:
    if declaration.status == "submitted":
        return
    if svc.submit_response(declaration.response, progress):
        declaration.status = "submitted"
        declaration.submitted_at = utcnow()
        declaration.submitted_by_id = user.id
        audit.record(
            "declaration_submitted",
            actor=user,
            obj=declaration,
            organisation_id=declaration.supplier_id,
            edition=declaration.edition,
        )
        db.session.commit()


def standard_states(declaration: Declaration) -> list[StandardState]:
    questionnaire = questionnaire_for(declaration.collection.questionnaire_version)
    progress = svc.Progress.of(questionnaire, declaration.response)
    visible = {q.id for q in questionnaire.visible_questions(progress.typed)}
    events = list(
        db.session.scalars(
            select(StandardEvent)
            .filter_by(declaration_id=declaration.id)
            .order_by(StandardEvent.at, StandardEvent.id)
        )
    )
    files = list(
        db.session.scalars(
            select(EvidenceFile)
            .filter_by(response_id=declaration.response_id)
            .order_by(EvidenceFile.id)
        )
    )
    states = []
    for standard in standards_of(questionnaire):
        status_q = standard.status_question
        declared = progress.rows.get(status_q, (None, None))[0] if status_q else None
        states.append(
            StandardState(
                standard=standard,
                declared=declared,
                files=[f for f in files if f.question_id == standard.evidence_question],
                events=[e for e in events if e.standard == standard.code],
                applies=(
                    status_q in visible
                    if status_q
                    else any(q.id in visible for q in standard.page.questions)
                ),
            )
        )
    return states


def history_count(declaration: Declaration, code: str) -> int:
    """How many entries one standard's history has: what a review form is read at."""
    count = db.session.scalar(
        select(func.count())
        .select_from(StandardEvent)
        .filter_by(declaration_id=declaration.id, standard=code)
    )
    return int(count or 0)


def _state(declaration: Declaration, code: str) -> StandardState:
    for state in standard_states(declaration):
        if state.standard.code == code:
            return state
    raise DeclarationRefused(_("That standard is not part of this declaration"))


def review_standard(
    user: User,
    declaration: Declaration,
    code: str,
    decision: str,
    comment: str,
    *,
    read_version: int | None,
) -> StandardEvent:
    """Accept, query or reject one standard; the full history is kept.

    Only the buyer's side reviews: what is accepted on evidence is valued, and the prime
    supplier's managers do not decide how their own (or their supply chain's) work is
    valued, nor accept their own organisation's declaration.

    `read_version` is how many entries the standard's history had when the form was read:
    if another reviewer decided (or the supplier answered) since, nothing is recorded
    (ReviewConflict), as a contract's terms are not saved over a change unseen."""
    if not may_change(user, declaration.collection.contract):
        raise DeclarationRefused(_("Only the buyer's contract managers review declarations"))
    if declaration.status != "submitted":
        raise DeclarationRefused(_("The supplier has not submitted this declaration yet"))
    state = _state(declaration, code)
    if read_version != len(state.events):
        raise ReviewConflict(state.events[-1] if state.events else None)
    if decision not in REVIEW_DECISIONS:
        raise DeclarationRefused(_("Select accept, query or reject"))
    comment = comment.strip()
    if decision != "accepted" and not comment:
        raise DeclarationRefused(_("Explain what the supplier needs to know or do"))
    if not state.applies:
        raise DeclarationRefused(_("That standard does not apply to this supplier"))
    event = _recorded(declaration, code, decision, comment, user)
    if event is None:  # another decision (or the supplier's answer) was recorded first
        latest = _state(declaration, code).events
        raise ReviewConflict(latest[-1] if latest else None)
    audit.record(
        f"evidence_{decision}",
        actor=user,
        obj=declaration,
        organisation_id=declaration.collection.contract.buyer_id,
        standard=code,
        supplier_id=declaration.supplier_id,
    )
    db.session.commit()
    return event


def _recorded(
    declaration: Declaration, code: str, kind: str, comment: str, user: User
) -> StandardEvent | None:
    """Add an entry to a standard's history, counted on the declaration; None, with
    nothing added, if another entry was recorded on the declaration since it was read.

    Decisions and the supplier's answers all count: the UPDATE of the declaration's
    version matches no row if another was recorded since this request read it, so of two
    sent at once only one is kept, and none is recorded unaware of the other.
    """
    event = StandardEvent(
        declaration_id=declaration.id,
        standard=code,
        kind=kind,
        comment=comment,
        author_id=user.id,
        at=utcnow(),
    )
    try:
        declaration.version = declaration.version + 1
        db.session.add(event)
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        return None
    return event


def answer_query(
    user: User, declaration: Declaration, code: str, comment: str, new_file_ids: list[int]
) -> StandardEvent:
    """The supplier's reply to a query: a comment, and any further evidence files."""
    state = _state(declaration, code)
    if state.review != "queried":
        raise DeclarationRefused(_("There is no open query on this standard"))
    comment = comment.strip()
    if not comment and not new_file_ids:
        raise DeclarationRefused(_("Enter your answer or upload more evidence"))
    if new_file_ids and state.standard.evidence_question:
        _append_files(declaration.response, state.standard.evidence_question, new_file_ids)
    event = _recorded(declaration, code, "answered", comment, user)
    if event is None:  # a decision was recorded since this answer read the query
        raise AnswerConflict()
    audit.record(
        "query_answered",
        actor=user,
        obj=declaration,
        organisation_id=declaration.supplier_id,
        standard=code,
        files=len(new_file_ids),
    )
    db.session.commit()
    return event


def _append_files(response: Response, question_id: str, file_ids: list[int]) -> None:
    answer = db.session.scalar(
        select(Answer).filter_by(response_id=response.id, question_id=question_id)
    )
    if answer is None:
        db.session.add(
            Answer(
                response_id=response.id,
                question_id=question_id,
                value_text=json.dumps(sorted(set(file_ids))),
            )
        )
        return
    current = json.loads(answer.value_text) if answer.value_text else []
    answer.value_text = json.dumps(sorted(set(current) | set(file_ids)))


def reattest(user: User, declaration: Declaration) -> Declaration:
    """A new edition of the declaration, pre-filled from this one (answers and files)."""
    if declaration.status != "submitted":
        raise DeclarationRefused(_("Submit this declaration before starting the next one"))
    newest = db.session.scalar(
        select(func.max(Declaration.edition)).filter_by(
            collection_id=declaration.collection_id, supplier_id=declaration.supplier_id
        )
    )
    collection_id, supplier_id, edition = (
        declaration.collection_id,
        declaration.supplier_id,
        declaration.edition + 1,
    )

    def started() -> Declaration | None:
        """The next edition if it exists: a repeated click lands on the one it started."""
        return db.session.scalar(
            select(Declaration).filter_by(
                collection_id=collection_id, supplier_id=supplier_id, edition=edition
            )
        )

    if newest != declaration.edition:
        if newest == edition and (existing := started()) is not None:
            return existing
        raise DeclarationRefused(_("A newer declaration has already been started"))
    try:
        fresh = _new_declaration(declaration.collection, declaration.supplier, edition, declaration)
    except IntegrityError:  # another request started it a moment ago
        db.session.rollback()
        existing = started()
        if existing is None:
            raise
        return existing
    old_files = {
        f.id: f
        for f in db.session.scalars(
            select(EvidenceFile).filter_by(response_id=declaration.response_id)
        )
    }
    copied: dict[int, int] = {}
    for old in old_files.values():
        copy = EvidenceFile(
            response_id=fresh.response_id,
            question_id=old.question_id,
            sha256=old.sha256,
            stored_name=old.stored_name,
            original_name=old.original_name,
            file_type=old.file_type,
            size_bytes=old.size_bytes,
            uploaded_at=old.uploaded_at,
        )
        db.session.add(copy)
        db.session.flush()
        copied[old.id] = copy.id
    questionnaire = questionnaire_for(declaration.collection.questionnaire_version)
    file_questions = {q.id for q in questionnaire.questions() if q.type == "file"}
    _copy_answers(declaration.response_id, fresh.response_id, copied, file_questions)
    audit.record(
        "declaration_reattestation_started",
        actor=user,
        obj=fresh,
        organisation_id=declaration.supplier_id,
        previous=declaration.id,
    )
    db.session.commit()
    return fresh


def _copy_answers(
    source_id: int, target_id: int, file_map: dict[int, int], file_questions: set[str]
) -> None:
    for answer in db.session.scalars(select(Answer).filter_by(response_id=source_id)):
        text = answer.value_text
        if answer.question_id in file_questions and text:
            text = json.dumps(sorted(file_map[i] for i in json.loads(text) if i in file_map))
        db.session.add(
            Answer(
                response_id=target_id,
                question_id=answer.question_id,
                value_text=text,
                value_number=answer.value_number,
            )
        )


def latest_submitted(collection: Collection) -> list[Declaration]:
    """Each supplier's newest submitted declaration in a collection."""
    declarations = db.session.scalars(
        select(Declaration)
        .filter_by(collection_id=collection.id, status="submitted")
        .order_by(Declaration.supplier_id, Declaration.edition.desc())
    )
    newest: dict[int, Declaration] = {}
    for declaration in declarations:
        newest.setdefault(declaration.supplier_id, declaration)
    return list(newest.values())


def supplier_collections(contract: Contract) -> list[Collection]:
    return list(
        db.session.scalars(
            select(Collection)
            .filter_by(contract_id=contract.id, access="supplier")
            .order_by(Collection.created_at)
        )
    )


@dataclass(frozen=True)
class AdherenceSummary:
    """The buyer's reporting figures for one attestation collection."""

    collection: Collection
    suppliers: int
    #: name -> Proportion (see svcollect.scoring.adherence), declared and accepted
    figures: dict[str, Proportion]
    #: per supplier: (organisation, declaration, standard states)
    rows: list[tuple[Organisation, Declaration, list[StandardState]]]


def adherence_summary(collection: Collection) -> AdherenceSummary:
    """Shares of suppliers adhering, from their newest submitted declarations.

    "Declared" counts what suppliers say; "accepted" counts only standards whose evidence a
    contract manager accepted (DOMAIN.md §2.4).
    """
    declarations = latest_submitted(collection)
    questionnaire = questionnaire_for(collection.questionnaire_version)
    responses = {d.response_id for d in declarations}
    rows = []
    accepted: dict[int, set[str]] = {}
    for declaration in sorted(declarations, key=lambda d: d.supplier.name.lower()):
        states = standard_states(declaration)
        rows.append((declaration.supplier, declaration, states))
        accepted[declaration.response_id] = {s.standard.code for s in states if s.accepted}
    figures: dict[str, Proportion] = {}
    if questionnaire.scorer == "mhaw_standards" and declarations:
        figures = mhaw_adherence(score_collection(collection, responses), accepted)
    elif questionnaire.scorer == "supplier_adherence" and declarations:
        figures = supply_chain_adherence(score_collection(collection, responses), accepted)
    return AdherenceSummary(collection, len(declarations), figures, rows)
