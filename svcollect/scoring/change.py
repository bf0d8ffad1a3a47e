"""Outcome change between a baseline and a follow-up wave, paired by respondent code."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.scoring._waves import Wave, WaveSummary, all_alike, read_waves, summarise_wave
from svcollect.scoring.differences import secure_change
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.measures import measure_defaults
from svcollect.scoring.results import ScoreResult
from svcollect.scoring.stats import paired_t, welch
from svcollect.scoring.suppression import (
    Distribution,
    Stat,
    SuppressionPolicy,
    measure_stat,
    people_count,
    suppress_distribution,
)

WARWICK_MIN_PAIRS = 30
#: the scales Warwick's advice on paired numbers is about
WARWICK_SCALES = ("wemwbs", "swemwbs")
MOVEMENT_LABELS = ("improved", "no meaningful change", "deteriorated")
_TOLERANCE = 1e-9  # a change of exactly the threshold counts despite float rounding
_FROM_DEFAULTS: Any = object()


@dataclass(frozen=True)
class PairedChange:
    """Change among people with a score at both waves (follow-up minus baseline)."""

    n: int
    baseline_mean: Stat
    follow_up_mean: Stat
    mean_change: Stat
    ci_low: Stat
    ci_high: Stat
    sd_change: Stat
    p_value: Stat
    srm: Stat
    movement: Distribution

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"n": self.n, "movement": self.movement.to_dict()}
        for name in ("baseline_mean", "follow_up_mean", "mean_change", "ci_low", "ci_high"):
            out[name] = getattr(self, name).to_dict()
        for name in ("sd_change", "p_value", "srm"):
            out[name] = getattr(self, name).to_dict()
        return out


@dataclass(frozen=True)
class CohortComparison:
    """Follow-up mean minus baseline mean for two unpaired groups (Welch): weaker evidence."""

    n_baseline: int
    n_follow_up: int
    difference: Stat
    ci_low: Stat
    ci_high: Stat
    p_value: Stat

    def to_dict(self) -> dict[str, object]:
        return {
            "n_baseline": self.n_baseline,
            "n_follow_up": self.n_follow_up,
            "difference": self.difference.to_dict(),
            "ci_low": self.ci_low.to_dict(),
            "ci_high": self.ci_high.to_dict(),
            "p_value": self.p_value.to_dict(),
        }


@dataclass(frozen=True, eq=False)
class OutcomeChange:
    """Change in one measure between two waves, with suppression and provenance.

    ``method`` is "paired" (codes matched), "unpaired" (no code matched: cohort comparison)
    or "none" (``reason`` says why). ``pairs`` holds individual-level rows and is never
    part of ``to_dict``.
    """

    measure: str
    label: str
    direction: int
    threshold: float
    threshold_source: str
    threshold_is_assumption: bool
    confidence: float
    policy: SuppressionPolicy
    method: str
    evidence_grade: EvidenceGrade | None
    reason: str | None
    baseline: WaveSummary
    follow_up: WaveSummary
    n_paired: int
    n_unpaired_baseline: int
    n_unpaired_follow_up: int
    paired: PairedChange | None
    cohort: CohortComparison | None
    flags: tuple[str, ...]
    provenance: dict[str, str]
    band_labels: tuple[str, ...] | None
    pairs: pd.DataFrame = field(repr=False)

    def band_improvement_mask(
        self, from_bands: Collection[str] | None = None, to_bands: Collection[str] | None = None
    ) -> npt.NDArray[np.bool_]:
        """Per row of ``pairs``: moved to a better band (optionally only from/to given bands)."""
        if self.band_labels is None:
            raise ValueError(f"{self.measure} has no bands to count movements between")
        labels = self.band_labels
        for band in (*(from_bands or ()), *(to_bands or ())):
            if band not in labels:
                raise ValueError(f"{band!r} is not a {self.measure} band ({', '.join(labels)})")
        start = self.pairs["baseline_band"].to_numpy()
        end = self.pairs["follow_up_band"].to_numpy()
        moved: npt.NDArray[np.bool_] = (
            (start >= 0) & (end >= 0) & (self.direction * (end - start) > 0)
        )
        if from_bands is not None:
            moved &= np.isin(start, [labels.index(b) for b in from_bands])
        if to_bands is not None:
            moved &= np.isin(end, [labels.index(b) for b in to_bands])
        return moved

    def count_band_improvements(
        self, from_bands: Collection[str] | None = None, to_bands: Collection[str] | None = None
    ) -> int:
        """Paired people who moved to a better band (direction-aware)."""
        return int(self.band_improvement_mask(from_bands, to_bands).sum())

    def to_dict(self) -> dict[str, object]:
        return {
            "measure": self.measure,
            "label": self.label,
            "direction": "higher is better" if self.direction > 0 else "lower is better",
            "meaningful_change": {
                "threshold": self.threshold,
                "source": self.threshold_source,
                "is_assumption": self.threshold_is_assumption,
            },
            "confidence": self.confidence,
            "suppression": self.policy.to_dict(),
            "method": self.method,
            "evidence_grade": self.evidence_grade.value if self.evidence_grade else None,
            "reason": self.reason,
            "baseline": self.baseline.to_dict(),
            "follow_up": self.follow_up.to_dict(),
            "n_paired": self.n_paired,
            "n_unpaired_baseline": self.n_unpaired_baseline,
            "n_unpaired_follow_up": self.n_unpaired_follow_up,
            "paired": self.paired.to_dict() if self.paired else None,
            "cohort": self.cohort.to_dict() if self.cohort else None,
            "flags": list(self.flags),
            "provenance": dict(sorted(self.provenance.items())),
        }


def _pair(base: Wave, follow: Wave) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Positions of paired rows in each wave, in follow-up response order."""
    size = int(max(base.code_ids.max(initial=-1), follow.code_ids.max(initial=-1))) + 2
    lookup = np.full(size, -1, dtype=np.int64)
    has_code = base.code_ids >= 0
    lookup[base.code_ids[has_code]] = np.flatnonzero(has_code)
    b_pos = np.where(follow.code_ids >= 0, lookup[follow.code_ids], -1)
    matched = b_pos >= 0
    return b_pos[matched], np.flatnonzero(matched)


def _paired(
    base: Wave,
    follow: Wave,
    b_pos: npt.NDArray[np.int64],
    f_pos: npt.NDArray[np.int64],
    direction: int,
    threshold: float,
    confidence: float,
    policy: SuppressionPolicy,
) -> tuple[PairedChange, pd.DataFrame]:
    before, after = base.values[b_pos], follow.values[f_pos]
    diffs = after - before
    test = paired_t(diffs, confidence)
    n = test.n
    gain = direction * diffs
    improved = int((gain >= threshold - _TOLERANCE).sum())
    worse = int((gain <= -threshold + _TOLERANCE).sum())
    movement = suppress_distribution(
        MOVEMENT_LABELS, [improved, n - improved - worse, worse], policy
    )
    # identical scores (or changes) make the mean each person's score (or change)
    same_change = all_alike(diffs)
    change = PairedChange(
        n=n,
        baseline_mean=measure_stat(float(before.mean()), n, policy, alike=all_alike(before)),
        follow_up_mean=measure_stat(float(after.mean()), n, policy, alike=all_alike(after)),
        mean_change=measure_stat(test.mean_change, n, policy, alike=same_change),
        ci_low=measure_stat(test.ci_low, n, policy, alike=same_change),
        ci_high=measure_stat(test.ci_high, n, policy, alike=same_change),
        sd_change=measure_stat(test.sd_change, n, policy, alike=same_change),
        p_value=measure_stat(test.p_value, n, policy, alike=same_change),
        srm=measure_stat(test.srm, n, policy, alike=same_change),
        movement=movement,
    )
    pairs = pd.DataFrame(
        {
            "respondent": follow.codes.take(f_pos),
            "baseline_response_id": base.ids[b_pos],
            "follow_up_response_id": follow.ids[f_pos],
            "baseline": before,
            "follow_up": after,
            "change": diffs,
            "baseline_band": base.bands[b_pos],
            "follow_up_band": follow.bands[f_pos],
        }
    )
    return change, pairs


def _two_group(value: float | None, n_a: int, n_b: int, policy: SuppressionPolicy) -> Stat:
    stat = measure_stat(value, min(n_a, n_b), policy)
    return Stat(stat.value, n_a + n_b, stat.suppressed, stat.reason, True, stat.hidden_value)


def _cohort(
    base: Wave, follow: Wave, confidence: float, policy: SuppressionPolicy
) -> CohortComparison:
    test = welch(base.values, follow.values, confidence)
    n_a, n_b = test.n_a, test.n_b
    return CohortComparison(
        n_baseline=n_a,
        n_follow_up=n_b,
        difference=_two_group(test.difference, n_a, n_b, policy),
        ci_low=_two_group(test.ci_low, n_a, n_b, policy),
        ci_high=_two_group(test.ci_high, n_a, n_b, policy),
        p_value=_two_group(test.p_value, n_a, n_b, policy),
    )


def _provenance(source: ScoreResult | pd.DataFrame, wave: str) -> dict[str, str]:
    if isinstance(source, ScoreResult):
        return {f"{wave}_scorer": source.scorer, f"{wave}_scorer_version": source.version}
    return {}


def outcome_change(
    baseline: ScoreResult | pd.DataFrame,
    follow_up: ScoreResult | pd.DataFrame,
    measure: str,
    *,
    threshold: float | None = None,
    direction: int | None = None,
    band_column: str | None = _FROM_DEFAULTS,
    policy: SuppressionPolicy | None = None,
    confidence: float = 0.95,
) -> OutcomeChange:
    """Change in ``measure`` from baseline to follow-up.

    Inputs are scorer results or their ``scores`` frames (index response_id, columns
    respondent and the measure). Direction and meaningful-change threshold default to
    data/measures.csv. Within a wave, a respondent code seen more than once keeps only its
    latest response (highest response_id) and the number left out is reported.
    """
    policy = policy or SuppressionPolicy()
    if not 0.5 <= confidence < 1.0:
        raise ValueError(f"confidence must be between 0.5 and 1; got {confidence}")
    defaults = measure_defaults(measure)
    if direction is not None and direction not in (1, -1):
        raise ValueError("direction must be 1 (higher is better) or -1 (lower is better)")
    if threshold is not None and not threshold > 0:
        raise ValueError(f"the meaningful-change threshold must be more than 0; got {threshold}")
    given = threshold is not None
    if defaults is None:
        if threshold is None or direction is None:
            raise ValueError(f"{measure!r} has no shipped defaults: give threshold and direction")
        direction, threshold = direction, float(threshold)
    else:
        direction = direction if direction is not None else defaults.direction
        threshold = float(threshold) if threshold is not None else defaults.meaningful_change
    if band_column is _FROM_DEFAULTS:
        band_column = defaults.band_column if defaults else None
    base, follow = read_waves(baseline, follow_up, measure, band_column)
    b_pos, f_pos = _pair(base, follow)
    n_paired = len(b_pos)

    flags: list[str] = []
    for wave in (base, follow):
        if wave.n_duplicates:
            flags.append(
                f"{people_count(wave.n_duplicates, policy).capitalize()} {wave.name} responses "
                "repeat a respondent code already answered in that wave; only the latest "
                "response (highest response id) is counted."
            )
        if wave.n_without_code:
            flags.append(
                f"{people_count(wave.n_without_code, policy).capitalize()} {wave.name} "
                "responses have no respondent code: they count in that wave's figures but "
                "cannot be paired."
            )
    paired = cohort = None
    pairs = pd.DataFrame(
        {
            "respondent": pd.array([], dtype="Int64"),
            "baseline_band": np.empty(0, np.int8),
            "follow_up_band": np.empty(0, np.int8),
        }
    )
    reason: str | None = None
    grade: EvidenceGrade | None = None
    label = defaults.label if defaults else measure
    if len(base.values) == 0 and len(follow.values) == 0:
        method, reason = (
            "none",
            "No responses have a score in either wave, so there is no change to report.",
        )
    elif len(base.values) == 0:
        method = "none"
        reason = f"No baseline responses have a score for {label}, so change cannot be measured."
    elif len(follow.values) == 0:
        method = "none"
        reason = (
            f"No follow-up responses have a score for {label} yet, so change cannot be measured."
        )
    elif n_paired:
        method, grade = "paired", EvidenceGrade.PAIRED_SURVEY
        paired, pairs = _paired(
            base, follow, b_pos, f_pos, direction, threshold, confidence, policy
        )
        if n_paired < WARWICK_MIN_PAIRS:
            few = f"Only {n_paired}" if n_paired >= policy.k else f"Fewer than {policy.k}"
            # Warwick's advice is about its own scales; for the others the reason is the
            # same (a wide margin of error), said without naming Warwick.
            why = (
                f"Warwick advises at least {WARWICK_MIN_PAIRS} people with paired data for "
                "group comparisons"
                if measure in WARWICK_SCALES
                else f"With fewer than {WARWICK_MIN_PAIRS} the margin of error is wide"
            )
            flags.append(
                f"{few} people have both a baseline and a follow-up score. {why}, so treat "
                "this change as indicative only."
            )
    else:
        method, grade = "unpaired", EvidenceGrade.UNPAIRED_SURVEY
        cohort = _cohort(base, follow, confidence, policy)
        flags.append(
            "No respondent code appears in both waves, so this compares two groups of people "
            "(unpaired survey). This is weaker evidence than a paired change."
        )
    if defaults is not None and defaults.is_assumption and not given:
        flags.append(
            f"The meaningful-change threshold of {threshold:g} for {label} is an assumption, "
            "not a published figure."
        )
    provenance = {**_provenance(baseline, "baseline"), **_provenance(follow_up, "follow_up")}
    unpaired = (len(base.values) - n_paired, len(follow.values) - n_paired)
    base_summary, follow_summary, paired = secure_change(
        summarise_wave(base, policy),
        summarise_wave(follow, policy),
        paired,
        cohort,
        unpaired,
        policy,
    )
    return OutcomeChange(
        measure=measure,
        label=label,
        direction=direction,
        threshold=threshold,
        threshold_source=(defaults.source if defaults and not given else "given by the caller"),
        threshold_is_assumption=bool(defaults.is_assumption) if defaults and not given else True,
        confidence=confidence,
        policy=policy,
        method=method,
        evidence_grade=grade,
        reason=reason,
        baseline=base_summary,
        follow_up=follow_summary,
        n_paired=n_paired,
        n_unpaired_baseline=unpaired[0],
        n_unpaired_follow_up=unpaired[1],
        paired=paired,
        cohort=cohort,
        flags=tuple(flags),
        provenance=provenance,
        band_labels=base.band_labels or follow.band_labels,
        pairs=pairs,
    )
