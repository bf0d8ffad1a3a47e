"""Opening collections and issuing invitations."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from svcollect.extensions import db
from svcollect.models import Collection, Contract, Invitation, Organisation, QuestionnaireVersion
from svcollect.models.collection import ACCESS_MODES, AUDIENCES, WAVES
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.responses import new_token, sha256_hex


class CollectionRefused(ValueError):
    """The collection cannot be opened as asked; the message says why and what to do."""


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


def open_collection(request: CollectionRequest, licensee: Organisation) -> Collection:
    """Open a collection, pinning the questionnaire version; enforces the licence gate."""
    questionnaire = questionnaire_for(request.version)
    if request.audience not in AUDIENCES:
        raise CollectionRefused(f"Audience must be one of {', '.join(AUDIENCES)}")
    if request.wave not in WAVES:
        raise CollectionRefused(f"Wave must be one of {', '.join(WAVES)}")
    if request.access not in ACCESS_MODES:
        raise CollectionRefused(f"Access must be one of {', '.join(ACCESS_MODES)}")
    if request.audience not in questionnaire.audience:
        raise CollectionRefused(
            f"{questionnaire.title} is not for a {request.audience} audience "
            f"(it is for {', '.join(questionnaire.audience)})"
        )
    if request.closes_at <= request.opens_at:
        raise CollectionRefused("The closing date must be after the opening date")
    licence_ref = None
    if questionnaire.licence is not None and questionnaire.licence.registration_required:
        licence_ref = licensee.wemwbs_licence_ref
        if not licence_ref:
            raise CollectionRefused(
                f"{questionnaire.title} needs a licence: {licensee.name} must record its "
                f"licence reference from {questionnaire.licence.owner} before this collection "
                f"can open"
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
    db.session.commit()
    return collection


def issue_invitations(collection: Collection, count: int) -> list[str]:
    """Create `count` single-use tokens; they are returned once and stored only as hashes."""
    if not 1 <= count <= 10000:
        raise CollectionRefused("Enter a number of invitations from 1 to 10,000")
    tokens = [new_token() for _ in range(count)]
    db.session.add_all(
        Invitation(collection_id=collection.id, token_hash=sha256_hex(t)) for t in tokens
    )
    db.session.commit()
    return tokens
