"""Supplier attestation scorers, adherence shares, and delivery return totals."""

from __future__ import annotations

import pandas as pd
import pytest

from svcollect.scoring import EvidenceGrade, delivery_totals, get_scorer, mhaw_adherence
from svcollect.scoring.standards import SUPPLY_CHAIN

from .conftest import long_answers

ALL_CORE = {f"mhaw_{i}_status": "in_place" for i in range(1, 7)}
ALL_ENH = {f"tw_enh_{i}_status": "in_place" for i in range(1, 5)}


def test_mhaw_all_core_in_place_and_enhanced_threshold() -> None:
    answers = long_answers(
        [
            (1, "s1", {**ALL_CORE, "employee_count": 499, **ALL_ENH}),
            (2, "s2", {**ALL_CORE, "employee_count": 500, **ALL_ENH}),
            (3, "s3", {**ALL_CORE, "mhaw_4_status": "partly", "employee_count": 20}),
        ]
    )
    result = get_scorer("mhaw_standards")(answers)
    s = result.scores
    assert s["all_core_in_place"].tolist() == [True, True, False]
    assert s["core_in_place_count"].tolist() == [6, 6, 5]
    assert s["enhanced_applicable"].tolist() == [False, True, False]
    assert s["all_enhanced_in_place"].tolist() == [pd.NA, True, pd.NA]
    assert s.loc[3, "mhaw_4"] == "partly"
    assert set(s["evidence_grade"]) == {EvidenceGrade.DECLARED.value}


def test_mhaw_unknown_status_is_reported() -> None:
    result = get_scorer("mhaw_standards")(
        long_answers([(1, "s", {**ALL_CORE, "mhaw_2_status": "maybe"})])
    )
    assert result.scores.loc[1, "core_in_place_count"] == 5
    assert pd.isna(result.scores.loc[1, "mhaw_2"])
    assert result.exclusions.iloc[0]["measure"] == "mhaw_2"
    assert "unknown status" in result.exclusions.iloc[0]["reason"]


def test_mhaw_without_any_status_is_excluded() -> None:
    result = get_scorer("mhaw_standards")(long_answers([(1, "s", {"employee_count": 10})]))
    assert result.exclusion_counts == {"not answered: no standard has a status": 1}


def test_adherence_counts_only_accepted_evidence() -> None:
    answers = long_answers(
        [(i, f"s{i}", {**ALL_CORE, "employee_count": 600, **ALL_ENH}) for i in range(1, 4)]
        + [(4, "s4", {**ALL_CORE, "mhaw_1_status": "not_yet", "employee_count": 5})]
    )
    result = get_scorer("mhaw_standards")(answers)
    accepted = {1: [f"mhaw_{i}" for i in range(1, 7)], 2: ["mhaw_1"]}
    shares = mhaw_adherence(result, accepted)
    assert shares["core_declared"].numerator.value == 3
    assert shares["core_declared"].denominator == 4
    assert shares["core_accepted"].numerator.value == 1
    assert shares["core_accepted"].share.value == pytest.approx(0.25)
    assert shares["core_accepted"].grade is EvidenceGrade.ACCEPTED_DECLARATION
    assert shares["enhanced_declared"].denominator == 3
    assert shares["enhanced_accepted"].numerator.value == 0


def test_supplier_adherence_statuses_and_flags() -> None:
    every = {f"{c}_status": "in_place" for c in SUPPLY_CHAIN}
    answers = long_answers(
        [
            (1, "a", {**every, "modern_slavery_status": "not_applicable", "is_sme": 1,
                      "employee_count": 40, "local_spend_percent": 35}),
            (2, "b", {**every, "prompt_payment_status": "partly", "is_sme": 0}),
            (3, "c", {"living_wage_status": "in_place", "employee_count": 900}),
        ]
    )  # fmt: skip
    result = get_scorer("supplier_adherence")(answers)
    s = result.scores
    assert s["all_applicable_in_place"].tolist() == [True, False, False]
    assert s["in_place_count"].tolist() == [6, 6, 1]
    assert s["is_sme"].tolist() == [True, False, pd.NA]
    assert s["large_employer"].tolist() == [False, pd.NA, True]
    assert s.loc[1, "local_spend_percent"] == 35
    assert s.loc[1, "modern_slavery"] == "not_applicable"


def test_delivery_return_totals_per_question() -> None:
    answers = long_answers(
        [
            (1, "s1", {"apprentices": 2, "jobs_created": 5, "note": "text"}),
            (2, "s2", {"apprentices": 3, "volunteer_hours": 12.5}),
            (3, "s3", {"note": "nothing numeric"}),
        ]
    )
    result = get_scorer("delivery_return")(answers)
    assert list(result.scores.columns) == [
        "respondent",
        "apprentices",
        "jobs_created",
        "volunteer_hours",
    ]
    assert result.exclusion_counts == {"no numeric answers": 1}
    totals = delivery_totals(result)
    assert totals.to_dict("records") == [
        {"question_id": "apprentices", "n_responses": 2, "total": 5.0},
        {"question_id": "jobs_created", "n_responses": 1, "total": 5.0},
        {"question_id": "volunteer_hours", "n_responses": 1, "total": 12.5},
    ]


def test_delivery_totals_refuse_other_results() -> None:
    with pytest.raises(ValueError, match="delivery_return"):
        delivery_totals(get_scorer("ons4")(long_answers([])))
