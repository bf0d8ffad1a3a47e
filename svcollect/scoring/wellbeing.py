"""WEMWBS (14 items) and SWEMWBS (7 items, converted to metric scores) scorers."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.scoring._complete import complete_sum
from svcollect.scoring._frame import respondents, scores_frame
from svcollect.scoring.bands import BandScheme, band_scheme
from svcollect.scoring.data_files import read_data_file
from svcollect.scoring.registry import register
from svcollect.scoring.results import ALL_MEASURES, MeasureSpec, Scored, exclusions_frame

WEMWBS_ITEMS = tuple(f"wemwbs_{i:02d}" for i in range(1, 15))
SWEMWBS_ITEMS = tuple(f"swemwbs_{i:02d}" for i in range(1, 8))
SWEMWBS_FILE = "swemwbs_conversion.csv"
NOTICE = (
    "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS) (c) NHS Health Scotland, The University "
    "of Warwick and University of Edinburgh, 2006, all rights reserved."
)


@cache
def swemwbs_table() -> npt.NDArray[np.float64]:
    """Metric score indexed by raw score 0..35 (NaN below 7), read once from the data file."""
    table = np.full(36, np.nan)
    rows = read_data_file(SWEMWBS_FILE).rows
    for row in rows:
        table[int(row["raw"])] = float(row["metric"])
    if np.isnan(table[7:]).any() or len(rows) != 29:
        raise ValueError(f"{SWEMWBS_FILE} must give a metric score for every raw score 7 to 35")
    return table


def swemwbs_metric(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Convert SWEMWBS raw sums (7..35, NaN allowed) to metric scores."""
    table = swemwbs_table()
    safe = np.where(np.isnan(raw), 0, raw).astype(np.int64)
    return np.where(np.isnan(raw), np.nan, table[np.clip(safe, 0, 35)])


def _exclusions(ids: npt.NDArray[np.int64], reasons: npt.NDArray[np.object_]) -> pd.DataFrame:
    return exclusions_frame(ids, np.full(len(ids), ALL_MEASURES, dtype=object), reasons)


def _notes(scheme: BandScheme) -> tuple[str, ...]:
    note = scheme.note()
    return (NOTICE, "Complete responses only: no pro-rating of missing items.") + (
        (note,) if note else ()
    )


@register("wemwbs", "1.0.0")
def score_wemwbs(answers: pd.DataFrame, *, bands: Mapping[str, BandScheme] | None = None) -> Scored:
    """WEMWBS total 14-70 with band, complete responses only."""
    summed = complete_sum(answers, WEMWBS_ITEMS, (1, 5))
    ok = summed.ok
    scheme = band_scheme("wemwbs", bands)
    total = summed.total[ok]
    scores = scores_frame(
        summed.matrix.response_ids[ok],
        respondents(answers, summed.matrix.row_of[ok]),
        {"wemwbs": total.astype(np.int64), "wemwbs_band": scheme.assign(total)},
    )
    return Scored(
        scores=scores,
        exclusions=_exclusions(summed.excluded_ids, summed.reasons),
        measures=(MeasureSpec("wemwbs", 14, 70, "wemwbs_band"),),
        n_responses=len(ok),
        notes=_notes(scheme),
    )


@register("swemwbs", "1.1.0")
def score_swemwbs(
    answers: pd.DataFrame, *, bands: Mapping[str, BandScheme] | None = None
) -> Scored:
    """SWEMWBS metric score (published conversion table) with band.

    The outcome measure is the metric score: the raw sum must be converted before it is
    analysed. The raw sum 7-35 stays in the scores as ``swemwbs_raw``, so each metric
    score can be traced to it, but it is not a measure (1.0.0 declared it one, and results
    then asked for a change in it, for which there is no published threshold)."""
    summed = complete_sum(answers, SWEMWBS_ITEMS, (1, 5))
    ok = summed.ok
    scheme = band_scheme("swemwbs", bands)
    raw = summed.total[ok]
    metric = swemwbs_metric(raw)
    scores = scores_frame(
        summed.matrix.response_ids[ok],
        respondents(answers, summed.matrix.row_of[ok]),
        {
            "swemwbs_raw": raw.astype(np.int64),
            "swemwbs": metric,
            "swemwbs_band": scheme.assign(metric),
        },
    )
    return Scored(
        scores=scores,
        exclusions=_exclusions(summed.excluded_ids, summed.reasons),
        measures=(MeasureSpec("swemwbs", 7.0, 35.0, "swemwbs_band"),),
        n_responses=len(ok),
        notes=(*_notes(scheme), "SWEMWBS raw scores converted with the published metric table."),
    )
