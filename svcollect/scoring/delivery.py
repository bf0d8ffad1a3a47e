"""Delivery return scorer: counted outcomes as the numeric answers per question, and totals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from svcollect.scoring._complete import DUPLICATE_REASON
from svcollect.scoring._frame import ResponseIndex, respondents, scores_frame
from svcollect.scoring.registry import register
from svcollect.scoring.results import (
    ALL_MEASURES,
    MeasureSpec,
    Scored,
    ScoreResult,
    exclusions_frame,
)

NO_NUMBERS = "no numeric answers"
NOTE = (
    "delivery_return: each numeric answer (numbers, scales, yes/no as 1/0) is taken as "
    "reported, one column per question id; nothing is checked against evidence here."
)


@register("delivery_return", "1.0.0", fixed_columns=False)
def score_delivery_return(answers: pd.DataFrame) -> Scored:
    """One column per question id with a numeric answer; totals come from delivery_totals()."""
    index = ResponseIndex.of(answers)
    numbers = answers["value_number"].to_numpy(dtype=np.float64, na_value=np.nan)
    rows = np.flatnonzero(~np.isnan(numbers))
    questions = answers["question_id"].iloc[rows].astype("string").to_numpy(dtype=object)
    q_codes, q_names = pd.factorize(questions, sort=True)
    n_resp, n_q = len(index), len(q_names)
    flat = index.row_codes[rows] * n_q + q_codes
    counts = np.bincount(flat, minlength=n_resp * n_q).reshape(n_resp, n_q)
    flat_values = np.full(n_resp * n_q, np.nan)
    flat_values[flat] = numbers[rows]
    values = flat_values.reshape(n_resp, n_q)
    row_at = np.full(n_resp * n_q, -1, dtype=np.int64)
    row_at[flat] = rows
    duplicated = np.asarray((counts > 1).any(axis=1), dtype=bool)
    has_number = np.asarray((counts > 0).any(axis=1), dtype=bool)
    keep = has_number & ~duplicated
    row_of = np.full(n_resp, -1, dtype=np.int64)
    if n_q:
        first = np.argmax(counts > 0, axis=1)
        row_of = row_at.reshape(n_resp, n_q)[np.arange(n_resp), first]

    dropped = ~keep
    exclusions = exclusions_frame(
        index.ids[dropped],
        np.full(int(dropped.sum()), ALL_MEASURES, dtype=object),
        np.where(duplicated[dropped], DUPLICATE_REASON, NO_NUMBERS).astype(object),
    )
    names = [str(q) for q in q_names]
    columns: dict[str, object] = {name: values[keep, j] for j, name in enumerate(names)}
    return Scored(
        scores=scores_frame(index.ids[keep], respondents(answers, row_of[keep]), columns),
        exclusions=exclusions,
        measures=tuple(MeasureSpec(name, -np.inf, np.inf) for name in names),
        n_responses=n_resp,
        notes=(NOTE,),
    )


def delivery_totals(result: ScoreResult) -> pd.DataFrame:
    """Per question id: how many responses gave a number and their total, sorted by question."""
    if result.scorer != "delivery_return":
        raise ValueError(f"delivery_totals needs a delivery_return result, not {result.scorer}")
    values = result.scores.drop(columns=["respondent"])
    frame = pd.DataFrame(
        {
            "question_id": pd.array([str(c) for c in values.columns], dtype="string"),
            "n_responses": values.notna().sum().to_numpy(dtype=np.int64),
            "total": values.sum().to_numpy(dtype=np.float64),
        }
    )
    return frame.sort_values("question_id").reset_index(drop=True)
