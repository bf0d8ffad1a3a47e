"""Score bands as data: cut-offs read from data/bands.csv, assigned with numpy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.scoring.data_files import DataFile, read_data_file

BANDS_FILE = "bands.csv"


@dataclass(frozen=True)
class BandScheme:
    """Ordered bands for one measure; band i holds scores in (upper[i-1], upper[i]]."""

    measure: str
    labels: tuple[str, ...]
    uppers: tuple[float, ...]
    statuses: tuple[str, ...]
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.labels or len(self.labels) != len(self.uppers):
            raise ValueError(f"band scheme for {self.measure} needs one upper limit per band")
        if list(self.uppers) != sorted(self.uppers) or len(set(self.uppers)) != len(self.uppers):
            raise ValueError(f"band upper limits for {self.measure} must increase")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"band labels for {self.measure} must be unique")

    @property
    def unconfirmed(self) -> bool:
        return any(s != "published" for s in self.statuses)

    def dtype(self) -> pd.CategoricalDtype:
        return pd.CategoricalDtype(list(self.labels), ordered=True)

    def codes(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
        """Band position of each value; -1 for NaN or a value above the last band."""
        idx = np.searchsorted(np.asarray(self.uppers, dtype=np.float64), values, side="left")
        bad = np.isnan(values) | (idx >= len(self.uppers))
        return np.where(bad, -1, idx).astype(np.int8)

    def assign(self, values: npt.NDArray[np.float64]) -> pd.Categorical:
        return pd.Categorical.from_codes(self.codes(values), dtype=self.dtype())

    def note(self) -> str | None:
        if not self.unconfirmed:
            return None
        detail = "; ".join(
            sorted(
                {
                    src
                    for s, src in zip(self.statuses, self.sources, strict=True)
                    if s != "published"
                }
            )
        )
        return f"{self.measure} bands include unconfirmed cut-offs: {detail}"


def schemes_from_file(data: DataFile) -> dict[str, BandScheme]:
    """Build band schemes from a bands data file (one row per band)."""
    by_measure: dict[str, list[dict[str, str]]] = {}
    for row in data.rows:
        by_measure.setdefault(row["measure"], []).append(row)
    schemes: dict[str, BandScheme] = {}
    for measure, rows in by_measure.items():
        rows.sort(key=lambda r: int(r["order"]))
        schemes[measure] = BandScheme(
            measure=measure,
            labels=tuple(r["band"] for r in rows),
            uppers=tuple(float(r["upper_inclusive"]) for r in rows),
            statuses=tuple(r["status"] for r in rows),
            sources=tuple(r["source"] for r in rows),
        )
    return schemes


@cache
def _shipped() -> Mapping[str, BandScheme]:
    return schemes_from_file(read_data_file(BANDS_FILE))


def band_scheme(measure: str, overrides: Mapping[str, BandScheme] | None = None) -> BandScheme:
    """The band scheme for a measure: an override if given, else the shipped file's."""
    if overrides and measure in overrides:
        return overrides[measure]
    return _shipped()[measure]
