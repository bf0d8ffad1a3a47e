"""Reading a collection's answers into pandas: the same frame however many chunks it takes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Answer, Response
from svcollect.services import answers
from svcollect.services.answers import ANSWER_COLUMNS, answers_frame
from tests.integration.helpers import make_collection, seed_responses

# Question ids met in an order unlike their sorted order, so that chunks meet them late.
PEOPLE: list[tuple[str | None, dict[str, Any]]] = [
    ("CODE0001", {"zeta": 3, "alpha": "Café – naïve ✓"}),
    ("CODE0002", {"alpha": "=1+1", "mid": 2.5}),
    (None, {"zeta": 0, "mid": -1e300}),
    ("CODE0003", {"beta": "", "zeta": 5}),
    ("CODE0004", {"gamma": "x" * 5000}),
]


def _expected(collection_id: int) -> pd.DataFrame:
    """The documented frame, built the slow way through SQLAlchemy."""
    rows = db.session.execute(
        select(
            Answer.response_id,
            Response.respondent_code,
            Answer.question_id,
            Answer.value_text,
            Answer.value_number,
        )
        .join(Response, Answer.response_id == Response.id)
        .where(Response.collection_id == collection_id, Response.status == "submitted")
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=ANSWER_COLUMNS)
    return frame.astype(
        {
            "response_id": "int64",
            "respondent_code": "string",
            "question_id": "category",
            "value_text": "string",
            "value_number": "float64",
        }
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["response_id", "question_id"]).reset_index(drop=True)


@pytest.mark.parametrize("chunk_rows", [1, 3, 50_000])
def test_frame_is_the_same_in_any_number_of_chunks(app, monkeypatch, chunk_rows):
    monkeypatch.setattr(answers, "CHUNK_ROWS", chunk_rows)
    collection = make_collection("ons4")
    seed_responses(collection, PEOPLE)
    # An answer with no text at all, a draft and another collection's answers: the draft
    # and the other collection are left out.
    first = db.session.scalar(
        select(Response.id).where(Response.collection_id == collection.id).order_by(Response.id)
    )
    db.session.add(Answer(response_id=first, question_id="omega", value_text=None))
    db.session.commit()
    seed_responses(make_collection("ons4", contract=collection.contract), PEOPLE[:2])
    seed_responses(collection, [("CODE0009", {"zeta": 1})])
    draft = db.session.scalars(select(Response).order_by(Response.id.desc())).first()
    draft.status, draft.submitted_at = "in_progress", None
    db.session.commit()

    frame = answers_frame(collection.id)

    assert list(frame.columns) == ANSWER_COLUMNS
    assert isinstance(frame.index, pd.RangeIndex)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        "response_id": "int64",
        "respondent_code": "string",
        "question_id": "category",
        "value_text": "string",
        "value_number": "float64",
    }
    categories = list(frame["question_id"].cat.categories)
    assert categories == ["alpha", "beta", "gamma", "mid", "omega", "zeta"]
    assert len(frame) == sum(len(a) for _, a in PEOPLE) + 1
    assert draft.id not in set(frame["response_id"])
    pd.testing.assert_frame_equal(_sorted(frame), _sorted(_expected(collection.id)))
    assert frame["respondent_code"].isna().sum() == 2  # the person with no code
    assert frame["value_text"].isna().sum() == 1
    assert frame["value_number"].isna().sum() == 5  # the text answers


def test_a_collection_with_no_answers_gives_an_empty_frame_of_the_same_shape(app, monkeypatch):
    monkeypatch.setattr(answers, "CHUNK_ROWS", 2)
    frame = answers_frame(make_collection("ons4").id)
    assert list(frame.columns) == ANSWER_COLUMNS and len(frame) == 0
    assert [str(t) for t in frame.dtypes] == ["int64", "string", "category", "string", "float64"]
