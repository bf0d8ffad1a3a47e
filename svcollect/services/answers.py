"""Reading a collection's submitted answers into pandas in one query, for scoring."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Answer, Response

ANSWER_COLUMNS = ["response_id", "respondent_code", "question_id", "value_text", "value_number"]


def answers_frame(collection_id: int) -> pd.DataFrame:
    """Long frame of submitted answers (notes/CONTRACTS.md): one row per response and item."""
    query = (
        select(
            Response.id.label("response_id"),
            Response.respondent_code,
            Answer.question_id,
            Answer.value_text,
            Answer.value_number,
        )
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.collection_id == collection_id, Response.status == "submitted")
        .order_by(Response.id, Answer.question_id)
    )
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    return frame.astype(
        {
            "response_id": "int64",
            "respondent_code": "string",
            "question_id": "string",
            "value_text": "string",
            "value_number": "float64",
        }
    )
