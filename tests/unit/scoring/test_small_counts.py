"""Counts of people written into notes: "fewer than k" for 1 to k-1, exact otherwise."""

from __future__ import annotations

import pytest

from svcollect.scoring import SuppressionPolicy, outcome_change
from svcollect.scoring.suppression import people_count

from .conftest import scores


@pytest.mark.parametrize(
    ("n", "k", "text"),
    [
        (0, 10, "0"),
        (1, 10, "fewer than 10"),
        (9, 10, "fewer than 10"),
        (10, 10, "10"),
        (1234, 10, "1,234"),
        (4, 5, "fewer than 5"),
        (7, 5, "7"),
        (12, 15, "fewer than 15"),
    ],
)
def test_people_count(n: int, k: int, text: str) -> None:
    assert people_count(n, SuppressionPolicy(k)) == text


def _pairs(n: int, policy: SuppressionPolicy | None = None):
    base = scores("wemwbs", [(i, f"c{i}", 40 + i % 5) for i in range(n)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 43 + i % 5) for i in range(n)])
    return outcome_change(base, follow, "wemwbs", policy=policy)


def _warwick(flags: tuple[str, ...]) -> str:
    return next(f for f in flags if "Warwick" in f)


def test_the_warwick_note_does_not_count_pairs_under_k() -> None:
    seven = _warwick(_pairs(7).flags)
    assert seven.startswith("Fewer than 10 people have both a baseline and a follow-up score")
    assert "7" not in seven
    assert _warwick(_pairs(12).flags).startswith("Only 12 people have both")
    # the threshold is the policy's, not a fixed 10
    assert _warwick(_pairs(7, SuppressionPolicy(5)).flags).startswith("Only 7 people")
    assert _warwick(_pairs(12, SuppressionPolicy(15)).flags).startswith("Fewer than 15 people")


def test_notes_on_responses_count_exactly_only_from_k() -> None:
    follow = scores("wemwbs", [(100 + i, f"c{i}", 45) for i in range(12)])
    few = scores(
        "wemwbs", [(i, None, 40) for i in range(3)] + [(10 + i, f"c{i}", 45) for i in range(12)]
    )
    many = scores(
        "wemwbs", [(i, None, 40) for i in range(12)] + [(20 + i, f"c{i}", 45) for i in range(12)]
    )
    [few_note] = [f for f in outcome_change(few, follow, "wemwbs").flags if "no respondent" in f]
    assert few_note.startswith("Fewer than 10 baseline responses have no respondent code")
    [many_note] = [f for f in outcome_change(many, follow, "wemwbs").flags if "no respondent" in f]
    assert many_note.startswith("12 baseline responses have no respondent code")
