"""Double counting is refused; portfolio totals count each respondent code once."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from svcollect.scoring import (
    DoubleCountingError,
    ProposedValuation,
    Route,
    check_no_double_counting,
    deduplicate_portfolio,
    find_double_counting,
)

Y1 = (date(2025, 4, 1), date(2026, 3, 31))
Y2 = (date(2026, 4, 1), date(2027, 3, 31))


def proposal(
    label: str,
    route: Route,
    population: str = "workforce",
    period: tuple[date, date] = Y1,
    outcome: str = "wellbeing",
    codes: frozenset[str] = frozenset(),
) -> ProposedValuation:
    return ProposedValuation(label, route, population, period[0], period[1], outcome, codes)


def test_wellby_and_wemwbs_value_for_the_same_people_are_refused() -> None:
    items = [proposal("WELLBY", Route.WELLBY), proposal("MWB value", Route.WELLBEING_SCALE)]
    with pytest.raises(DoubleCountingError) as err:
        check_no_double_counting(items)
    assert "valued by one route only" in str(err.value)
    assert len(err.value.conflicts) == 1


def test_wemwbs_value_with_an_outcome_value_explains_the_value_bank_rule() -> None:
    conflicts = find_double_counting(
        [proposal("MWB", Route.WELLBEING_SCALE), proposal("SVB", Route.OUTCOME_VALUE)]
    )
    assert "already include the mental wellbeing effect" in conflicts[0].explanation


def test_three_routes_give_three_conflicts() -> None:
    items = [
        proposal("a", Route.WELLBY),
        proposal("b", Route.WELLBEING_SCALE),
        proposal("c", Route.OUTCOME_VALUE),
    ]
    assert len(find_double_counting(items)) == 3


def test_different_periods_or_people_are_allowed() -> None:
    check_no_double_counting(
        [
            proposal("y1", Route.WELLBY),
            proposal("y2", Route.WELLBEING_SCALE, period=Y2),
            proposal("other", Route.WELLBEING_SCALE, population="community"),
            proposal("jobs", Route.COUNTED, outcome="jobs"),
            proposal("apprentices", Route.COUNTED, outcome="apprentices"),
        ]
    )


def test_shared_respondent_codes_mean_the_same_people() -> None:
    a = proposal("A", Route.WELLBY, population="c1", codes=frozenset({"x", "y"}))
    b = proposal("B", Route.OUTCOME_VALUE, population="c2", codes=frozenset({"y"}))
    conflicts = find_double_counting([a, b])
    assert "1 respondent code(s) appear in both" in conflicts[0].explanation


def test_the_same_counted_outcome_twice_is_refused() -> None:
    with pytest.raises(DoubleCountingError, match="count outcome jobs twice"):
        check_no_double_counting(
            [
                proposal("a", Route.COUNTED, outcome="jobs"),
                proposal("b", Route.COUNTED, outcome="jobs"),
            ]
        )


def test_period_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        proposal("a", Route.WELLBY, period=(Y1[1], Y1[0]))


def test_portfolio_counts_a_respondent_once_keeping_the_earliest_contract() -> None:
    rows = pd.DataFrame(
        {
            "contract_id": ["B", "B", "A", "A", "A"],
            "contract_start": [date(2024, 1, 1)] * 2 + [date(2023, 1, 1)] * 3,
            "respondent": ["x", "y", "x", "z", None],
            "low": [10.0, 20.0, 1.0, 2.0, 3.0],
            "central": [10.0, 20.0, 1.0, 2.0, 3.0],
            "high": [10.0, 20.0, 1.0, 2.0, 3.0],
        }
    )
    result = deduplicate_portfolio(rows, policy=None)
    assert result.n_dropped == 1
    assert result.dropped_by_contract == {"B": 1}
    kept = result.kept.set_index("contract_id")
    assert sorted(result.kept["central"]) == [1.0, 2.0, 3.0, 20.0]
    assert "x" in kept.loc["A", "respondent"].tolist()
    total = result.totals["paired survey"]["central"]
    assert total.n == 4
    assert total.suppressed  # 4 people < 10
    big = deduplicate_portfolio(
        pd.concat([rows] * 1, ignore_index=True).assign(respondent=[f"p{i}" for i in range(5)])
    )
    assert big.n_dropped == 0
    assert "started first" in result.rule


def test_a_kept_total_without_codes_counts_as_the_people_behind_it() -> None:
    rows = pd.DataFrame(
        {
            "contract_id": ["A", "B", "B"],
            "contract_start": [date(2023, 1, 1), date(2024, 1, 1), date(2024, 1, 1)],
            "respondent": [None, "x", None],
            "low": [100.0, 1.0, 5.0],
            "central": [100.0, 1.0, 5.0],
            "high": [100.0, 1.0, 5.0],
            "people": [12, None, None],  # A's answers were deleted: its total stands for 12
        }
    )
    total = deduplicate_portfolio(rows).totals["paired survey"]["central"]
    assert total.n == 12 + 1 + 1 and not total.suppressed
    assert total.value == pytest.approx(106.0)


def test_portfolio_needs_its_columns() -> None:
    with pytest.raises(ValueError, match="missing column"):
        deduplicate_portfolio(pd.DataFrame({"contract_id": []}))


def test_declarations_figures_count_organisations_and_are_not_suppressed() -> None:
    # The portfolio said "suppressed" for counted outcomes the contract's dashboard showed:
    # a supplier's return is an organisation's figure, not a statistic on people.
    rows = pd.DataFrame(
        {
            "contract_id": ["A", "A"],
            "contract_start": [date(2023, 1, 1)] * 2,
            "respondent": [None, "x"],
            "low": [4661.74, 10.0],
            "central": [4661.74, 10.0],
            "high": [4661.74, 10.0],
            "evidence_grade": ["supplier declaration accepted on evidence", "paired survey"],
        }
    )
    totals = deduplicate_portfolio(rows).totals
    accepted = totals["supplier declaration accepted on evidence"]["central"]
    assert not accepted.suppressed and accepted.value == pytest.approx(4661.74)
    assert totals["paired survey"]["central"].suppressed  # one person
