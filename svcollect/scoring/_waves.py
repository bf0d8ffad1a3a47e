"""Read one wave of per-response scores for change analysis: valid rows, one per respondent code."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from svcollect.scoring.results import ScoreResult
from svcollect.scoring.suppression import (
    Distribution,
    Stat,
    SuppressionPolicy,
    measure_stat,
    suppress_distribution,
)


@dataclass(frozen=True)
class Wave:
    """Scores of one wave after dropping rows without the measure and repeated codes.

    Arrays are aligned and ordered by response_id; ``code_ids`` number respondent codes the
    same way in both waves, so pairing compares integers. ``codes`` holds each response's
    respondent as scored (the app's integer respondent ids; NA where a response has no
    respondent code); ``bands`` holds band positions (-1 if none).
    """

    name: str
    ids: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    codes: pd.api.extensions.ExtensionArray
    code_ids: npt.NDArray[np.int64]  # codes numbered jointly across both waves; -1 for none
    bands: npt.NDArray[np.int8]
    band_labels: tuple[str, ...] | None
    n_scored: int
    n_duplicates: int
    n_without_code: int


@dataclass(frozen=True)
class WaveSummary:
    """Figures for one wave: mean, SD and bands suppressed when small; counts kept exact.

    The counts (n, n_scored, n_duplicates_dropped, n_without_code) stay exact here and in
    ``to_dict`` because results snapshots keep them for later rendering; wherever they are
    shown or exported, a count of 1 to k-1 reads "fewer than k" (``people_count``).
    """

    wave: str
    n_scored: int
    n_duplicates_dropped: int
    n_without_code: int
    n: int
    mean: Stat
    sd: Stat
    bands: Distribution | None

    def to_dict(self) -> dict[str, object]:
        return {
            "wave": self.wave,
            "n_scored": self.n_scored,
            "n_duplicates_dropped": self.n_duplicates_dropped,
            "n_without_code": self.n_without_code,
            "n": self.n,
            "mean": self.mean.to_dict(),
            "sd": self.sd.to_dict(),
            "bands": self.bands.to_dict() if self.bands else None,
        }


def _frame_of(source: ScoreResult | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, ScoreResult):
        return source.scores
    if isinstance(source, pd.DataFrame):
        return source
    raise TypeError(f"expected a ScoreResult or DataFrame, not {type(source).__name__}")


@dataclass(frozen=True)
class _Raw:
    frame: pd.DataFrame
    values: npt.NDArray[np.float64]
    codes: pd.api.extensions.ExtensionArray
    rows: npt.NDArray[np.int64]


def _raw(source: ScoreResult | pd.DataFrame, measure: str) -> _Raw:
    frame = _frame_of(source)
    if measure not in frame.columns:
        if len(frame):
            raise ValueError(f"scores have no column {measure!r}")
        frame = pd.DataFrame({"respondent": pd.array([], dtype="Int64"), measure: []})
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
    values = frame[measure].to_numpy(dtype=np.float64, na_value=np.nan)
    rows = np.flatnonzero(~np.isnan(values))
    codes = frame["respondent"].array
    if len(rows) < len(codes):  # every response usually has the score: no copy then
        codes = codes[rows]
    return _Raw(frame, values[rows], codes, rows)


def _wave(raw: _Raw, code_ids: npt.NDArray[np.int64], band_column: str | None, name: str) -> Wave:
    has_code = code_ids >= 0
    repeated = np.zeros(len(code_ids), dtype=bool)
    repeated[has_code] = pd.Series(code_ids[has_code]).duplicated(keep="last").to_numpy()
    keep = ~repeated
    band_labels: tuple[str, ...] | None = None
    bands = np.full(len(raw.rows), -1, dtype=np.int8)
    if band_column is not None and band_column in raw.frame.columns:
        column = raw.frame[band_column]
        if isinstance(column.dtype, pd.CategoricalDtype):
            band_labels = tuple(str(c) for c in column.cat.categories)
            bands = column.cat.codes.to_numpy().astype(np.int8)[raw.rows]
    return Wave(
        name=name,
        ids=np.asarray(raw.frame.index.to_numpy(), dtype=np.int64)[raw.rows][keep],
        values=raw.values[keep],
        codes=raw.codes[keep],
        code_ids=code_ids[keep],
        bands=bands[keep],
        band_labels=band_labels,
        n_scored=len(raw.rows),
        n_duplicates=int(repeated.sum()),
        n_without_code=int((~has_code).sum()),
    )


def _joint_code_ids(
    *waves: pd.api.extensions.ExtensionArray,
) -> npt.NDArray[np.int64]:
    """One number per distinct respondent across the waves (-1 for none), all waves' rows
    in turn.

    Arrow encodes the waves as chunks of one array, sharing one dictionary: the keys are
    neither joined into a new array nor turned into Python objects. The numbers run from 0
    to the count of distinct respondents, whatever the keys (pairing indexes by them).
    """
    chunks = [pa.array(w, from_pandas=True) for w in waves]
    kinds = {c.type for c in chunks if len(c) and c.type != pa.null()}
    if len(kinds) > 1:
        raise TypeError(
            f"respondents of different kinds in one comparison: {sorted(map(str, kinds))}"
        )
    kind = kinds.pop() if kinds else pa.int64()
    chunks = [c if c.type == kind else pa.nulls(len(c), type=kind) for c in chunks]
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=kind))
    parts = [pc.fill_null(c.indices, -1).to_numpy() for c in encoded.chunks]
    ids = np.concatenate(parts) if parts else np.empty(0)
    return ids.astype(np.int64)


def read_waves(
    baseline: ScoreResult | pd.DataFrame,
    follow_up: ScoreResult | pd.DataFrame,
    measure: str,
    band_column: str | None,
) -> tuple[Wave, Wave]:
    """Valid scores of both waves; a repeated respondent code keeps its latest response."""
    base, follow = _raw(baseline, measure), _raw(follow_up, measure)
    ids = _joint_code_ids(base.codes, follow.codes)
    return (
        _wave(base, ids[: len(base.codes)], band_column, "baseline"),
        _wave(follow, ids[len(base.codes) :], band_column, "follow-up"),
    )


def all_alike(values: npt.NDArray[np.float64]) -> bool:
    """Two or more values, all the same (to float rounding): their mean is each of them,
    so it is withheld however many there are (suppression.measure_stat's ``alike``)."""
    return len(values) > 1 and bool(np.ptp(values) <= 1e-9)


def summarise_wave(wave: Wave, policy: SuppressionPolicy) -> WaveSummary:
    """Mean, SD and band distribution of a wave, each carrying its n and suppressed if small."""
    n = len(wave.values)
    mean = float(wave.values.mean()) if n else None
    sd = float(wave.values.std(ddof=1)) if n > 1 else None
    alike = all_alike(wave.values)
    distribution = None
    if wave.band_labels is not None:
        counts = np.bincount(wave.bands[wave.bands >= 0], minlength=len(wave.band_labels))
        distribution = suppress_distribution(wave.band_labels, counts.tolist(), policy)
    return WaveSummary(
        wave=wave.name,
        n_scored=wave.n_scored,
        n_duplicates_dropped=wave.n_duplicates,
        n_without_code=wave.n_without_code,
        n=n,
        mean=measure_stat(mean, n, policy, alike=alike),
        sd=measure_stat(sd, n, policy, alike=alike),
        bands=distribution,
    )
