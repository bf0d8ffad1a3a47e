"""Secondary suppression between one change's means: no hidden figure can be worked out.

A change publishes means that are tied together by sums, so withholding one of them is
not enough when the others give it back:

- a paired change's mean change is its follow-up mean minus its baseline mean, and an
  unpaired comparison's difference is the follow-up wave's mean minus the baseline wave's;
  with any one of the three withheld (fewer than k people, or everyone alike) and the
  other two shown, it is one subtraction away;
- a wave's mean counts everyone in the wave and the paired mean only those paired, so
  from the two (and their n) anyone gets the mean of the people who were not paired: with
  1 to k-1 of them that is a figure about fewer than k people (with 1, their answer);
- a wave in which everyone was paired has the paired mean as its mean: withholding one
  and showing the other hides nothing.

`secure_change` withholds, in that order and until nothing changes, the fewest further
figures that close these routes: a wave's mean and SD when 1 to k-1 of its people are
unpaired (or when its mean equals a withheld paired mean); the follow-up mean when the
baseline mean or the change is withheld, or the baseline mean when the follow-up mean
is. The change itself (and the interval, SD, p-value and SRM that go with it) is kept
wherever it can be, as it is the evidence. Each figure withheld here carries
``REASON_TOTAL`` and keeps its value as ``hidden_value`` for totals inside the package.
Pure: no pandas.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from svcollect.scoring.suppression import REASON_TOTAL, Stat, SuppressionPolicy, withheld

if TYPE_CHECKING:
    from svcollect.scoring._waves import WaveSummary
    from svcollect.scoring.change import CohortComparison, PairedChange


def shown(stat: Stat) -> bool:
    """Whether a reader sees the figure (it is neither withheld nor missing)."""
    return stat.value is not None


def hide(stat: Stat) -> Stat:
    """The figure withheld so that another hidden figure cannot be worked out from it."""
    if not shown(stat):
        return stat
    return withheld(stat.n, REASON_TOTAL, hidden=stat.value)


def hide_wave(wave: WaveSummary) -> WaveSummary:
    """A wave with its mean and SD withheld (its counts and bands stay)."""
    if not (shown(wave.mean) or shown(wave.sd)):
        return wave
    return replace(wave, mean=hide(wave.mean), sd=hide(wave.sd))


def _one_of_three_hidden(a: Stat, b: Stat, difference: Stat) -> bool:
    return [shown(a), shown(b), shown(difference)].count(False) == 1


def _secure_paired(
    base: WaveSummary, follow: WaveSummary, paired: PairedChange, unpaired: tuple[int, int], k: int
) -> tuple[WaveSummary, WaveSummary, PairedChange]:
    for position, count in enumerate(unpaired):
        if 0 < count < k:
            if position == 0:
                base = hide_wave(base)
            else:
                follow = hide_wave(follow)
    while True:
        before = (base, follow, paired)
        if _one_of_three_hidden(paired.baseline_mean, paired.follow_up_mean, paired.mean_change):
            if shown(paired.follow_up_mean):
                paired = replace(paired, follow_up_mean=hide(paired.follow_up_mean))
            else:
                paired = replace(paired, baseline_mean=hide(paired.baseline_mean))
        # everyone in the wave paired: the wave's mean is the paired mean
        if unpaired[0] == 0 and shown(base.mean) != shown(paired.baseline_mean):
            base = hide_wave(base)
            paired = replace(paired, baseline_mean=hide(paired.baseline_mean))
        if unpaired[1] == 0 and shown(follow.mean) != shown(paired.follow_up_mean):
            follow = hide_wave(follow)
            paired = replace(paired, follow_up_mean=hide(paired.follow_up_mean))
        if (base, follow, paired) == before:
            return base, follow, paired


def secure_change(
    base: WaveSummary,
    follow: WaveSummary,
    paired: PairedChange | None,
    cohort: CohortComparison | None,
    unpaired: tuple[int, int],
    policy: SuppressionPolicy,
) -> tuple[WaveSummary, WaveSummary, PairedChange | None]:
    """The waves and paired figures with every figure withheld that others would give away.

    ``unpaired`` is how many of each wave's people (baseline, follow-up) were not paired.
    """
    if paired is not None:
        return _secure_paired(base, follow, paired, unpaired, policy.k)
    if cohort is not None and _one_of_three_hidden(base.mean, follow.mean, cohort.difference):
        if shown(follow.mean):
            follow = hide_wave(follow)
        else:
            base = hide_wave(base)
    return base, follow, paired
