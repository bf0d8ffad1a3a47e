"""Measure defaults as data: direction (is higher better?) and meaningful-change threshold."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from svcollect.scoring.data_files import read_data_file

MEASURES_FILE = "measures.csv"


@dataclass(frozen=True)
class MeasureDefaults:
    """How to read change in one measure."""

    measure: str
    label: str
    direction: int  # +1: a rise is an improvement; -1: a fall is an improvement
    meaningful_change: float
    #: the scale's highest score minus its lowest: no change can be larger
    largest_change: float
    is_assumption: bool
    band_column: str | None
    source: str


@cache
def _all() -> dict[str, MeasureDefaults]:
    out: dict[str, MeasureDefaults] = {}
    for row in read_data_file(MEASURES_FILE).rows:
        if row["direction"] not in ("higher", "lower"):
            raise ValueError(
                f"{MEASURES_FILE}: direction for {row['measure']} must be higher or lower"
            )
        out[row["measure"]] = MeasureDefaults(
            measure=row["measure"],
            label=row["label"],
            direction=1 if row["direction"] == "higher" else -1,
            meaningful_change=float(row["meaningful_change"]),
            largest_change=float(row["largest_change"]),
            is_assumption=row["status"] != "published",
            band_column=row["band_column"] or None,
            source=row["source"],
        )
    return out


def measure_defaults(measure: str) -> MeasureDefaults | None:
    """Shipped defaults for a measure, or None when the measure has none."""
    return _all().get(measure)


def known_measures() -> frozenset[str]:
    return frozenset(_all())
