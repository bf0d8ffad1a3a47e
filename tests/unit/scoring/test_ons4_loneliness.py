"""ONS4 items scored independently with ONS bands; loneliness ordinal and UCLA sum."""

from __future__ import annotations

import numpy as np
import pytest

from svcollect.scoring import get_scorer
from svcollect.scoring.loneliness import DIRECT_OPTIONS

from .conftest import long_answers

POSITIVE_BANDS = ["low"] * 5 + ["medium"] * 2 + ["high"] * 2 + ["very high"] * 2
ANXIETY_BANDS = ["very low"] * 2 + ["low"] * 2 + ["medium"] * 2 + ["high"] * 5


@pytest.mark.parametrize("item", ["life_satisfaction", "worthwhile", "happiness", "anxiety"])
def test_ons4_bands_for_every_score(item: str) -> None:
    answers = long_answers([(v + 1, f"c{v}", {item: v}) for v in range(11)])
    result = get_scorer("ons4")(answers)
    expected = ANXIETY_BANDS if item == "anxiety" else POSITIVE_BANDS
    assert result.scores[f"{item}_band"].astype(str).tolist() == expected
    assert result.scores[item].tolist() == list(range(11))


def test_ons4_items_are_scored_independently() -> None:
    result = get_scorer("ons4")(long_answers([(1, "a", {"life_satisfaction": 8})]))
    row = result.scores.loc[1]
    assert row["life_satisfaction"] == 8
    assert row["life_satisfaction_band"] == "high"
    assert np.isnan(row["anxiety"])
    assrow = result.scores["anxiety_band"]
    assert assrow.isna().all()


def test_ons4_out_of_range_item_is_listed_under_its_measure() -> None:
    result = get_scorer("ons4")(long_answers([(1, "a", {"happiness": 11, "anxiety": 2})]))
    assert result.n_scored == 1
    assert np.isnan(result.scores.loc[1, "happiness"])
    assert result.exclusions.to_dict("records") == [
        {
            "response_id": 1,
            "measure": "happiness",
            "reason": "out of range: not a whole number from 0 to 10",
        }
    ]


def test_ons4_response_without_any_usable_item_is_excluded() -> None:
    result = get_scorer("ons4")(long_answers([(1, "a", {"anxiety": 12}), (2, "b", {"x": 1})]))
    assert result.n_scored == 0
    assert result.exclusion_counts == {
        "not answered: no ONS4 item has a usable answer": 2,
        "out of range: not a whole number from 0 to 10": 1,
    }


@pytest.mark.parametrize(("option", "score"), sorted(DIRECT_OPTIONS.items()))
def test_direct_loneliness_ordinal(option: str, score: float) -> None:
    result = get_scorer("loneliness")(long_answers([(1, "a", {"lonely_direct": option})]))
    assert result.scores.loc[1, "lonely_direct"] == score
    assert result.scores.loc[1, "lonely_direct_band"] == option


def test_direct_loneliness_order_is_documented() -> None:
    assert DIRECT_OPTIONS == {
        "never": 1,
        "hardly_ever": 2,
        "occasionally": 3,
        "some_of_the_time": 4,
        "often_always": 5,
    }
    notes = " ".join(get_scorer("loneliness")(long_answers([])).notes)
    assert "unconfirmed" in notes


def test_ucla_sum_on_complete_responses_only() -> None:
    full = {"ucla_companionship": 1, "ucla_left_out": 3, "ucla_isolated": 2}
    part = {"ucla_companionship": 3, "ucla_left_out": 3, "lonely_direct": "never"}
    result = get_scorer("loneliness")(long_answers([(1, "a", full), (2, "b", part)]))
    assert result.scores.loc[1, "ucla_loneliness"] == 6
    assert np.isnan(result.scores.loc[2, "ucla_loneliness"])
    assert result.scores.loc[2, "lonely_direct"] == 1
    assert result.exclusion_counts == {"ucla_loneliness: incomplete: 1 of 3 items missing": 1}


def test_ucla_out_of_range_and_unknown_direct_option() -> None:
    answers = {"ucla_companionship": 4, "ucla_left_out": 1, "ucla_isolated": 1}
    answers_b = {"lonely_direct": "always"}
    result = get_scorer("loneliness")(long_answers([(1, "a", answers), (2, "b", answers_b)]))
    assert result.n_scored == 0
    reasons = result.exclusion_counts
    assert (
        reasons["ucla_loneliness: out of range: 1 of 3 items not a whole number from 1 to 3"] == 1
    )
    assert any(r.startswith("unknown option") for r in reasons)
    assert reasons["not answered: neither the direct question nor all three UCLA items"] == 2
