"""WEMWBS and SWEMWBS scoring: golden totals, bands, conversion table and exclusions."""

from __future__ import annotations

import pandas as pd
import pytest

from svcollect.scoring import get_scorer
from svcollect.scoring.bands import BandScheme

from .conftest import SWEMWBS, WEMWBS, items, long_answers, wemwbs_items

# DOMAIN.md 2.1, typed in by hand here so the test does not read the shipped CSV.
SWEMWBS_METRIC = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98,
    23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03,
    31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip


def swemwbs_items(raw: int) -> dict[str, float | int | str | None]:
    values = [1] * 7
    extra = raw - 7
    for i in range(7):
        step = min(4, extra)
        values[i] += step
        extra -= step
    return items(SWEMWBS, values)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (14, "probable depression"),
        (40, "probable depression"),
        (41, "possible depression"),
        (44, "possible depression"),
        (45, "average"),
        (59, "average"),
        (60, "high"),
        (70, "high"),
    ],
)
def test_wemwbs_total_and_band(total: int, band: str) -> None:
    result = get_scorer("wemwbs")(long_answers([(7, "rc", wemwbs_items(total))]))
    row = result.scores.loc[7]
    assert row["wemwbs"] == total
    assert row["wemwbs_band"] == band
    assert row["respondent"] == "rc"


def test_wemwbs_every_total_in_range() -> None:
    answers = long_answers([(t, f"c{t}", wemwbs_items(t)) for t in range(14, 71)])
    result = get_scorer("wemwbs")(answers)
    assert result.scores["wemwbs"].tolist() == list(range(14, 71))
    assert result.n_excluded == 0


def test_wemwbs_incomplete_response_is_excluded_with_a_count() -> None:
    answers = dict(wemwbs_items(50))
    del answers["wemwbs_03"]
    answers["wemwbs_09"] = None  # a row with no value is missing too
    result = get_scorer("wemwbs")(long_answers([(1, "a", answers), (2, "b", wemwbs_items(50))]))
    assert list(result.scores.index) == [2]
    assert result.exclusion_counts == {"incomplete: 2 of 14 items missing": 1}
    assert result.exclusions.iloc[0].to_dict() == {
        "response_id": 1,
        "measure": "all",
        "reason": "incomplete: 2 of 14 items missing",
    }


@pytest.mark.parametrize("bad", [0, 6, 2.5, -1])
def test_wemwbs_out_of_range_item_is_excluded(bad: float) -> None:
    answers = dict(wemwbs_items(50))
    answers["wemwbs_14"] = bad
    result = get_scorer("wemwbs")(long_answers([(1, "a", answers)]))
    assert result.n_scored == 0
    assert result.exclusion_counts == {
        "out of range: 1 of 14 items not a whole number from 1 to 5": 1
    }


def test_wemwbs_duplicate_item_rows_exclude_the_response() -> None:
    frame = long_answers([(1, "a", wemwbs_items(50)), (2, "b", wemwbs_items(30))])
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    result = get_scorer("wemwbs")(frame)
    assert list(result.scores.index) == [2]
    assert "duplicate answers" in result.exclusions.iloc[0]["reason"]


def test_wemwbs_response_with_other_questions_only_is_counted_as_excluded() -> None:
    frame = long_answers([(1, "a", {"consent": "yes"}), (2, "b", wemwbs_items(45))])
    result = get_scorer("wemwbs")(frame)
    assert (result.n_responses, result.n_scored, result.n_excluded) == (2, 1, 1)
    assert result.exclusion_counts == {"incomplete: 14 of 14 items missing": 1}


def test_wemwbs_notes_carry_the_licence_notice_and_unconfirmed_split() -> None:
    notes = " ".join(get_scorer("wemwbs")(long_answers([])).notes)
    assert "NHS Health Scotland" in notes
    assert "59/60" in notes


def test_wemwbs_band_cut_offs_are_configurable() -> None:
    strict = BandScheme(
        "wemwbs", ("low", "not low"), (43.5, 70.0), ("published", "published"), ("Bianco", "")
    )
    result = get_scorer("wemwbs")(
        long_answers([(1, "a", wemwbs_items(43)), (2, "b", wemwbs_items(44))]),
        bands={"wemwbs": strict},
    )
    assert result.scores["wemwbs_band"].tolist() == ["low", "not low"]


def test_missing_respondent_code_is_kept_as_na() -> None:
    result = get_scorer("wemwbs")(long_answers([(1, None, wemwbs_items(50))]))
    assert result.scores["respondent"].isna().all()


@pytest.mark.parametrize("raw", sorted(SWEMWBS_METRIC))
def test_swemwbs_every_raw_score_converts_with_the_published_table(raw: int) -> None:
    result = get_scorer("swemwbs")(long_answers([(1, "a", swemwbs_items(raw))]))
    row = result.scores.loc[1]
    assert row["swemwbs_raw"] == raw
    assert row["swemwbs"] == pytest.approx(SWEMWBS_METRIC[raw], abs=1e-9)


def test_swemwbs_bands_use_the_metric_score() -> None:
    answers = long_answers([(r, f"c{r}", swemwbs_items(r)) for r in (17, 18, 20, 21)])
    bands = get_scorer("swemwbs")(answers).scores["swemwbs_band"].tolist()
    # metric 16.88 <= 17; 17.43 and 18.59 in (17, 20]; 19.25 in (17, 20]
    assert bands == [
        "probable depression",
        "possible depression",
        "possible depression",
        "possible depression",
    ]


def test_swemwbs_incomplete_is_excluded() -> None:
    answers = swemwbs_items(20)
    del answers["swemwbs_07"]
    result = get_scorer("swemwbs")(long_answers([(1, "a", answers)]))
    assert result.exclusion_counts == {"incomplete: 1 of 7 items missing": 1}


def test_wemwbs_items_are_not_read_as_swemwbs() -> None:
    result = get_scorer("swemwbs")(long_answers([(1, "a", items(WEMWBS, [3] * 14))]))
    assert result.n_scored == 0
