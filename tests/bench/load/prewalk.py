"""Responses made ready to submit before a timed window, so that submit can be driven alone.

The rows are written in bulk with the services' own key derivations (resume key, issued
respondent code) and in the shape `start_response`, `set_respondent_code` and `save_page`
write: four ONS4 answers and four page markers, status in_progress. `check_shape` compares
them with a response walked through the real HTTP journey before they are used.
"""

from __future__ import annotations

import random
import time
from typing import Any

ONS4 = ("life_satisfaction", "worthwhile", "happiness", "anxiety")


def prewalk(app: Any, collection_id: int, count: int, batch: int = 2000) -> list[str]:
    """Create `count` in-progress ONS4 responses with every page saved; returns resume keys."""
    from svcollect.extensions import db
    from svcollect.models import Answer, Collection, Response
    from svcollect.models._types import utcnow
    from svcollect.services import responses as svc
    from svcollect.services.questionnaires import questionnaire_for
    from svcollect.services.respondent_codes import hash_code, issued_code, normalise_code
    from svcollect.services.respondents import respondent_ids

    rng = random.Random(11)
    keys: list[str] = []
    started = time.perf_counter()
    with app.app_context():
        collection = db.session.get(Collection, collection_id)
        assert collection is not None
        questionnaire = questionnaire_for(collection.questionnaire_version)
        salt = collection.contract.respondent_salt
        secret = app.config["SECRET_KEY"]
        now = utcnow()
        for offset in range(0, count, batch):
            rows, resume_keys = [], []
            for _ in range(min(batch, count - offset)):
                idempotency = svc.new_token()
                resume = svc.resume_key_for(idempotency)
                code = issued_code(secret, resume)
                resume_keys.append(resume)
                rows.append(
                    {
                        "collection_id": collection.id,
                        "questionnaire_version_id": collection.questionnaire_version_id,
                        "questionnaire_id": questionnaire.id,
                        "questionnaire_version": questionnaire.version,
                        "questionnaire_hash": questionnaire.content_hash,
                        "idempotency_key": svc.sha256_hex(idempotency),
                        "resume_key_hash": svc.sha256_hex(resume),
                        "reference": svc.new_reference(),
                        "respondent_id": hash_code(salt, normalise_code(code) or code),
                        "code_source": "issued",
                        "consent_given": True,
                        "status": "in_progress",
                        "started_at": now,
                        "updated_at": now,
                    }
                )
            respondent_of = respondent_ids(row["respondent_id"] for row in rows)
            for row in rows:  # the code's hash, until here
                row["respondent_id"] = respondent_of[row["respondent_id"]]
            ids = (
                db.session.execute(
                    Response.__table__.insert().returning(Response.__table__.c.id), rows
                )
                .scalars()
                .all()
            )
            answers = []
            for response_id in ids:
                for page in ONS4:
                    value = rng.randint(0, 10)
                    answers.append(
                        {
                            "response_id": response_id,
                            "question_id": page,
                            "value_text": str(value),
                            "value_number": float(value),
                            "answered_at": now,
                        }
                    )
                    answers.append(
                        {
                            "response_id": response_id,
                            "question_id": svc.PAGE_MARKER + page,
                            "value_text": None,
                            "value_number": None,
                            "answered_at": now,
                        }
                    )
            db.session.execute(Answer.__table__.insert(), answers)
            db.session.commit()
            keys.extend(resume_keys)
        db.session.remove()
        db.engine.dispose()
    print(f"  prewalked {count:,} responses in {time.perf_counter() - started:.1f} s")
    return keys


def answer_shape(app: Any, resume_key: str) -> tuple[Any, ...]:
    """What a response's rows look like, without values that differ between respondents."""
    from sqlalchemy import select

    from svcollect.extensions import db
    from svcollect.models import Answer
    from svcollect.services import responses as svc

    with app.app_context():
        response = svc.response_by_resume_key(resume_key)
        assert response is not None
        rows = db.session.execute(
            select(Answer.question_id, Answer.value_text, Answer.value_number).filter_by(
                response_id=response.id
            )
        ).all()
        shape = (
            response.status,
            response.code_source,
            response.respondent_id is not None,
            len(response.reference),
            sorted(
                (
                    qid,
                    type(text).__name__,
                    type(number).__name__,
                    text == (None if number is None else str(int(number))),
                )
                for qid, text, number in rows
            ),
        )
        db.session.remove()
        db.engine.dispose()
    return shape
