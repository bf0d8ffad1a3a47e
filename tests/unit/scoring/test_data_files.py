"""Shipped data files carry their source and vintage, and match DOMAIN.md."""

from __future__ import annotations

import pytest

from svcollect.scoring.bands import band_scheme
from svcollect.scoring.data_files import data_file_names, parse_data_text, read_data_file
from svcollect.scoring.deflators import UnknownPriceYearError, deflator_series, parse_price_year
from svcollect.scoring.measures import measure_defaults


def test_every_data_file_names_its_source_or_is_the_template() -> None:
    for name in data_file_names():
        data = read_data_file(name)
        if name == "value_table_template.csv":
            assert data.rows == ()
            continue
        assert data.metadata.get("title"), name
        assert data.metadata.get("source") or "source" in data.columns, name


@pytest.mark.parametrize(
    ("basis", "series", "vintage", "year", "value"),
    [
        ("financial", "L8GG", "2026-03", "2019-20", 80.8738),
        ("financial", "L8GG", "2026-03", "2030-31", 113.6416),
        ("calendar", "MNF2", "2025-12", "2019", 81.1085),
        ("calendar", "MNF2", "2025-12", "2024", 100.0),
    ],
)
def test_deflator_series_match_domain(
    basis: str, series: str, vintage: str, year: str, value: float
) -> None:
    s = deflator_series(basis)  # type: ignore[arg-type]
    assert (s.series_id, s.vintage) == (series, vintage)
    assert s.index(year) == value
    assert s.release and s.source


def test_deflator_forecasts_are_marked() -> None:
    s = deflator_series("financial")
    assert not s.is_forecast("2024-25")
    assert s.is_forecast("2025-26")


def test_unknown_vintage_is_refused() -> None:
    with pytest.raises(ValueError, match="No calendar-year deflator series of vintage '1999-01'"):
        deflator_series("calendar", "1999-01")


@pytest.mark.parametrize("text", ["2019-21", "twenty", "19"])
def test_bad_price_year_text(text: str) -> None:
    with pytest.raises(UnknownPriceYearError):
        parse_price_year(text)


def test_measure_defaults_follow_domain() -> None:
    wemwbs, swemwbs, anxiety = (measure_defaults(m) for m in ("wemwbs", "swemwbs", "anxiety"))
    assert wemwbs is not None and wemwbs.meaningful_change == 3 and not wemwbs.is_assumption
    assert swemwbs is not None and swemwbs.meaningful_change == 2.87
    assert anxiety is not None and anxiety.direction == -1 and anxiety.is_assumption
    assert measure_defaults("nothing") is None


def test_band_notes_flag_unconfirmed_cut_offs() -> None:
    assert "59/60" in (band_scheme("wemwbs").note() or "")
    assert band_scheme("life_satisfaction").note() is None


def test_metadata_parser() -> None:
    data = parse_data_text("# a: b\n# c: d: e\nx,y\n1,2\n\n", "t")
    assert data.metadata == {"a": "b", "c": "d: e"}
    assert data.rows == ({"x": "1", "y": "2"},)
