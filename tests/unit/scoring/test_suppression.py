"""Small-number suppression: thresholds, primary and secondary suppression, totals."""

from __future__ import annotations

import itertools
import json

import pytest

from svcollect.scoring.suppression import (
    REASON_TOTAL,
    Stat,
    SuppressionPolicy,
    count_stat,
    measure_stat,
    reason_cell,
    suppress_distribution,
    suppression_pattern,
    total_of,
)

K10 = SuppressionPolicy()


@pytest.mark.parametrize("k", [4, 0, -1])
def test_threshold_below_five_is_refused(k: int) -> None:
    with pytest.raises(ValueError, match="must be at least 5 people; got"):
        SuppressionPolicy(k)


def test_default_threshold_is_ten_and_five_is_allowed() -> None:
    assert SuppressionPolicy().k == 10
    assert SuppressionPolicy(5).k == 5


def test_a_statistic_on_few_people_is_withheld_with_a_reason_and_its_n() -> None:
    stat = measure_stat(47.3, 9, K10)
    assert stat.to_dict() == {
        "value": None,
        "n": 9,
        "suppressed": True,
        "reason": "based on fewer than 10 people",
    }
    assert measure_stat(47.3, 10, K10).to_dict()["value"] == 47.3


def test_a_small_count_hides_its_n_too() -> None:
    assert count_stat(3, K10).to_dict() == {
        "value": None,
        "n": None,
        "suppressed": True,
        "reason": "based on fewer than 10 people",
    }
    assert count_stat(0, K10).to_dict()["value"] == 0


def test_secondary_suppression_hides_the_next_smallest_cell() -> None:
    dist = suppress_distribution(["a", "b", "c", "d"], [3, 40, 25, 30], K10)
    values = [c.value for c in dist.counts]
    assert values == [None, 40, None, 30]
    # the small cell and its complement give the same reason, so neither is singled out
    assert dist.counts[0].reason == dist.counts[2].reason == reason_cell(10)
    assert dist.total.value == 98
    assert [p.value for p in dist.percents][1] == pytest.approx(100 * 40 / 98)


def test_two_small_cells_need_no_secondary_suppression() -> None:
    dist = suppress_distribution(["a", "b", "c", "d"], [3, 4, 50, 60], K10)
    assert [c.value for c in dist.counts] == [None, None, 50, 60]


def test_zero_cells_are_hidden_alongside_a_small_cell() -> None:
    dist = suppress_distribution(["a", "b", "c", "d"], [0, 50, 2, 40], K10)
    assert [c.value for c in dist.counts] == [None, 50, None, 40]
    assert dist.counts[0].reason == dist.counts[2].reason == reason_cell(10)


def test_zero_cells_are_shown_when_nothing_is_small() -> None:
    dist = suppress_distribution(["a", "b", "c"], [0, 50, 20], K10)
    assert [c.value for c in dist.counts] == [0, 50, 20]


def test_everyone_in_one_cell_hides_the_table_but_not_the_total() -> None:
    # "11 of 11 often or always lonely" tells the employer what each person answered
    dist = suppress_distribution(["hardly ever", "some of the time", "often"], [0, 0, 11], K10)
    assert [c.value for c in dist.counts] == [None, None, None]
    assert [p.value for p in dist.percents] == [None, None, None]
    assert {c.reason for c in dist.counts} == {reason_cell(10)}  # not told apart from small
    assert dist.total.value == 11
    # counts that are not answers (people per contract) stay shown
    shown = suppress_distribution(["C-1", "C-2"], [0, 11], K10, answers=False)
    assert [c.value for c in shown.counts] == [0, 11]
    # one cell of its own is the total, which is not an answer
    assert suppress_distribution(["only"], [11], K10).counts[0].value == 11


def test_a_single_shown_cell_is_hidden_too() -> None:
    # with the total known, one shown cell would give the sum of the hidden ones; and the
    # rules would otherwise pin them in some tables
    dist = suppress_distribution(["a", "b", "c"], [3, 4, 50], K10)
    assert [c.value for c in dist.counts] == [None, None, None]
    assert dist.total.value == 57


def test_single_cell_distribution_hides_its_total() -> None:
    dist = suppress_distribution(["only"], [4], K10)
    assert dist.counts[0].value is None
    assert dist.total.value is None
    assert dist.total.reason == REASON_TOTAL


def test_suppressed_values_are_none_in_json_never_zero() -> None:
    dist = suppress_distribution(["a", "b"], [1, 30], K10)
    text = json.dumps(dist.to_dict())
    data = json.loads(text)
    for cell in data["cells"]:
        assert cell["count"]["value"] is None
        assert cell["count"]["reason"]
    assert "hidden_value" not in text
    assert ": 1," not in text and ": 1}" not in text  # the hidden count appears nowhere


def test_total_of_withholds_a_sum_with_exactly_one_hidden_part() -> None:
    shown, hidden = Stat(100.0, 20), measure_stat(7.0, 3, K10)
    assert total_of([shown, hidden]).value is None
    assert total_of([shown, hidden, measure_stat(9.0, 4, K10)]).value == 116.0
    assert total_of([shown, Stat(5.0, 12)]).value == 105.0


def test_hidden_value_is_not_in_repr() -> None:
    assert "7.25" not in repr(measure_stat(7.25, 3, K10))


def _what_is_published(counts: tuple[int, ...], k: int) -> tuple[object, ...]:
    reasons, total_hidden = suppression_pattern(list(counts), k)
    shown = tuple(None if r else c for r, c in zip(reasons, counts, strict=True))
    return shown, tuple(r is not None for r in reasons), None if total_hidden else sum(counts)


@pytest.mark.parametrize(("size", "k", "largest"), [(2, 5, 30), (3, 5, 24), (4, 5, 15), (4, 6, 15)])
def test_no_small_table_lets_a_hidden_small_cell_be_worked_out(
    size: int, k: int, largest: int
) -> None:
    """Every table of up to `largest` people a cell, grouped by what is published.

    Someone who knows the rules and sees one table's publication knows only that the true
    table is one of its group. A hidden small cell must take two or more values across
    the group. Groups near `largest` miss tables above it, which can only make a cell look
    pinned, so only tables a margin below it are judged.
    """
    groups: dict[tuple[object, ...], list[tuple[int, ...]]] = {}
    for table in itertools.product(range(largest + 1), repeat=size):
        groups.setdefault(_what_is_published(table, k), []).append(table)
    judged = 0
    for (_, hidden, _), tables in groups.items():
        cells = [i for i, h in enumerate(hidden) if h]
        values = {i: {t[i] for t in tables} for i in cells}
        for table in tables:
            if max(table) > largest - 4:
                continue
            judged += 1
            for i in cells:
                assert len(values[i]) > 1 or not 0 < table[i] < k, f"cell {i} of {table}"
    assert judged == (largest - 3) ** size
