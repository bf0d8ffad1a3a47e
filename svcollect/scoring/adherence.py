"""Supplier adherence proportions from scored declarations, split into declared and accepted."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.results import ScoreResult
from svcollect.scoring.standards import MHAW_CORE, TW_ENHANCED
from svcollect.scoring.suppression import Stat, SuppressionPolicy, measure_stat


@dataclass(frozen=True)
class Proportion:
    """Suppliers meeting a standard set out of those it applies to."""

    numerator: Stat
    denominator: int
    share: Stat
    grade: EvidenceGrade

    def to_dict(self) -> dict[str, object]:
        return {
            "numerator": self.numerator.to_dict(),
            "denominator": self.denominator,
            "share": self.share.to_dict(),
            "evidence_grade": self.grade.value,
        }


def _proportion(
    hits: npt.NDArray[np.bool_],
    applies: npt.NDArray[np.bool_],
    grade: EvidenceGrade,
    policy: SuppressionPolicy | None,
) -> Proportion:
    num, den = int((hits & applies).sum()), int(applies.sum())
    share = num / den if den else None
    if policy is None:
        return Proportion(Stat(num, den), den, Stat(share, den), grade)
    return Proportion(measure_stat(num, den, policy), den, measure_stat(share, den, policy), grade)


def _accepted_all(
    scores: pd.DataFrame, accepted: Mapping[int, Collection[str]], codes: tuple[str, ...]
) -> npt.NDArray[np.bool_]:
    """Per scored response: evidence accepted for every one of ``codes``."""
    wanted = set(codes)
    n_accepted = pd.Series(
        {int(rid): len(wanted & set(done)) for rid, done in accepted.items()}, dtype="int64"
    )
    found = scores.index.to_series().map(n_accepted).fillna(0).to_numpy()
    return np.asarray(found == len(codes), dtype=bool)


def mhaw_adherence(
    result: ScoreResult,
    accepted: Mapping[int, Collection[str]] | None = None,
    *,
    policy: SuppressionPolicy | None = None,
) -> dict[str, Proportion]:
    """Share of suppliers declaring (and with accepted evidence for) all 6 MHAW standards,
    and all 4 enhanced standards among those with 500+ employees.

    ``accepted`` maps response_id to the standard codes (mhaw_1.., tw_enh_1..) whose evidence
    a contract manager accepted. Supplier figures describe organisations, not people, so no
    suppression applies unless a policy is given.
    """
    if result.scorer != "mhaw_standards":
        raise ValueError(f"mhaw_adherence needs an mhaw_standards result, not {result.scorer}")
    scores = result.scores
    accepted = accepted or {}
    everyone = np.ones(len(scores), dtype=bool)
    core = scores["all_core_in_place"].to_numpy(dtype=bool)
    enhanced_applies = scores["enhanced_applicable"].to_numpy(dtype=bool, na_value=False)
    enhanced = scores["all_enhanced_in_place"].to_numpy(dtype=bool, na_value=False)
    return {
        "core_declared": _proportion(core, everyone, EvidenceGrade.DECLARED, policy),
        "core_accepted": _proportion(
            core & _accepted_all(scores, accepted, MHAW_CORE),
            everyone,
            EvidenceGrade.ACCEPTED_DECLARATION,
            policy,
        ),
        "enhanced_declared": _proportion(
            enhanced, enhanced_applies, EvidenceGrade.DECLARED, policy
        ),
        "enhanced_accepted": _proportion(
            enhanced & _accepted_all(scores, accepted, TW_ENHANCED),
            enhanced_applies,
            EvidenceGrade.ACCEPTED_DECLARATION,
            policy,
        ),
    }
