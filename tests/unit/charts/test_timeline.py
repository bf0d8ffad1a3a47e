"""Responses over time: running totals never reveal a count under k."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from svcollect.charts.timeline import cumulative, periods, timeline_chart, unit_for
from tests.unit.charts.conftest import hatched, parse, texts

START = date(2026, 3, 2)


def _days(*counts: int) -> list[date]:
    return [START + timedelta(days=i) for i, n in enumerate(counts) for _ in range(n)]


def test_units_follow_the_span():
    assert unit_for(START, START + timedelta(days=20)) == "day"
    assert unit_for(START, START + timedelta(days=90)) == "week"
    assert unit_for(START, START + timedelta(days=400)) == "month"


def test_periods_cover_the_span_without_gaps():
    for unit in ("day", "week", "month"):
        spans = periods(START, START + timedelta(days=100), unit)
        assert spans[0][0] <= START and spans[-1][1] >= START + timedelta(days=100)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start == end + timedelta(days=1)


def test_small_steps_are_withheld_and_the_total_is_kept():
    unit, points = cumulative(_days(12, 3, 0, 10), START, START + timedelta(days=3), 10)
    assert unit == "day"
    assert [p.total for p in points] == [12, None, None, 25]
    assert [p.new for p in points] == [12, None, None, None]


def test_a_total_under_k_shows_nothing():
    _, points = cumulative(_days(0, 4), START, START + timedelta(days=1), 10)
    assert [p.total for p in points] == [0, None]


def test_the_last_shown_total_is_withdrawn_if_it_would_reveal_the_rest():
    _, points = cumulative(_days(12, 3), START, START + timedelta(days=1), 10)
    assert [p.total for p in points] == [None, 15]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=1, max_size=40), st.integers(5, 12))
def test_no_shown_figure_reveals_a_count_under_k(counts, k):
    days = _days(*counts)
    _, points = cumulative(days, START, START + timedelta(days=len(counts) - 1), k)
    total = len(days)
    shown = [p.total for p in points if p.total is not None]
    for a, b in zip([0, *shown], shown, strict=False):
        assert b - a == 0 or b - a >= k
    for value in shown:
        assert value == 0 or value >= k
    if total >= k:
        assert points[-1].total == total
    elif total:
        assert points[-1].total is None
    for p in points:
        assert p.new is None or p.new == 0 or p.new >= k


def test_chart_hatches_withheld_periods():
    unit, points = cumulative(_days(12, 3, 0, 10), START, START + timedelta(days=3), 10)
    root = parse(timeline_chart("t1", "Responses", "desc", points, unit, labelled_by="h", k=10))
    assert len(hatched(root)) == 2
    assert "25" in texts(root)
    assert "3" not in texts(root) and "15" not in texts(root)
