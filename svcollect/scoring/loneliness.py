"""Loneliness scorer: the ONS direct question as an ordinal and the UCLA 3-item sum."""

from __future__ import annotations

import numpy as np
import pandas as pd

from svcollect.scoring._complete import DUPLICATE_REASON, complete_sum
from svcollect.scoring._frame import ResponseIndex, item_matrix, respondents, scores_frame
from svcollect.scoring.registry import register
from svcollect.scoring.results import ALL_MEASURES, MeasureSpec, Scored, exclusions_frame

DIRECT_ITEM = "lonely_direct"
UCLA_ITEMS = ("ucla_companionship", "ucla_left_out", "ucla_isolated")
#: Ordinal for "How often do you feel lonely?": higher = lonelier, so lower is better.
DIRECT_OPTIONS: dict[str, float] = {
    "never": 1.0,
    "hardly_ever": 2.0,
    "occasionally": 3.0,
    "some_of_the_time": 4.0,
    "often_always": 5.0,
}
DIRECT_LABELS = tuple(DIRECT_OPTIONS)
UNKNOWN_OPTION = "unknown option: not one of " + ", ".join(DIRECT_LABELS)
NOT_ANSWERED = "not answered: neither the direct question nor all three UCLA items"
NOTES = (
    "lonely_direct: never=1, hardly_ever=2, occasionally=3, some_of_the_time=4, often_always=5; "
    "higher means lonelier, so lower is better.",
    "ucla_loneliness: sum of three items scored 1 (hardly ever or never) to 3 (often), "
    "range 3-9, complete responses only; this scoring is unconfirmed in the ONS text and the "
    "copyright status of the UCLA items is unconfirmed.",
)


@register("loneliness", "1.0.0")
def score_loneliness(answers: pd.DataFrame) -> Scored:
    """Direct loneliness ordinal 1-5 and UCLA 3-item sum 3-9, each scored on its own."""
    index = ResponseIndex.of(answers)
    direct = item_matrix(answers, (DIRECT_ITEM,), options=DIRECT_OPTIONS, index=index)
    ucla = complete_sum(answers, UCLA_ITEMS, (1, 3), label="ucla_loneliness", index=index)
    duplicated = direct.duplicated | ucla.matrix.duplicated
    direct_value = np.where(duplicated, np.nan, direct.values[:, 0])
    ucla_value = np.where(duplicated, np.nan, ucla.total)
    keep = ~np.isnan(direct_value) | ~np.isnan(ucla_value)

    bad_direct = direct.invalid[:, 0] & ~duplicated
    # A partly answered UCLA block is reported; one with no UCLA answer at all is not.
    ucla_partial = ~ucla.ok & ucla.matrix.present.any(axis=1) & ~duplicated
    partial_reasons = np.empty(len(keep), dtype=object)
    partial_reasons[~ucla.ok] = ucla.reasons
    dropped = ~keep
    ids = np.concatenate([index.ids[bad_direct], index.ids[ucla_partial], index.ids[dropped]])
    measures = np.concatenate(
        [
            np.full(int(bad_direct.sum()), DIRECT_ITEM, dtype=object),
            np.full(int(ucla_partial.sum()), "ucla_loneliness", dtype=object),
            np.full(int(dropped.sum()), ALL_MEASURES, dtype=object),
        ]
    )
    reasons = np.concatenate(
        [
            np.full(int(bad_direct.sum()), UNKNOWN_OPTION, dtype=object),
            partial_reasons[ucla_partial],
            np.where(duplicated[dropped], DUPLICATE_REASON, NOT_ANSWERED).astype(object),
        ]
    )
    band_codes = np.where(np.isnan(direct_value), -1, direct_value - 1).astype(np.int8)
    band = pd.Categorical.from_codes(
        band_codes[keep], dtype=pd.CategoricalDtype(list(DIRECT_LABELS), ordered=True)
    )
    row_of = np.where(direct.row_of >= 0, direct.row_of, ucla.matrix.row_of)
    scores = scores_frame(
        index.ids[keep],
        respondents(answers, row_of[keep]),
        {
            DIRECT_ITEM: direct_value[keep],
            f"{DIRECT_ITEM}_band": band,
            "ucla_loneliness": ucla_value[keep],
        },
    )
    return Scored(
        scores=scores,
        exclusions=exclusions_frame(ids, measures, reasons),
        measures=(
            MeasureSpec(DIRECT_ITEM, 1, 5, f"{DIRECT_ITEM}_band"),
            MeasureSpec("ucla_loneliness", 3, 9),
        ),
        n_responses=len(keep),
        notes=NOTES,
    )
