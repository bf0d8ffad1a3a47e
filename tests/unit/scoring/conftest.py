"""Builders for the long answers frame (notes/CONTRACTS.md) and scored waves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from svcollect.scoring.bands import band_scheme

Answer = float | int | str | None
WEMWBS = tuple(f"wemwbs_{i:02d}" for i in range(1, 15))
SWEMWBS = tuple(f"swemwbs_{i:02d}" for i in range(1, 8))


def long_answers(
    responses: Iterable[tuple[int, str | None, Mapping[str, Answer]]],
) -> pd.DataFrame:
    """One row per (response, question), typed as the loader gives them.

    Numbers fill value_number and value_text; text fills value_text only; None gives an
    answer row with no value.
    """
    rows = []
    for response_id, code, answers in responses:
        for question, value in answers.items():
            if value is None:
                text, number = None, np.nan
            elif isinstance(value, str):
                text, number = value, np.nan
            else:
                text, number = f"{value:g}", float(value)
            rows.append((response_id, code, question, text, number))
    frame = pd.DataFrame(
        rows,
        columns=["response_id", "respondent", "question_id", "value_text", "value_number"],
    )
    return frame.astype(
        {
            "response_id": "int64",
            "respondent": "string",
            "question_id": "string",
            "value_text": "string",
            "value_number": "float64",
        }
    )


def items(ids: Sequence[str], values: Sequence[Answer]) -> dict[str, Answer]:
    return dict(zip(ids, values, strict=True))


def wemwbs_items(total: int) -> dict[str, Answer]:
    """14 item answers (1-5) adding up to ``total`` (14..70)."""
    assert 14 <= total <= 70
    values = [1] * 14
    extra = total - 14
    for i in range(14):
        step = min(4, extra)
        values[i] += step
        extra -= step
    return items(WEMWBS, values)


def scores(
    measure: str,
    rows: Sequence[tuple[int, str | None, float]],
    band: bool = True,
) -> pd.DataFrame:
    """A scores frame as a scorer returns it: index response_id, respondent, measure."""
    ids = [r[0] for r in rows]
    values = np.array([r[2] for r in rows], dtype=np.float64)
    frame = pd.DataFrame(
        {
            "respondent": pd.array([r[1] for r in rows], dtype="string"),
            measure: values,
        },
        index=pd.Index(ids, name="response_id", dtype="int64"),
    )
    if band:
        frame[f"{measure}_band"] = band_scheme(measure).assign(values)
    return frame


@pytest.fixture
def empty_answers() -> pd.DataFrame:
    return long_answers([])
