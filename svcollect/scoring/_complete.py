"""Sum scales that are scored on complete responses only, with a reason for each exclusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.scoring._frame import ItemMatrix, ResponseIndex, count_lookup, item_matrix

DUPLICATE_REASON = "duplicate answers: an item has more than one answer in this response"


@dataclass(frozen=True)
class CompleteSum:
    """Per response: the item sum where complete and valid, else a reason for exclusion."""

    matrix: ItemMatrix
    ok: npt.NDArray[np.bool_]
    total: npt.NDArray[np.float64]
    reasons: npt.NDArray[np.object_]  # for responses not ok, aligned with ~ok
    n_missing: npt.NDArray[np.int64]

    @property
    def excluded_ids(self) -> npt.NDArray[np.int64]:
        return self.matrix.response_ids[~self.ok]


def complete_sum(
    answers: pd.DataFrame,
    items: Sequence[str],
    scale: tuple[int, int],
    *,
    label: str = "",
    index: ResponseIndex | None = None,
) -> CompleteSum:
    """Sum of ``items`` for responses with every item a whole number in ``scale``.

    Priority of reasons: duplicate answers, then out-of-range items, then missing items.
    No pro-rating: WEMWBS guidance gives no rule for it (DOMAIN.md 2.1).
    """
    m = item_matrix(answers, items, scale=(float(scale[0]), float(scale[1])), index=index)
    n = len(items)
    n_missing = m.missing.sum(axis=1)
    n_invalid = m.invalid.sum(axis=1)
    ok = (n_missing == 0) & (n_invalid == 0) & ~m.duplicated
    total = np.where(ok, np.nansum(m.values, axis=1), np.nan)
    prefix = f"{label}: " if label else ""
    missing_lut = count_lookup(prefix + "incomplete: {k} of {n} items missing", n)
    invalid_lut = count_lookup(
        prefix
        + f"out of range: {{k}} of {{n}} items not a whole number from {scale[0]} to {scale[1]}",
        n,
    )
    bad = ~ok
    reasons = np.where(
        m.duplicated[bad],
        prefix + DUPLICATE_REASON,
        np.where(n_invalid[bad] > 0, invalid_lut[n_invalid[bad]], missing_lut[n_missing[bad]]),
    ).astype(object)
    return CompleteSum(matrix=m, ok=ok, total=total, reasons=reasons, n_missing=n_missing)
