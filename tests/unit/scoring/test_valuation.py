"""Valuation: golden WELLBY figures, deflator uplift, adjustments, routes and assumptions."""

from __future__ import annotations

import pytest

from svcollect.imports.value_tables import read_value_table
from svcollect.scoring import (
    EvidenceGrade,
    InvalidAssumptionsError,
    SuppressionPolicy,
    UnknownPriceYearError,
    ValuationAssumptions,
    outcome_change,
    totals_by_grade,
    validate_assumptions,
    value_band_movement,
    value_counted_outcome,
    value_wellby,
    wellby_per_person,
    wellby_value,
)
from svcollect.scoring.data_files import read_data_file
from svcollect.scoring.suppression import REASON_ALIKE
from svcollect.scoring.valuation import duration_weights
from svcollect.scoring.value_tables import ValueTable

from .conftest import scores

NO_ADJUSTMENTS = {"discount_rate": 0.0}


def table(rows: str) -> ValueTable:
    header = "outcome_code,description,unit,value,price_year,source,licence,deadweight_included\n"
    parsed = read_value_table((header + rows).encode(), filename="t.csv", name="test table")
    assert isinstance(parsed, ValueTable), parsed
    return parsed


def test_golden_half_point_for_six_months_is_3250_per_person() -> None:
    # DOMAIN.md 3.1: £13,000 x 0.5 x 6/12 = £3,250
    a = ValuationAssumptions(duration_years=0.5)
    assert wellby_per_person(0.5, a)["central"] == pytest.approx(3250.0)
    v = wellby_value(20, 0.5, a)
    # Per unit is per WELLBY (10 of them: 20 people x 0.5 points), so that per unit x
    # quantity is the total: £13,000 x 6/12 = £6,500; £3,250 is each person's share.
    assert v.quantity.value == pytest.approx(10.0)
    assert v.per_unit["central"].value == pytest.approx(6500.0)
    assert v.per_unit["central"].value * v.quantity.value == pytest.approx(v.total["central"].value)
    assert v.total["central"].value == pytest.approx(65_000.0)
    assert v.total["low"].value == pytest.approx(50_000.0)
    assert v.total["high"].value == pytest.approx(80_000.0)
    assert v.price_year == "2019"
    assert "£65,000.00" in v.calculation
    assert "w_t = min(1, duration - (t - 1))" in v.formula


def test_uplift_2019_to_2024_uses_the_shipped_calendar_series() -> None:
    rows = {
        r["year"]: float(r["deflator"])
        for r in read_data_file("gdp_deflator_MNF2_calendar.csv").rows
    }
    expected = 13_000 * rows["2024"] / rows["2019"]  # 13,000 x 100 / 81.1085
    a = ValuationAssumptions(reporting_price_year=2024)
    assert wellby_per_person(1.0, a)["central"] == pytest.approx(expected)
    assert round(expected) == 16_028
    v = wellby_value(10, 1.0, a)
    assert v.inputs["deflator"]["series_id"] == "MNF2"
    assert v.inputs["deflator"]["vintage"] == "2025-12"
    assert v.price_year == "2024"


def test_financial_series_reads_2019_as_2019_20() -> None:
    a = ValuationAssumptions(deflator_basis="financial", reporting_price_year="2024-25")
    assert a.deflator_vintage == "2026-03"
    assert wellby_per_person(1.0, a)["central"] == pytest.approx(13_000 * 100 / 80.8738)
    # and says so on every figure it prices, rather than silently
    notes = wellby_value(10, 1.0, a).notes
    assert (
        "The price year 2019 is read as the financial year 2019-20 (April to March): the "
        "assumptions use the financial-year deflator series." in notes
    )
    assert not any("2024-25 is read" in n for n in notes)  # given as a financial year
    calendar = wellby_value(10, 1.0, ValuationAssumptions(reporting_price_year="2024")).notes
    assert not any("is read as the financial year" in n for n in calendar)


def test_forecast_reporting_year_is_noted() -> None:
    a = ValuationAssumptions(deflator_basis="financial", reporting_price_year="2027-28")
    v = wellby_value(10, 1.0, a)
    assert v.inputs["reporting_year_is_forecast"] is True
    assert any("forecast" in n for n in v.notes)


def test_unknown_price_year_is_a_clear_error() -> None:
    with pytest.raises(InvalidAssumptionsError, match="2031 is not covered by the calendar-year"):
        ValuationAssumptions(reporting_price_year=2031)
    with pytest.raises(InvalidAssumptionsError, match="Price year of the WELLBY values"):
        ValuationAssumptions(wellby_price_year="next year")


def test_duration_drop_off_and_discounting_by_hand() -> None:
    # 2.5 years, 10% drop-off, 3.5% discount:
    # year 1: 1; year 2: 0.9 / 1.035 = 0.869565; year 3 (half): 0.5 x 0.81 / 1.071225 = 0.378071
    weights = duration_weights(2.5, 0.1, 0.035)
    assert weights == pytest.approx([1.0, 0.869565, 0.378071], abs=1e-6)
    a = ValuationAssumptions(duration_years=2.5, drop_off=0.1)
    assert wellby_per_person(1.0, a)["central"] == pytest.approx(13_000 * sum(weights))


def test_adjustments_multiply() -> None:
    a = ValuationAssumptions(deadweight=0.25, attribution=0.5, displacement=0.1, duration_years=1)
    # 13,000 x 0.75 x 0.5 x 0.9 = 4,387.50
    assert wellby_per_person(1.0, a)["central"] == pytest.approx(4387.5)


@pytest.mark.parametrize(
    "field", ["deadweight", "attribution", "displacement", "drop_off", "discount_rate"]
)
@pytest.mark.parametrize("value", [-0.01, 1.5, 25])
def test_fractions_outside_0_to_100_percent_are_refused_by_name(field: str, value: float) -> None:
    with pytest.raises(InvalidAssumptionsError) as err:
        ValuationAssumptions(**{field: value})  # type: ignore[arg-type]
    assert list(err.value.errors) == [field]
    assert "between 0% and 100%" in err.value.errors[field]


@pytest.mark.parametrize("duration", [-1, 0])
def test_duration_must_be_positive(duration: float) -> None:
    errors = validate_assumptions({"duration_years": duration})
    assert errors == {"duration_years": "Duration must be more than 0 years"}


def test_validate_assumptions_collects_every_problem() -> None:
    errors = validate_assumptions({"deadweight": 2, "duration_years": -1, "colour": "red"})
    assert errors == {"colour": "colour is not a valuation assumption"}
    errors = validate_assumptions({"deadweight": 2, "duration_years": -1})
    assert set(errors) == {"deadweight", "duration_years"}
    assert validate_assumptions({"deadweight": 0.5}) == {}


LOW_TOO_HIGH = "The low value per WELLBY must be no more than the central value"
HIGH_TOO_LOW = "The high value per WELLBY must be no less than the central value"


@pytest.mark.parametrize(
    ("low", "central", "high", "expected"),
    [
        (20_000, 13_000, 16_000, {"wellby_value_low": LOW_TOO_HIGH}),
        (10_000, 13_000, 12_000, {"wellby_value_high": HIGH_TOO_LOW}),
        (
            16_000,
            13_000,
            10_000,
            {"wellby_value_low": LOW_TOO_HIGH, "wellby_value_high": HIGH_TOO_LOW},
        ),
        (10_000, 17_000, 16_000, {"wellby_value_high": HIGH_TOO_LOW}),
        (13_000, 13_000, 13_000, {}),
    ],
)
def test_the_wellby_value_on_the_wrong_side_of_the_central_one_is_named(
    low: float, central: float, high: float, expected: dict[str, str]
) -> None:
    values = {"wellby_value_low": low, "wellby_value_central": central, "wellby_value_high": high}
    assert validate_assumptions(values) == expected


def test_assumption_fingerprint_is_stable_and_sensitive() -> None:
    a = ValuationAssumptions(duration_years=1)
    assert a.sha256 == ValuationAssumptions(duration_years=1.0).sha256
    assert a.sha256 != ValuationAssumptions(duration_years=2).sha256
    assert len(a.sha256) == 64
    assert "1.5%" in a.sources["discount_rate"] and "unconfirmed" in a.sources["discount_rate"]


def test_value_wellby_from_a_paired_life_satisfaction_change() -> None:
    base = scores("life_satisfaction", [(i, f"c{i}", 6 - i % 2) for i in range(12)])
    follow = scores("life_satisfaction", [(100 + i, f"c{i}", 7 - 2 * (i % 2)) for i in range(12)])
    change = outcome_change(base, follow, "life_satisfaction")  # changes of 1 and 0
    v = value_wellby(change, ValuationAssumptions(duration_years=0.5))
    assert v.total["central"].value == pytest.approx(12 * 3250)
    assert v.evidence_grade is EvidenceGrade.PAIRED_SURVEY
    assert v.contributions is not None
    assert v.contributions["central"].sum() == pytest.approx(12 * 3250)


def test_a_value_that_would_show_each_persons_change_is_withheld() -> None:
    # everyone's life satisfaction rose by exactly 1: £ / n / £ per WELLBY is that 1
    base = scores("life_satisfaction", [(i, f"c{i}", 5 + i % 3) for i in range(12)])
    follow = scores("life_satisfaction", [(100 + i, f"c{i}", 6 + i % 3) for i in range(12)])
    v = value_wellby(outcome_change(base, follow, "life_satisfaction"), ValuationAssumptions())
    data = v.to_dict()
    assert data["total"]["central"]["value"] is None
    assert data["calculation"] == f"withheld: {REASON_ALIKE}"


def test_value_wellby_is_withheld_for_small_groups() -> None:
    base = scores("life_satisfaction", [(i, f"c{i}", 6) for i in range(4)])
    follow = scores("life_satisfaction", [(100 + i, f"c{i}", 7) for i in range(4)])
    v = value_wellby(outcome_change(base, follow, "life_satisfaction"), ValuationAssumptions())
    data = v.to_dict()
    assert data["total"]["central"]["value"] is None
    assert data["calculation"] == "withheld: based on fewer than 10 people"
    assert "mean_change" not in data["inputs"]


def test_value_wellby_refuses_other_measures_and_unpaired_data() -> None:
    base = scores("life_satisfaction", [(i, f"b{i}", 6) for i in range(12)])
    follow = scores("life_satisfaction", [(100 + i, f"f{i}", 7) for i in range(12)])
    with pytest.raises(ValueError, match="needs a paired life-satisfaction change"):
        value_wellby(outcome_change(base, follow, "life_satisfaction"), ValuationAssumptions())
    w = scores("wemwbs", [(1, "a", 40)])
    with pytest.raises(ValueError, match="needs life_satisfaction change"):
        value_wellby(outcome_change(w, w, "wemwbs"), ValuationAssumptions())


def test_counted_outcome_route_with_uplift_and_deadweight_included() -> None:
    t = table("APP1,apprenticeship,per apprentice,1000,2019,test only,none,yes\n")
    a = ValuationAssumptions(deadweight=0.5, attribution=0.2, reporting_price_year=2024)
    v = value_counted_outcome(t, "APP1", 3, a, n_responses=2, grade=EvidenceGrade.DECLARED)
    # deadweight already included: 3 x 1000 x (100 / 81.1085) x 0.8 x 1 (one year)
    assert v.total["central"].value == pytest.approx(3 * 1000 * 100 / 81.1085 * 0.8)
    assert v.total["low"].value == v.total["high"].value == v.total["central"].value
    assert v.inputs["deadweight_applied"] == 0.0
    assert any("already included" in n for n in v.notes)
    assert v.value_source["table_sha256"] == t.sha256


def test_counted_outcome_with_an_unknown_code_or_year() -> None:
    t = table("APP1,apprenticeship,per apprentice,1000,2016-17,test only,none,no\n")
    a = ValuationAssumptions()  # calendar series cannot read a financial-year price
    with pytest.raises(ValueError, match="no outcome code 'X'"):
        value_counted_outcome(t, "X", 1, a, n_responses=1, grade=EvidenceGrade.DECLARED)
    with pytest.raises(UnknownPriceYearError, match="2016-17 is a financial year"):
        value_counted_outcome(t, "APP1", 1, a, n_responses=1, grade=EvidenceGrade.DECLARED)


def test_band_movement_route_counts_people_moving_to_a_better_band() -> None:
    base = scores("wemwbs", [(i, f"c{i}", 38 if i < 12 else 50) for i in range(20)])
    # 11 of the 12 people in probable depression (38) reach average (47); one stays at 38
    follow = scores(
        "wemwbs", [(100 + i, f"c{i}", 47 if i < 11 else 38 if i == 11 else 50) for i in range(20)]
    )
    change = outcome_change(base, follow, "wemwbs")
    t = table("MWB1,out of probable depression,per person,500,2019,test only,none,no\n")
    a = ValuationAssumptions(deadweight=0.1)
    v = value_band_movement(change, t, "MWB1", a, from_bands=["probable depression"])
    assert v.quantity.value == 11
    assert v.total["central"].value == pytest.approx(11 * 500 * 0.9)
    small = value_band_movement(change, t, "MWB1", a, to_bands=["possible depression"])
    assert small.quantity.value == 0
    with pytest.raises(ValueError, match="not a wemwbs band"):
        value_band_movement(change, t, "MWB1", a, from_bands=["sad"])


def test_a_band_value_saying_everyone_moved_up_is_withheld() -> None:
    base = scores("wemwbs", [(i, f"c{i}", 36 + i % 4) for i in range(12)])
    follow = scores("wemwbs", [(100 + i, f"c{i}", 46 + i % 5) for i in range(12)])
    change = outcome_change(base, follow, "wemwbs")
    t = table("MWB1,out of probable depression,per person,500,2019,test only,none,no\n")
    v = value_band_movement(change, t, "MWB1", ValuationAssumptions())
    data = v.to_dict()
    assert data["total"]["central"]["value"] is None
    assert data["calculation"] == f"withheld: {REASON_ALIKE}"


def test_totals_split_by_grade_and_refuse_mixed_price_years() -> None:
    t = table("A,a,unit,100,2019,test only,none,no\n")
    a = ValuationAssumptions(discount_rate=0)
    declared = value_counted_outcome(t, "A", 2, a, n_responses=1, grade=EvidenceGrade.DECLARED)
    accepted = value_counted_outcome(
        t, "A", 5, a, n_responses=1, grade=EvidenceGrade.ACCEPTED_DECLARATION
    )
    wellby = wellby_value(12, 0.5, a)
    totals = totals_by_grade([declared, accepted, wellby, declared])
    assert totals["declared, not yet accepted"]["central"].value == pytest.approx(400)
    assert totals["supplier declaration accepted on evidence"]["central"].value == pytest.approx(
        500
    )
    assert totals["paired survey"]["central"].value == pytest.approx(12 * 0.5 * 13_000)
    later = wellby_value(12, 0.5, ValuationAssumptions(reporting_price_year=2024))
    with pytest.raises(ValueError, match="different price years"):
        totals_by_grade([wellby, later])


def test_a_total_with_one_withheld_figure_is_withheld() -> None:
    a = ValuationAssumptions()
    small = wellby_value(3, 1.0, a, policy=SuppressionPolicy())
    big = wellby_value(40, 1.0, a)
    total = totals_by_grade([small, big])["paired survey"]["central"]
    assert total.value is None and total.suppressed
    assert totals_by_grade([small, small, big])["paired survey"]["central"].value is not None


def test_valuation_is_the_same_whatever_the_row_order() -> None:
    rows = [(i, f"c{i}", 5 + i % 4) for i in range(15)]
    later = [(100 + i, f"c{i}", 6 + i % 3) for i in range(15)]
    a = ValuationAssumptions(duration_years=1.5, drop_off=0.2)
    one = value_wellby(
        outcome_change(
            scores("life_satisfaction", rows),
            scores("life_satisfaction", later),
            "life_satisfaction",
        ),
        a,
    ).to_dict()
    two = value_wellby(
        outcome_change(
            scores("life_satisfaction", rows[::-1]),
            scores("life_satisfaction", later[7:] + later[:7]),
            "life_satisfaction",
        ),
        a,
    ).to_dict()
    assert one == two
    assert one["assumptions_sha256"] == a.sha256


def test_unknown_deflator_basis_is_named() -> None:
    with pytest.raises(InvalidAssumptionsError) as err:
        ValuationAssumptions(deflator_basis="fiscal")  # type: ignore[arg-type]
    assert "'financial' (L8GG) or 'calendar' (MNF2)" in err.value.errors["deflator_basis"]
