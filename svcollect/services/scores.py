"""Scoring a collection's submitted responses with its questionnaire's scorer, chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterable

from svcollect.models import Collection
from svcollect.scoring import ScoreResult, get_scorer
from svcollect.scoring.results import combine_results
from svcollect.services.answers import answer_chunks, answers_frame, empty_answers
from svcollect.services.questionnaires import questionnaire_for


def score_collection(
    collection: Collection, response_ids: Iterable[int] | None = None
) -> ScoreResult:
    """The collection's scores (only ``response_ids``, when given).

    A scorer with fixed columns scores one chunk of whole responses at a time and the parts
    are combined, so memory holds one chunk of answers and the per-response scores, not
    every answer of the collection; the result is the same as scoring all answers at once.
    """
    scorer = get_scorer(questionnaire_for(collection.questionnaire_version).scorer)
    if not scorer.fixed_columns:
        return scorer(answers_frame(collection.id, response_ids))
    parts = [scorer(frame) for frame in answer_chunks(collection.id, response_ids)]
    return combine_results(parts) if parts else scorer(empty_answers())
