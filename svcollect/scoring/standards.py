"""Supplier attestation scorers: MHAW / Thriving at Work standards and supply-chain standards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.scoring._complete import DUPLICATE_REASON
from svcollect.scoring._frame import (
    ResponseIndex,
    item_matrix,
    respondents,
    scores_frame,
)
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.registry import register
from svcollect.scoring.results import ALL_MEASURES, MeasureSpec, Scored, exclusions_frame

LARGE_EMPLOYER = 500  # Thriving at Work enhanced standards apply from 500 employees
MHAW_CORE = tuple(f"mhaw_{i}" for i in range(1, 7))
TW_ENHANCED = tuple(f"tw_enh_{i}" for i in range(1, 5))
SUPPLY_CHAIN = (
    "living_wage",
    "modern_slavery",
    "prompt_payment",
    "cyber_essentials",
    "diversity_training",
    "mental_health_pledge",
    "local_spend",
)
MHAW_STATUSES = ("not_yet", "partly", "in_place")
SUPPLY_STATUSES = ("not_applicable", "not_yet", "partly", "in_place")
NOT_ANSWERED = "not answered: no standard has a status"
DECLARED_NOTE = (
    "Statuses are as declared by the supplier; adherence counts only standards whose "
    "evidence a contract manager has accepted (see adherence_summary)."
)


def _unknown(statuses: Sequence[str]) -> str:
    return "unknown status: not one of " + ", ".join(statuses)


@dataclass(frozen=True)
class _Statuses:
    codes: npt.NDArray[np.int8]  # per response x standard: index into statuses, -1 missing
    invalid: npt.NDArray[np.bool_]
    duplicated: npt.NDArray[np.bool_]
    row_of: npt.NDArray[np.int64]


def _read_statuses(
    answers: pd.DataFrame, standards: Sequence[str], statuses: Sequence[str], index: ResponseIndex
) -> _Statuses:
    items = [f"{code}_status" for code in standards]
    options = {s: float(i) for i, s in enumerate(statuses)}
    m = item_matrix(answers, items, options=options, index=index)
    codes = np.where(np.isnan(m.values), -1, m.values).astype(np.int8)
    return _Statuses(codes, m.invalid, m.duplicated, m.row_of)


def _status_columns(
    st: _Statuses, keep: npt.NDArray[np.bool_], standards: Sequence[str], statuses: Sequence[str]
) -> dict[str, object]:
    dtype = pd.CategoricalDtype(list(statuses), ordered=True)
    return {
        code: pd.Categorical.from_codes(st.codes[keep, j], dtype=dtype)
        for j, code in enumerate(standards)
    }


def _exclusions(
    ids: npt.NDArray[np.int64],
    blocks: list[tuple[_Statuses, Sequence[str], str]],
    dropped: npt.NDArray[np.bool_],
    duplicated: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    ex_ids, ex_measures, ex_reasons = [], [], []
    for st, standards, reason in blocks:
        for j, code in enumerate(standards):
            hit = st.invalid[:, j] & ~duplicated
            ex_ids.append(ids[hit])
            ex_measures.append(np.full(int(hit.sum()), code, dtype=object))
            ex_reasons.append(np.full(int(hit.sum()), reason, dtype=object))
    ex_ids.append(ids[dropped])
    ex_measures.append(np.full(int(dropped.sum()), ALL_MEASURES, dtype=object))
    ex_reasons.append(np.where(duplicated[dropped], DUPLICATE_REASON, NOT_ANSWERED).astype(object))
    return exclusions_frame(
        np.concatenate(ex_ids), np.concatenate(ex_measures), np.concatenate(ex_reasons)
    )


def _number(answers: pd.DataFrame, item: str, index: ResponseIndex) -> npt.NDArray[np.float64]:
    m = item_matrix(answers, (item,), index=index)
    return np.where(m.duplicated, np.nan, m.values[:, 0])


def _boolean(values: npt.NDArray[np.bool_], known: npt.NDArray[np.bool_]) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(values, ~known)


@register("mhaw_standards", "1.0.0")
def score_mhaw_standards(answers: pd.DataFrame) -> Scored:
    """Declared status of the 6 MHAW standards and, for 500+ employees, 4 enhanced standards."""
    index = ResponseIndex.of(answers)
    core = _read_statuses(answers, MHAW_CORE, MHAW_STATUSES, index)
    enh = _read_statuses(answers, TW_ENHANCED, MHAW_STATUSES, index)
    employees = _number(answers, "employee_count", index)
    duplicated = core.duplicated | enh.duplicated
    answered = (core.codes >= 0).any(axis=1) | (enh.codes >= 0).any(axis=1)
    keep = answered & ~duplicated
    in_place = MHAW_STATUSES.index("in_place")

    core_in_place = (core.codes == in_place).sum(axis=1)
    applicable = employees >= LARGE_EMPLOYER
    enh_all = (enh.codes == in_place).all(axis=1)
    columns: dict[str, object] = {"employee_count": employees[keep]}
    columns.update(_status_columns(core, keep, MHAW_CORE, MHAW_STATUSES))
    columns["core_in_place_count"] = core_in_place[keep].astype(np.int64)
    columns["all_core_in_place"] = core_in_place[keep] == len(MHAW_CORE)
    columns["enhanced_applicable"] = _boolean(applicable[keep], ~np.isnan(employees[keep]))
    columns.update(_status_columns(enh, keep, TW_ENHANCED, MHAW_STATUSES))
    columns["all_enhanced_in_place"] = _boolean(enh_all[keep], applicable[keep])
    columns["evidence_grade"] = np.full(int(keep.sum()), EvidenceGrade.DECLARED.value, dtype=object)
    row_of = np.where(core.row_of >= 0, core.row_of, enh.row_of)
    unknown = _unknown(MHAW_STATUSES)
    return Scored(
        scores=scores_frame(index.ids[keep], respondents(answers, row_of[keep]), columns),
        exclusions=_exclusions(
            index.ids, [(core, MHAW_CORE, unknown), (enh, TW_ENHANCED, unknown)], ~keep, duplicated
        ),
        measures=(
            MeasureSpec("core_in_place_count", 0, len(MHAW_CORE)),
            MeasureSpec("all_core_in_place", 0, 1),
            MeasureSpec("all_enhanced_in_place", 0, 1),
        ),
        n_responses=len(keep),
        notes=(
            DECLARED_NOTE,
            f"Enhanced Thriving at Work standards apply from {LARGE_EMPLOYER} employees; "
            "all_enhanced_in_place is blank where they do not apply or employee_count is missing.",
        ),
    )


@register("supplier_adherence", "1.0.0")
def score_supplier_adherence(answers: pd.DataFrame) -> Scored:
    """Declared status of each supply-chain standard and supplier facts (size, SME, VCSE)."""
    index = ResponseIndex.of(answers)
    st = _read_statuses(answers, SUPPLY_CHAIN, SUPPLY_STATUSES, index)
    employees = _number(answers, "employee_count", index)
    keep = (st.codes >= 0).any(axis=1) & ~st.duplicated
    in_place = SUPPLY_STATUSES.index("in_place")
    not_applicable = SUPPLY_STATUSES.index("not_applicable")
    met = (st.codes == in_place) | (st.codes == not_applicable)
    columns: dict[str, object] = {"employee_count": employees[keep]}
    for flag in ("is_sme", "is_vcse"):
        values = _number(answers, flag, index)[keep]
        columns[flag] = _boolean(values == 1.0, ~np.isnan(values))
    columns["local_spend_percent"] = _number(answers, "local_spend_percent", index)[keep]
    columns.update(_status_columns(st, keep, SUPPLY_CHAIN, SUPPLY_STATUSES))
    columns["in_place_count"] = (st.codes == in_place).sum(axis=1)[keep].astype(np.int64)
    columns["all_applicable_in_place"] = met.all(axis=1)[keep]
    columns["large_employer"] = _boolean(
        (employees >= LARGE_EMPLOYER)[keep], ~np.isnan(employees[keep])
    )
    columns["evidence_grade"] = np.full(int(keep.sum()), EvidenceGrade.DECLARED.value, dtype=object)
    return Scored(
        scores=scores_frame(index.ids[keep], respondents(answers, st.row_of[keep]), columns),
        exclusions=_exclusions(
            index.ids, [(st, SUPPLY_CHAIN, _unknown(SUPPLY_STATUSES))], ~keep, st.duplicated
        ),
        measures=(
            MeasureSpec("in_place_count", 0, len(SUPPLY_CHAIN)),
            MeasureSpec("all_applicable_in_place", 0, 1),
        ),
        n_responses=len(keep),
        notes=(
            DECLARED_NOTE,
            "all_applicable_in_place: every standard has a status and each is in_place or "
            "not_applicable.",
        ),
    )
