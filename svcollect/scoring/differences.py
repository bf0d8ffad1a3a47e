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
Across changes (`secure_shared_waves`), one collection is a wave of every change it
takes part in (a baseline paired with a 6-month and a 12-month follow-up): its mean,
withheld in one change, is withheld in all; and two paired means of the same wave over
groups of people that differ by fewer than k on each side (the 12-month group is the
6-month group less two people) would give those people's mean, so the later change's
is withheld. These rules close the routes that one or two subtractions open; they are
not a full audit of every sum the published figures allow.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from svcollect.scoring.suppression import REASON_TOTAL, Stat, SuppressionPolicy, withheld

if TYPE_CHECKING:
    from svcollect.scoring._waves import WaveSummary
    from svcollect.scoring.change import CohortComparison, OutcomeChange, PairedChange


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
        if all(now is then for now, then in zip((base, follow, paired), before, strict=True)):
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


#: a change in `secure_shared_waves`: (baseline wave's key, follow-up wave's key, change)
Keyed = tuple[Hashable, Hashable, "OutcomeChange"]
#: a change's waves: 0 the baseline, 1 the follow-up
_WAVES = (0, 1)
_RESPONSE_IDS = ("baseline_response_id", "follow_up_response_id")


def _wave(change: OutcomeChange, role: int) -> WaveSummary:
    return change.baseline if role == 0 else change.follow_up


def _hide_wave_of(change: OutcomeChange, role: int) -> OutcomeChange:
    if role == 0:
        return replace(change, baseline=hide_wave(change.baseline))
    return replace(change, follow_up=hide_wave(change.follow_up))


def _paired_mean(paired: PairedChange, role: int) -> Stat:
    return paired.baseline_mean if role == 0 else paired.follow_up_mean


def _hide_paired_mean(change: OutcomeChange, role: int) -> OutcomeChange:
    paired = change.paired
    assert paired is not None
    if role == 0:
        paired = replace(paired, baseline_mean=hide(paired.baseline_mean))
    else:
        paired = replace(paired, follow_up_mean=hide(paired.follow_up_mean))
    return replace(change, paired=paired)


def _reclose(change: OutcomeChange) -> OutcomeChange:
    unpaired = (change.n_unpaired_baseline, change.n_unpaired_follow_up)
    base, follow, paired = secure_change(
        change.baseline, change.follow_up, change.paired, change.cohort, unpaired, change.policy
    )
    if base is change.baseline and follow is change.follow_up and paired is change.paired:
        return change
    return replace(change, baseline=base, follow_up=follow, paired=paired)


def _close_to(a: frozenset[int], b: frozenset[int], k: int) -> bool:
    """Two different groups whose means, with their n, give the mean of fewer than k people
    on each side of the difference (one side may be nobody)."""
    return a != b and len(a - b) < k and len(b - a) < k


def secure_shared_waves(changes: Sequence[Keyed], policy: SuppressionPolicy) -> list[OutcomeChange]:
    """The changes, in order, with what one would give away of another withheld in both.

    A wave is known by its key (a collection's id) and the measure; the people in a paired
    mean by their response ids in the change's pairs. The earlier change keeps its figure.
    """
    keys = [(base_key, follow_key) for base_key, follow_key, _ in changes]
    out = [_reclose(change) for _, _, change in changes]
    while True:
        before = list(out)
        hidden_waves = {
            (keys[i][role], change.measure)
            for i, change in enumerate(out)
            for role in _WAVES
            if _wave(change, role).n and not shown(_wave(change, role).mean)
        }
        groups: dict[tuple[Hashable, str], list[frozenset[int]]] = {}
        for i, change in enumerate(out):
            for role in _WAVES:
                wave = (keys[i][role], change.measure)
                if wave in hidden_waves and shown(_wave(change, role).mean):
                    out[i] = change = _hide_wave_of(change, role)
                if change.paired is None or not shown(_paired_mean(change.paired, role)):
                    continue
                people = frozenset(change.pairs[_RESPONSE_IDS[role]].tolist())
                earlier = groups.setdefault(wave, [])
                if any(_close_to(people, other, policy.k) for other in earlier):
                    out[i] = change = _hide_paired_mean(change, role)
                else:
                    earlier.append(people)
        out = [_reclose(change) for change in out]
        if all(now is then for now, then in zip(out, before, strict=True)):
            return out
