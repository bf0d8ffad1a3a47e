"""ONS4 personal wellbeing scorer: four items scored independently, 0-10, with ONS bands."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from svcollect.scoring._complete import DUPLICATE_REASON
from svcollect.scoring._frame import item_matrix, respondents, scores_frame
from svcollect.scoring.bands import BandScheme, band_scheme
from svcollect.scoring.registry import register
from svcollect.scoring.results import ALL_MEASURES, MeasureSpec, Scored, exclusions_frame

ONS4_ITEMS = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
OUT_OF_RANGE = "out of range: not a whole number from 0 to 10"
NOT_ANSWERED = "not answered: no ONS4 item has a usable answer"


@register("ons4", "1.0.0")
def score_ons4(answers: pd.DataFrame, *, bands: Mapping[str, BandScheme] | None = None) -> Scored:
    """Each ONS4 item 0-10 with its band; a response is scored for every item it answered.

    Anxiety runs the other way (lower is better); change analysis reads that from
    data/measures.csv. An invalid item is listed in exclusions under its own measure.
    """
    m = item_matrix(answers, ONS4_ITEMS, scale=(0.0, 10.0))
    keep = m.usable.any(axis=1) & ~m.duplicated

    ex_ids: list[np.ndarray] = []
    ex_measures: list[np.ndarray] = []
    ex_reasons: list[np.ndarray] = []
    for j, item in enumerate(ONS4_ITEMS):
        ids = m.response_ids[m.invalid[:, j] & ~m.duplicated]
        ex_ids.append(ids)
        ex_measures.append(np.full(len(ids), item, dtype=object))
        ex_reasons.append(np.full(len(ids), OUT_OF_RANGE, dtype=object))
    dropped = ~keep
    ex_ids.append(m.response_ids[dropped])
    ex_measures.append(np.full(int(dropped.sum()), ALL_MEASURES, dtype=object))
    ex_reasons.append(
        np.where(m.duplicated[dropped], DUPLICATE_REASON, NOT_ANSWERED).astype(object)
    )

    columns: dict[str, object] = {}
    notes: list[str] = ["ONS4 items are scored independently; anxiety: lower is better."]
    for j, item in enumerate(ONS4_ITEMS):
        scheme = band_scheme(item, bands)
        values = m.values[keep, j]
        columns[item] = values
        columns[f"{item}_band"] = scheme.assign(values)
        note = scheme.note()
        if note:
            notes.append(note)
    return Scored(
        scores=scores_frame(m.response_ids[keep], respondents(answers, m.row_of[keep]), columns),
        exclusions=exclusions_frame(
            np.concatenate(ex_ids), np.concatenate(ex_measures), np.concatenate(ex_reasons)
        ),
        measures=tuple(MeasureSpec(item, 0, 10, f"{item}_band") for item in ONS4_ITEMS),
        n_responses=len(keep),
        notes=tuple(notes),
    )
