"""Reading a collection's answers into pandas: the same frame however many chunks it takes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Answer, Response
from svcollect.scoring import get_scorer
from svcollect.services import answers
from svcollect.services.answers import ANSWER_COLUMNS, answer_chunks, answers_frame
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.scores import score_collection
from tests.integration.helpers import make_collection, seed_responses

WEMWBS = [f"wemwbs_{i:02d}" for i in range(1, 15)]
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
            Response.respondent_id,
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
            "respondent": "Int64",
            "question_id": "category",
            "value_text": "string",
            "value_number": "float64",
        }
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["response_id", "question_id"]).reset_index(drop=True)


@pytest.mark.parametrize(("chunk_rows", "chunk_responses"), [(1, 1), (3, 2), (50_000, 5_000)])
def test_frame_is_the_same_in_any_number_of_chunks(app, monkeypatch, chunk_rows, chunk_responses):
    monkeypatch.setattr(answers, "CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(answers, "CHUNK_RESPONSES", chunk_responses)
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
        "respondent": "Int64",
        "question_id": "category",
        "value_text": "string",
        "value_number": "float64",
    }
    categories = list(frame["question_id"].cat.categories)
    assert categories == ["alpha", "beta", "gamma", "mid", "omega", "zeta"]
    assert len(frame) == sum(len(a) for _, a in PEOPLE) + 1
    assert draft.id not in set(frame["response_id"])
    pd.testing.assert_frame_equal(_sorted(frame), _sorted(_expected(collection.id)))
    assert frame["respondent"].isna().sum() == 2  # the person with no code
    assert frame["value_text"].isna().sum() == 1
    assert frame["value_number"].isna().sum() == 5  # the text answers


def test_a_collection_with_no_answers_gives_an_empty_frame_of_the_same_shape(app, monkeypatch):
    monkeypatch.setattr(answers, "CHUNK_ROWS", 2)
    frame = answers_frame(make_collection("ons4").id)
    assert list(frame.columns) == ANSWER_COLUMNS and len(frame) == 0
    assert [str(t) for t in frame.dtypes] == ["int64", "Int64", "category", "string", "float64"]


def _people(n: int) -> list[tuple[str | None, dict[str, Any]]]:
    return [
        (f"P{i % 7}" if i % 5 else None, {q: (i * 7 + j) % 5 + 1 for j, q in enumerate(WEMWBS)})
        for i in range(n)
    ]


def test_chunks_hold_whole_responses_in_id_order(app, monkeypatch):
    monkeypatch.setattr(answers, "CHUNK_RESPONSES", 3)
    collection = make_collection("wemwbs")
    seed_responses(collection, _people(10))
    chunks = list(answer_chunks(collection.id))
    ids = [sorted(set(c["response_id"])) for c in chunks]
    assert [len(i) for i in ids] == [3, 3, 3, 1]
    assert all(len(c) == 14 * len(i) for c, i in zip(chunks, ids, strict=True))
    flat = [r for i in ids for r in i]
    assert flat == sorted(flat) and len(set(flat)) == 10
    assert all(c["question_id"].dtype == "category" for c in chunks)


def test_chunks_keep_only_the_responses_asked_for(app, monkeypatch):
    monkeypatch.setattr(answers, "CHUNK_RESPONSES", 2)
    collection = make_collection("wemwbs")
    seed_responses(collection, _people(9))
    every = sorted(set(answers_frame(collection.id)["response_id"]))
    wanted = {every[0], every[5], every[8]}
    frames = list(answer_chunks(collection.id, wanted))
    assert {r for f in frames for r in f["response_id"]} == wanted
    assert all(len(f) for f in frames)  # a chunk with none of them is skipped, not empty
    assert len(answers_frame(collection.id, set())) == 0


@pytest.mark.parametrize("questionnaire", ["wemwbs", "ons4", "mhaw-standards"])
def test_scoring_chunk_by_chunk_equals_scoring_at_once(app, monkeypatch, questionnaire):
    collection = make_collection(questionnaire)
    seed_responses(collection, _people(11) if questionnaire == "wemwbs" else PEOPLE)
    scorer = get_scorer(questionnaire_for(collection.questionnaire_version).scorer)
    at_once = scorer(answers_frame(collection.id))
    monkeypatch.setattr(answers, "CHUNK_RESPONSES", 2)
    chunked = score_collection(collection)
    pd.testing.assert_frame_equal(chunked.scores, at_once.scores)
    pd.testing.assert_frame_equal(chunked.exclusions, at_once.exclusions)
    assert chunked.n_responses == at_once.n_responses
    assert score_collection(make_collection(questionnaire)).n_responses == 0


def test_contract_results_do_not_depend_on_the_chunk_size(app, monkeypatch):
    from svcollect.services.results import compute_results

    baseline = make_collection("wemwbs")
    follow_up = make_collection("wemwbs", contract=baseline.contract, wave="follow_up")
    seed_responses(baseline, _people(23))
    seed_responses(follow_up, _people(19)[::-1])
    whole = compute_results(baseline.contract)
    assert whole.pairings[0].changes[0].n_paired > 0
    monkeypatch.setattr(answers, "CHUNK_RESPONSES", 1)
    assert compute_results(baseline.contract).sha256 == whole.sha256
