"""GDP deflator series (shipped data files with vintage) and price-year uplift."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

from svcollect.scoring.data_files import DataFile, read_data_file

Basis = Literal["financial", "calendar"]
BASES: tuple[Basis, ...] = ("financial", "calendar")
SERIES_FILES = ("gdp_deflator_L8GG_financial.csv", "gdp_deflator_MNF2_calendar.csv")
PriceYear = int | str

_CALENDAR = re.compile(r"^(\d{4})$")
_FINANCIAL = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")


class UnknownPriceYearError(ValueError):
    """A price year that the deflator series does not cover."""


def _financial_label(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def parse_price_year(year: PriceYear) -> tuple[int, bool]:
    """(start year, is a financial-year label) from 2019, "2019", "2019-20" or "2019/20"."""
    if isinstance(year, bool):
        raise UnknownPriceYearError(f"{year!r} is not a price year")
    if isinstance(year, int):
        return year, False
    text = str(year).strip()
    if m := _CALENDAR.match(text):
        return int(m.group(1)), False
    if m := _FINANCIAL.match(text):
        start, end = int(m.group(1)), m.group(2)
        if int(end[-2:]) == (start + 1) % 100:
            return start, True
    raise UnknownPriceYearError(
        f"{year!r} is not a price year: use a year like 2019 or a financial year like 2019-20"
    )


@dataclass(frozen=True)
class DeflatorSeries:
    """One deflator series as shipped: index values by year label plus where they came from."""

    series_id: str
    basis: Basis
    vintage: str
    release: str
    base: str
    source: str
    values: Mapping[str, float]
    statuses: Mapping[str, str]

    def label(self, year: PriceYear) -> str:
        """The series' label for a price year.

        On the financial series a calendar year Y is read as financial year Y to Y+1
        (2019 -> 2019-20), the year that starts in April of Y. On the calendar series a
        financial-year label is refused.
        """
        start, financial = parse_price_year(year)
        if self.basis == "financial":
            label = _financial_label(start)
        elif financial:
            raise UnknownPriceYearError(
                f"{year} is a financial year; the calendar-year series {self.series_id} needs a "
                "calendar year such as 2019"
            )
        else:
            label = str(start)
        if label not in self.values:
            first, last = next(iter(self.values)), list(self.values)[-1]
            raise UnknownPriceYearError(
                f"{year} is not covered by the {self.basis}-year GDP deflator series "
                f"{self.series_id} (vintage {self.vintage}), which runs from {first} to {last}"
            )
        return label

    def index(self, year: PriceYear) -> float:
        return self.values[self.label(year)]

    def is_forecast(self, year: PriceYear) -> bool:
        return self.statuses[self.label(year)] != "outturn"

    def factor(self, from_year: PriceYear, to_year: PriceYear) -> float:
        """Multiply a value in ``from_year`` prices by this to express it in ``to_year`` prices."""
        return self.index(to_year) / self.index(from_year)

    def describe(self) -> dict[str, str]:
        return {
            "series_id": self.series_id,
            "basis": self.basis,
            "vintage": self.vintage,
            "release": self.release,
            "base": self.base,
            "source": self.source,
        }


def series_from_file(data: DataFile) -> DeflatorSeries:
    meta = data.metadata
    basis = meta["basis"]
    if basis not in BASES:
        raise ValueError(f"{data.name}: basis must be financial or calendar, not {basis!r}")
    values = {row["year"]: float(row["deflator"]) for row in data.rows}
    if len(values) != len(data.rows) or any(v <= 0 for v in values.values()):
        raise ValueError(f"{data.name}: years must be unique and deflators positive")
    return DeflatorSeries(
        series_id=meta["series_id"],
        basis="financial" if basis == "financial" else "calendar",
        vintage=meta["vintage"],
        release=meta.get("release", ""),
        base=meta.get("base", ""),
        source=meta.get("source", ""),
        values=values,
        statuses={row["year"]: row.get("status", "outturn") for row in data.rows},
    )


@cache
def shipped_series() -> tuple[DeflatorSeries, ...]:
    """Every shipped deflator series."""
    return tuple(series_from_file(read_data_file(name)) for name in SERIES_FILES)


def deflator_series(basis: Basis, vintage: str | None = None) -> DeflatorSeries:
    """The shipped series for a basis (and vintage, if given)."""
    matches = [s for s in shipped_series() if s.basis == basis]
    if not matches:
        raise ValueError(f"No deflator series on a {basis!r} basis: use financial or calendar")
    if vintage is None:
        return max(matches, key=lambda s: s.vintage)
    for series in matches:
        if series.vintage == vintage:
            return series
    have = ", ".join(sorted(s.vintage for s in matches))
    raise ValueError(f"No {basis}-year deflator series of vintage {vintage!r}; shipped: {have}")


def known_price_year(year: PriceYear) -> bool:
    """Whether any shipped series covers this price year."""
    for series in shipped_series():
        try:
            series.label(year)
        except UnknownPriceYearError:
            continue
        return True
    return False
