"""Outcome change between waves: pairing, statistics, flags and refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from svcollect.scoring import EvidenceGrade, SuppressionPolicy, get_scorer, outcome_change
from svcollect.scoring.suppression import REASON_ALIKE, REASON_TOTAL

from .conftest import long_answers, scores, wemwbs_items

K5 = SuppressionPolicy(5)


def test_paired_t_interval_matches_a_hand_calculation() -> None:
    # baseline 40 42 45 50 38; follow-up 43 44 45 56 40 -> changes 3 2 0 6 2
    # mean = 13/5 = 2.6; squared deviations .16 .36 6.76 11.56 .36 = 19.2
    # SD = sqrt(19.2/4) = 2.190890; SE = SD/sqrt(5) = 0.979796
    # t(0.975, df 4) = 2.776445; half-width = 2.720350 -> CI (-0.120350, 5.320350)
    # t = 2.6/0.979796 = 2.653614; two-sided p = 0.05677; SRM = 2.6/2.190890 = 1.186732
    base = scores("wemwbs", [(1, "a", 40), (2, "b", 42), (3, "c", 45), (4, "d", 50), (5, "e", 38)])
    follow = scores(
        "wemwbs", [(11, "a", 43), (12, "b", 44), (13, "c", 45), (14, "d", 56), (15, "e", 40)]
    )
    change = outcome_change(base, follow, "wemwbs", policy=K5)
    p = change.paired
    assert p is not None
    assert change.method == "paired"
    assert change.evidence_grade is EvidenceGrade.PAIRED_SURVEY
    assert p.n == 5
    assert p.mean_change.value == pytest.approx(2.6)
    assert p.ci_low.value == pytest.approx(-0.120350, abs=1e-6)
    assert p.ci_high.value == pytest.approx(5.320350, abs=1e-6)
    assert p.p_value.value == pytest.approx(0.05677, abs=1e-5)
    assert p.srm.value == pytest.approx(1.186732, abs=1e-6)
    assert p.baseline_mean.value == pytest.approx(43.0)
    assert p.follow_up_mean.value == pytest.approx(45.6)
    # meaningful change 3 points: a (+3) and d (+6) improved, none deteriorated
    assert [c.raw for c in p.movement.counts] == [2, 3, 0]


def test_fewer_than_thirty_pairs_is_flagged_with_warwick_advice() -> None:
    base = scores("wemwbs", [(i, f"c{i}", 40 + i % 5) for i in range(12)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 43 + i % 5) for i in range(12)])
    change = outcome_change(base, follow, "wemwbs")
    assert any("Warwick advises at least 30 people" in f for f in change.flags)
    many = outcome_change(
        scores("wemwbs", [(i, f"c{i}", 40) for i in range(30)]),
        scores("wemwbs", [(100 + i, f"c{i}", 44) for i in range(30)]),
        "wemwbs",
    )
    assert not any("Warwick" in f for f in many.flags)


def test_fewer_than_thirty_pairs_on_another_scale_does_not_cite_warwick() -> None:
    base = scores("life_satisfaction", [(i, f"c{i}", 5) for i in range(12)])
    follow = scores("life_satisfaction", [(100 + i, f"c{i}", 6) for i in range(12)])
    change = outcome_change(base, follow, "life_satisfaction")
    [flag] = [f for f in change.flags if "indicative only" in f]
    assert "Warwick" not in flag and "margin of error is wide" in flag


def test_duplicate_codes_in_a_wave_keep_the_latest_and_are_reported() -> None:
    base = scores(
        "wemwbs",
        [(1, "a", 30), (2, "a", 40), (3, "b", 50)] + [(10 + i, f"x{i}", 45) for i in range(10)],
    )
    follow = scores(
        "wemwbs", [(20, "a", 44), (21, "b", 50)] + [(30 + i, f"x{i}", 45) for i in range(10)]
    )
    change = outcome_change(base, follow, "wemwbs")
    assert change.baseline.n_duplicates_dropped == 1
    assert change.baseline.n == 12
    assert change.n_paired == 12
    pairs = change.pairs.set_index("respondent")
    assert pairs.loc["a", "baseline"] == 40  # the later response (id 2), not id 1
    assert pairs.loc["a", "baseline_response_id"] == 2
    # one response is a count under k (10): it is not given exactly
    assert any(
        "Fewer than 10 baseline responses repeat a respondent code" in f for f in change.flags
    )
    assert not any(f.startswith("1 ") for f in change.flags)


def test_follow_up_without_baseline_gives_a_reason_not_an_error() -> None:
    follow = scores("wemwbs", [(i, f"c{i}", 48 + 4 * (i % 2)) for i in range(12)])
    change = outcome_change(scores("wemwbs", []), follow, "wemwbs")
    assert change.method == "none"
    assert change.reason is not None and "No baseline responses" in change.reason
    assert change.follow_up.mean.value == 50
    assert change.to_dict()["paired"] is None


def test_baseline_without_follow_up() -> None:
    change = outcome_change(scores("wemwbs", [(1, "a", 50)]), pd.DataFrame(), "wemwbs")
    assert change.method == "none"
    assert change.reason is not None and "No follow-up responses" in change.reason


def test_empty_collection_from_the_scorer() -> None:
    empty = get_scorer("wemwbs")(long_answers([]))
    change = outcome_change(empty, empty, "wemwbs")
    assert change.method == "none"
    assert (
        change.reason
        == "No responses have a score in either wave, so there is no change to report."
    )
    data = change.to_dict()
    assert data["baseline"]["mean"]["value"] is None
    assert data["provenance"] == {
        "baseline_scorer": "wemwbs",
        "baseline_scorer_version": empty.version,
        "follow_up_scorer": "wemwbs",
        "follow_up_scorer_version": empty.version,
    }


def test_no_overlapping_codes_gives_a_weaker_cohort_comparison() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(35, 60, 15).astype(float)
    b = rng.integers(40, 65, 18).astype(float)
    base = scores("wemwbs", [(i, f"b{i}", v) for i, v in enumerate(a)])
    follow = scores("wemwbs", [(100 + i, f"f{i}", v) for i, v in enumerate(b)])
    change = outcome_change(base, follow, "wemwbs")
    assert change.method == "unpaired"
    assert change.evidence_grade is EvidenceGrade.UNPAIRED_SURVEY
    assert change.paired is None and change.cohort is not None
    expected = stats.ttest_ind(b, a, equal_var=False)
    assert change.cohort.p_value.value == pytest.approx(expected.pvalue)
    assert change.cohort.difference.value == pytest.approx(b.mean() - a.mean())
    ci = expected.confidence_interval(0.95)
    assert change.cohort.ci_low.value == pytest.approx(ci.low)
    assert change.cohort.ci_high.value == pytest.approx(ci.high)
    assert any("unpaired survey" in f for f in change.flags)
    assert change.n_unpaired_baseline == 15 and change.n_unpaired_follow_up == 18


def test_anxiety_is_direction_aware() -> None:
    base = scores("anxiety", [(i, f"c{i}", 7) for i in range(12)])
    follow = scores("anxiety", [(100 + i, f"c{i}", 3 if i < 10 else 9) for i in range(12)])
    change = outcome_change(base, follow, "anxiety")
    assert change.direction == -1
    movement = change.paired.movement  # type: ignore[union-attr]
    counts = {c: s.raw for c, s in zip(movement.labels, movement.counts, strict=True)}
    assert counts == {"improved": 10, "no meaningful change": 0, "deteriorated": 2}
    assert change.count_band_improvements() == 10  # high -> low band is better for anxiety
    assert any("assumption" in f for f in change.flags)


def test_small_groups_are_suppressed_but_counts_of_people_shown() -> None:
    base = scores("wemwbs", [(i, f"c{i}", 40 + i) for i in range(6)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 44 + i) for i in range(6)])
    data = outcome_change(base, follow, "wemwbs").to_dict()
    assert data["n_paired"] == 6
    assert data["paired"]["mean_change"] == {
        "value": None,
        "n": 6,
        "suppressed": True,
        "reason": "based on fewer than 10 people",
    }
    assert data["baseline"]["mean"]["value"] is None


def test_band_distribution_each_wave_with_secondary_suppression() -> None:
    base = scores("wemwbs", [(i, f"c{i}", 38 if i < 3 else 50) for i in range(30)])
    other = scores(
        "wemwbs", [(i, f"c{i}", 38 if i < 3 else 42 if i < 15 else 50) for i in range(30)]
    )
    mixed = outcome_change(other, other, "wemwbs").baseline.bands
    assert mixed is not None
    # 3 small and the empty "high" band are hidden; 12 and 15 stay shown
    assert [c.value for c in mixed.counts] == [None, 12, 15, None]
    follow = scores("wemwbs", [(100 + i, f"c{i}", 50 if i < 15 else 62) for i in range(30)])
    change = outcome_change(base, follow, "wemwbs")
    bands = change.baseline.bands
    assert bands is not None
    assert bands.labels == ("probable depression", "possible depression", "average", "high")
    # 3 in probable depression and zeros beside it are hidden; one shown cell (27) would
    # leave the rest recoverable in sum, so everything is hidden; the total stays
    assert [c.value for c in bands.counts] == [None, None, None, None]
    assert bands.total.value == 30
    assert [c.value for c in change.follow_up.bands.counts] == [0, 0, 15, 15]  # type: ignore[union-attr]


def test_responses_without_a_code_count_in_the_wave_but_are_not_paired() -> None:
    base = scores("wemwbs", [(1, None, 40)] + [(i, f"c{i}", 45) for i in range(2, 14)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 47) for i in range(2, 14)])
    change = outcome_change(base, follow, "wemwbs")
    assert change.baseline.n == 13 and change.baseline.n_without_code == 1
    assert change.n_paired == 12 and change.n_unpaired_baseline == 1


def test_meaningful_change_threshold_is_configurable_and_defaults_documented() -> None:
    base = scores("swemwbs", [(i, f"c{i}", 20.0) for i in range(10)])
    follow = scores("swemwbs", [(100 + i, f"c{i}", 22.5) for i in range(10)])
    default = outcome_change(base, follow, "swemwbs")
    assert default.threshold == 2.87 and not default.threshold_is_assumption
    assert default.paired.movement.counts[0].raw == 0  # type: ignore[union-attr]
    custom = outcome_change(base, follow, "swemwbs", threshold=2.0)
    assert custom.paired.movement.counts[0].raw == 10  # type: ignore[union-attr]
    assert custom.threshold_source == "given by the caller"


def test_unknown_measure_needs_explicit_settings() -> None:
    frame = scores("custom", [(1, "a", 1.0)], band=False)
    with pytest.raises(ValueError, match="give threshold and direction"):
        outcome_change(frame, frame, "custom")
    change = outcome_change(frame, frame, "custom", threshold=1, direction=1)
    assert change.n_paired == 1


def test_missing_measure_column_is_an_error() -> None:
    with pytest.raises(ValueError, match="no column 'wemwbs'"):
        outcome_change(scores("anxiety", [(1, "a", 3)]), scores("anxiety", []), "wemwbs")


def test_scored_waves_feed_change_directly() -> None:
    base = get_scorer("wemwbs")(
        long_answers([(i, f"c{i}", wemwbs_items(39 + i % 2)) for i in range(1, 13)])
    )
    follow = get_scorer("wemwbs")(
        long_answers([(100 + i, f"c{i}", wemwbs_items(46 - i % 2)) for i in range(1, 13)])
    )
    change = outcome_change(base, follow, "wemwbs")
    assert change.paired is not None
    assert change.paired.mean_change.value == 6  # changes of 7 and 5
    assert change.count_band_improvements(["probable depression"], ["average"]) == 12


def test_identical_answers_are_withheld_however_many_people_gave_them() -> None:
    # 12 people all scoring 50 then all 53: each mean is each person's score, the mean
    # change each person's change, and the band table says where every person is
    base = scores("wemwbs", [(i, f"c{i}", 50) for i in range(12)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 53) for i in range(12)])
    change = outcome_change(base, follow, "wemwbs")
    data = change.to_dict()
    paired = data["paired"]
    for name in ("baseline_mean", "follow_up_mean", "mean_change", "ci_low", "sd_change"):
        assert paired[name]["value"] is None, name
        assert paired[name]["reason"] == REASON_ALIKE
    assert paired["n"] == 12  # how many people is not what they answered
    assert data["follow_up"]["mean"]["value"] is None
    assert all(c["count"]["value"] is None for c in data["follow_up"]["bands"]["cells"])
    assert data["follow_up"]["bands"]["total"]["value"] == 12
    assert all(c["count"]["value"] is None for c in paired["movement"]["cells"])
    # one person different: the change is no one's change, so it is shown; the baselines
    # are still all 50, and the follow-up mean minus the change would say so
    follow = scores("wemwbs", [(100 + i, f"c{i}", 53 + (i == 0)) for i in range(12)])
    shown = outcome_change(base, follow, "wemwbs").to_dict()
    assert shown["paired"]["mean_change"]["value"] == pytest.approx(3 + 1 / 12)
    assert shown["paired"]["baseline_mean"]["reason"] == REASON_ALIKE
    assert shown["paired"]["follow_up_mean"]["value"] is None
    assert shown["paired"]["follow_up_mean"]["reason"] == REASON_TOTAL
    assert shown["follow_up"]["mean"]["value"] is None  # everyone paired: the same mean
