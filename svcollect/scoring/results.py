"""Scorer output: per-response scores, exclusions with reasons, and provenance."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

EXCLUSION_COLUMNS = ("response_id", "measure", "reason")
ALL_MEASURES = "all"


@dataclass(frozen=True)
class MeasureSpec:
    """A score column a scorer produces, its possible range and its band column, if any."""

    name: str
    minimum: float
    maximum: float
    band_column: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "band_column": self.band_column,
        }


@dataclass(frozen=True, eq=False)
class Scored:
    """What a scorer function returns; the registry adds its name and version."""

    scores: pd.DataFrame
    exclusions: pd.DataFrame
    measures: tuple[MeasureSpec, ...]
    n_responses: int
    notes: tuple[str, ...] = ()


def _plain(value: Any) -> Any:
    """A JSON-ready Python value from a pandas/numpy scalar (NaN and NA become None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) else f
    return value if isinstance(value, (int, str)) else str(value)


def frame_records(frame: pd.DataFrame, index_name: str | None = None) -> list[dict[str, Any]]:
    """Rows of a frame as plain dicts (for JSON and for comparing results)."""
    data = frame.reset_index() if index_name else frame
    columns = [str(c) for c in data.columns]
    return [
        {c: _plain(v) for c, v in zip(columns, row, strict=True)}
        for row in data.itertuples(index=False, name=None)
    ]


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """Scores of one collection by one scorer.

    ``scores``: index ``response_id``; column ``respondent`` then the score and band
    columns named in ``measures``, and any column a scorer keeps only so a score can be
    traced (``swemwbs_raw``). Individual-level: never show it to an employer.
    ``exclusions``: columns response_id, measure ("all" when the whole response is left
    out), reason; sorted. ``n_responses`` counts every response in the answers frame.
    """

    scorer: str
    version: str
    scores: pd.DataFrame
    exclusions: pd.DataFrame
    measures: tuple[MeasureSpec, ...]
    n_responses: int
    notes: tuple[str, ...] = field(default=())

    @property
    def n_scored(self) -> int:
        return len(self.scores)

    @property
    def n_excluded(self) -> int:
        """Responses left out entirely (no score at all)."""
        return self.n_responses - self.n_scored

    @property
    def response_ids(self) -> npt.NDArray[np.int64]:
        """Every response this result covers: those scored and those left out entirely."""
        whole = self.exclusions["measure"] == ALL_MEASURES
        left_out = self.exclusions["response_id"].to_numpy(dtype=np.int64)[whole.to_numpy()]
        return np.concatenate([self.scores.index.to_numpy(dtype=np.int64), left_out])

    @property
    def exclusion_counts(self) -> dict[str, int]:
        """Number of exclusion rows per reason, sorted by reason."""
        counts = self.exclusions["reason"].value_counts()
        return {str(k): int(counts[k]) for k in sorted(counts.index)}

    def measure(self, name: str) -> MeasureSpec:
        for spec in self.measures:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.scorer} has no measure {name!r}")

    def to_dict(self, *, include_responses: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scorer": self.scorer,
            "version": self.version,
            "n_responses": self.n_responses,
            "n_scored": self.n_scored,
            "n_excluded": self.n_excluded,
            "exclusions_by_reason": self.exclusion_counts,
            "measures": [m.to_dict() for m in self.measures],
            "notes": list(self.notes),
        }
        if include_responses:
            out["responses"] = frame_records(self.scores, "response_id")
            out["exclusions"] = frame_records(self.exclusions)
        return out


def exclusions_frame(
    response_ids: npt.NDArray[np.int64], measures: npt.NDArray[Any], reasons: npt.NDArray[Any]
) -> pd.DataFrame:
    """A sorted exclusions frame from parallel arrays."""
    frame = pd.DataFrame(
        {
            "response_id": np.asarray(response_ids, dtype=np.int64),
            "measure": pd.array(np.asarray(measures, dtype=object), dtype="string"),
            "reason": pd.array(np.asarray(reasons, dtype=object), dtype="string"),
        }
    )
    return frame.sort_values(list(EXCLUSION_COLUMNS), kind="stable").reset_index(drop=True)


def concat_exclusions(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Join exclusion frames and sort them."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return exclusions_frame(np.empty(0, np.int64), np.empty(0, object), np.empty(0, object))
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(list(EXCLUSION_COLUMNS), kind="stable").reset_index(drop=True)


def combine_results(parts: Sequence[ScoreResult]) -> ScoreResult:
    """One result from results of one scorer over disjoint sets of responses.

    Scorers score each response on its own, so a collection can be scored a chunk of
    responses at a time and combined here: the scores and exclusions are joined (in the
    order given, so chunks in response id order give scores in that order), the response
    counts added. Results whose scorer, measures or notes differ are refused: they are not
    parts of one result.
    """
    if not parts:
        raise ValueError("combine_results needs at least one result")
    first = parts[0]
    for part in parts[1:]:
        same = (part.scorer, part.version, part.measures, part.notes) == (
            first.scorer,
            first.version,
            first.measures,
            first.notes,
        )
        if not same:
            raise ValueError(
                f"cannot combine {part.scorer} {part.version} results with {first.scorer} "
                f"{first.version} results that have other measures or notes"
            )
        if list(part.scores.columns) != list(first.scores.columns):
            raise ValueError(f"cannot combine {first.scorer} results with other score columns")
    if len(parts) == 1:
        return first
    whole = [p.response_ids for p in parts]
    if len(np.unique(np.concatenate(whole))) != sum(len(ids) for ids in whole):
        raise ValueError("cannot combine results that score the same response twice")
    # A part with no scores can type a column differently (an empty column of text is
    # "object"), so only parts with rows are joined.
    with_rows = [p.scores for p in parts if len(p.scores)] or [first.scores]
    scores = pd.concat(with_rows) if len(with_rows) > 1 else with_rows[0]
    return ScoreResult(
        scorer=first.scorer,
        version=first.version,
        scores=scores,
        exclusions=concat_exclusions([p.exclusions for p in parts]),
        measures=first.measures,
        n_responses=sum(p.n_responses for p in parts),
        notes=first.notes,
    )
