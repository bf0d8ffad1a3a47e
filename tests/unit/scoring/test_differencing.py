"""Secondary suppression between a change's means: nothing withheld comes back by subtraction."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcollect.scoring import SuppressionPolicy, outcome_change
from svcollect.scoring.differences import secure_shared_waves
from svcollect.scoring.suppression import REASON_ALIKE, REASON_TOTAL

from .conftest import scores

K = 10


def _value(stat: dict[str, Any]) -> float | None:
    return stat["value"]


def routes_back(data: dict[str, Any], k: int = K) -> list[str]:
    """What an attacker holding the published change works out that it should not.

    Each route is a sum the published figures satisfy: where all but one of its terms are
    shown, the last is known too.
    """
    found = []
    base, follow = data["baseline"], data["follow_up"]
    paired, cohort = data["paired"], data["cohort"]
    if paired is not None:
        means = [
            _value(paired[name]) for name in ("baseline_mean", "follow_up_mean", "mean_change")
        ]
        if means.count(None) == 1:
            found.append("a paired mean or the change, from the other two")
        for wave, name, unpaired in (
            (base, "baseline_mean", data["n_unpaired_baseline"]),
            (follow, "follow_up_mean", data["n_unpaired_follow_up"]),
        ):
            both = _value(wave["mean"]) is not None and _value(paired[name]) is not None
            if both and 0 < unpaired < k:
                found.append(f"the mean of the {unpaired} unpaired at {wave['wave']}")
            if unpaired == 0 and (_value(wave["mean"]) is None) != (_value(paired[name]) is None):
                found.append(f"the {wave['wave']} mean, shown as the other of two equal means")
    if cohort is not None:
        means = [_value(base["mean"]), _value(follow["mean"]), _value(cohort["difference"])]
        if means.count(None) == 1:
            found.append("a wave's mean or the difference, from the other two")
    return found


def test_the_one_person_not_paired_keeps_their_baseline_to_themselves() -> None:
    # 12 paired people and one more who answered only the baseline, with 70: the wave's
    # mean (13 people) and the paired baseline mean (12) used to give 13 * m13 - 12 * m12 = 70
    paired = [(i, f"c{i}", 40 + i % 5) for i in range(12)]
    base = scores("wemwbs", [*paired, (50, "left", 70)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 43 + i % 4) for i in range(12)])
    data = outcome_change(base, follow, "wemwbs").to_dict()
    assert data["n_unpaired_baseline"] == 1
    assert data["baseline"]["mean"] == {
        "value": None,
        "n": 13,
        "suppressed": True,
        "reason": REASON_TOTAL,
    }
    assert data["baseline"]["sd"]["reason"] == REASON_TOTAL
    assert data["baseline"]["n"] == 13  # how many answered is not what they answered
    assert data["paired"]["baseline_mean"]["value"] == pytest.approx(41.75)
    assert data["paired"]["mean_change"]["value"] is not None
    # the follow-up wave is the paired people: its mean is the paired follow-up mean
    assert data["follow_up"]["mean"]["value"] == data["paired"]["follow_up_mean"]["value"]
    assert routes_back(data) == []


def test_k_people_not_paired_are_a_group_of_their_own() -> None:
    paired = [(i, f"c{i}", 40 + i % 5) for i in range(12)]
    left = [(50 + i, f"left{i}", 60 + i % 3) for i in range(K)]
    base = scores("wemwbs", paired + left)
    follow = scores("wemwbs", [(100 + i, f"c{i}", 43 + i % 4) for i in range(12)])
    data = outcome_change(base, follow, "wemwbs").to_dict()
    assert data["n_unpaired_baseline"] == K
    assert data["baseline"]["mean"]["value"] is not None
    assert data["baseline"]["sd"]["value"] is not None


def test_everyone_changing_alike_hides_a_mean_as_well_as_the_change() -> None:
    # every person gained 3: the change is withheld, and the baseline and follow-up means
    # would give it back, so the follow-up mean goes (with the follow-up wave's, the same)
    base = scores("wemwbs", [(i, f"c{i}", 40 + i) for i in range(12)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 43 + i) for i in range(12)])
    data = outcome_change(base, follow, "wemwbs").to_dict()
    assert data["paired"]["mean_change"]["reason"] == REASON_ALIKE
    assert data["paired"]["baseline_mean"]["value"] == pytest.approx(45.5)
    assert data["paired"]["follow_up_mean"]["reason"] == REASON_TOTAL
    assert data["follow_up"]["mean"]["reason"] == REASON_TOTAL
    assert data["baseline"]["mean"]["value"] == pytest.approx(45.5)
    assert routes_back(data) == []


def test_an_unpaired_comparison_does_not_give_back_a_withheld_wave() -> None:
    # no codes in common; everyone at baseline scored 50, so its mean is withheld, and
    # the follow-up mean minus the difference would be 50
    base = scores("wemwbs", [(i, f"b{i}", 50) for i in range(12)])
    follow = scores("wemwbs", [(100 + i, f"f{i}", 50 + i % 4) for i in range(12)])
    data = outcome_change(base, follow, "wemwbs").to_dict()
    assert data["method"] == "unpaired"
    assert data["baseline"]["mean"]["reason"] == REASON_ALIKE
    assert data["cohort"]["difference"]["value"] is not None
    assert data["follow_up"]["mean"]["reason"] == REASON_TOTAL
    assert data["follow_up"]["sd"]["reason"] == REASON_TOTAL
    assert routes_back(data) == []


def test_nothing_is_withheld_that_gives_nothing_away() -> None:
    base = scores("wemwbs", [(i, f"c{i}", 40 + i % 5) for i in range(12)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 43 + i % 4) for i in range(12)])
    data = outcome_change(base, follow, "wemwbs").to_dict()
    for stat in (
        data["baseline"]["mean"],
        data["follow_up"]["mean"],
        *(data["paired"][name] for name in ("baseline_mean", "follow_up_mean", "mean_change")),
    ):
        assert stat["value"] is not None


# Scores from a narrow range make everyone-alike waves and changes common; codes from a
# small pool make every mix of paired, unpaired, repeated and code-less responses.
_row = st.tuples(st.one_of(st.none(), st.integers(0, 24).map(str)), st.integers(44, 47))


@settings(max_examples=300, deadline=None)
@given(st.lists(_row, max_size=30), st.lists(_row, max_size=30))
def test_no_published_change_can_be_solved_for_a_hidden_figure(
    base_rows: list[tuple[str | None, int]], follow_rows: list[tuple[str | None, int]]
) -> None:
    base = scores("wemwbs", [(i, code, value) for i, (code, value) in enumerate(base_rows)])
    follow = scores(
        "wemwbs", [(1000 + i, code, value) for i, (code, value) in enumerate(follow_rows)]
    )
    data = outcome_change(base, follow, "wemwbs").to_dict()
    assert routes_back(data) == []


# --- across changes: one collection in several pairings ----------------------------------


def cross_routes(keyed: list[tuple[str, str, dict[str, Any]]], k: int = K) -> list[str]:
    """Routes between changes: one wave shown in one and withheld in another, or two paired
    means of one wave over groups differing by fewer than k people on each side."""
    found = []
    waves: dict[str, set[bool]] = {}
    groups: dict[str, list[frozenset[int]]] = {}
    for base_key, follow_key, (data, people) in keyed:
        for key, role, mean in (
            (base_key, "baseline", "baseline_mean"),
            (follow_key, "follow_up", "follow_up_mean"),
        ):
            waves.setdefault(key, set()).add(data[role]["mean"]["value"] is None)
            if data["paired"] and data["paired"][mean]["value"] is not None:
                group = people[role]
                for other in groups.setdefault(key, []):
                    if group != other and len(group - other) < k and len(other - group) < k:
                        found.append(f"the mean of the people between two paired groups of {key}")
                groups[key].append(group)
    found += [
        f"{key}'s mean, withheld in one change only" for key, seen in waves.items() if len(seen) > 1
    ]
    return found


def _published(base_key: str, follow_key: str, change: Any) -> tuple[str, str, Any]:
    people = {
        role: frozenset(change.pairs.get(f"{role}_response_id", []))
        for role in ("baseline", "follow_up")
    }
    return base_key, follow_key, (change.to_dict(), people)


def _changes(waves: dict[str, Any], pairings: list[tuple[str, str]]) -> list[Any]:
    return [outcome_change(waves[b], waves[f], "wemwbs") for b, f in pairings]


def _secured(waves: dict[str, Any], pairings: list[tuple[str, str]]) -> list[tuple[str, str, Any]]:
    changes = _changes(waves, pairings)
    keyed = [(b, f, c) for (b, f), c in zip(pairings, changes, strict=True)]
    secured = secure_shared_waves(keyed, SuppressionPolicy())
    return [_published(b, f, c) for (b, f), c in zip(pairings, secured, strict=True)]


def test_a_baseline_with_two_follow_ups_does_not_give_away_who_answered_only_one() -> None:
    # 20 at baseline, all 20 at six months, 18 of them at a year: the baseline means of
    # the 20 and the 18 used to give the mean of the two who left
    waves = {
        "B": scores("wemwbs", [(i, f"c{i}", 40 + i % 7) for i in range(20)]),
        "F1": scores("wemwbs", [(100 + i, f"c{i}", 42 + i % 5) for i in range(20)]),
        "F2": scores("wemwbs", [(200 + i, f"c{i}", 44 + i % 6) for i in range(18)]),
    }
    pairings = [("B", "F1"), ("B", "F2")]
    changes = _changes(waves, pairings)
    unsecured = [_published(b, f, c) for (b, f), c in zip(pairings, changes, strict=True)]
    assert any("withheld in one change only" in r for r in cross_routes(unsecured))
    secured = _secured(waves, pairings)
    assert cross_routes(secured) == []
    for _b, _f, (data, _people) in secured:
        assert routes_back(data) == []
        assert data["paired"]["mean_change"]["value"] is not None  # the evidence stays


def test_two_baselines_with_one_follow_up_keep_the_follow_up_consistent() -> None:
    waves = {
        "B1": scores("wemwbs", [(i, f"c{i}", 40 + i % 7) for i in range(20)]),
        "B2": scores("wemwbs", [(50 + i, f"c{i}", 41 + i % 3) for i in range(2, 20)]),
        "F": scores("wemwbs", [(100 + i, f"c{i}", 42 + i % 5) for i in range(20)]),
    }
    secured = _secured(waves, [("B1", "F"), ("B2", "F")])
    assert cross_routes(secured) == []


_wave_rows = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(0, 24)), st.integers(44, 47)), max_size=30
)


@settings(max_examples=200, deadline=None)
@given(_wave_rows, _wave_rows, _wave_rows)
def test_no_two_changes_of_one_collection_can_be_solved_for_a_hidden_figure(
    base: list[tuple[int | None, int]],
    first: list[tuple[int | None, int]],
    second: list[tuple[int | None, int]],
) -> None:
    def wave(rows: list[tuple[int | None, int]], start: int) -> Any:
        return scores(
            "wemwbs",
            [
                (start + i, None if code is None else f"c{code}", value)
                for i, (code, value) in enumerate(rows)
            ],
        )

    waves = {"B": wave(base, 0), "F1": wave(first, 1000), "F2": wave(second, 2000)}
    secured = _secured(waves, [("B", "F1"), ("B", "F2")])
    assert cross_routes(secured) == []
    for _b, _f, (data, _people) in secured:
        assert routes_back(data) == []
