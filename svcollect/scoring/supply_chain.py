"""Supply-chain standard adherence per standard, split into declared and accepted."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from svcollect.scoring.adherence import Proportion, _proportion
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.results import ScoreResult
from svcollect.scoring.standards import SUPPLY_CHAIN
from svcollect.scoring.suppression import SuppressionPolicy


def supply_chain_adherence(
    result: ScoreResult,
    accepted: Mapping[int, Collection[str]] | None = None,
    *,
    policy: SuppressionPolicy | None = None,
) -> dict[str, Proportion]:
    """For each standard: the share of suppliers it applies to (status given and not
    "not applicable") that declare it in place, and that have that evidence accepted."""
    if result.scorer != "supplier_adherence":
        raise ValueError(f"needs a supplier_adherence result, not {result.scorer}")
    scores = result.scores
    accepted = accepted or {}
    accepted_sets = scores.index.to_series().map(
        pd.Series({int(rid): frozenset(codes) for rid, codes in accepted.items()}, dtype=object)
    )
    figures: dict[str, Proportion] = {}
    for code in SUPPLY_CHAIN:
        status = scores[code].astype("string").fillna("")
        applies = ((status != "") & (status != "not_applicable")).to_numpy(dtype=bool)
        declared = (status == "in_place").to_numpy(dtype=bool)
        was_accepted = np.asarray(
            accepted_sets.map(lambda codes, c=code: isinstance(codes, frozenset) and c in codes),
            dtype=bool,
        )
        figures[f"{code}_declared"] = _proportion(declared, applies, EvidenceGrade.DECLARED, policy)
        figures[f"{code}_accepted"] = _proportion(
            declared & was_accepted, applies, EvidenceGrade.ACCEPTED_DECLARATION, policy
        )
    return figures
