"""Small-number suppression: every statistic carries its n; figures about few people withheld."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MIN_K = 5
DEFAULT_K = 10

REASON_NO_DATA = "no people in this group"
REASON_TOTAL = "withheld so that a hidden figure cannot be worked out from it"
REASON_FROM_HIDDEN = "withheld because it is worked out from a hidden figure"


def reason_small(k: int) -> str:
    """Reason text for primary suppression."""
    return f"based on fewer than {k} people"


def reason_cell(k: int) -> str:
    """Reason for any hidden cell of a distribution.

    Small cells and their complements share one reason: telling them apart would say
    which hidden cell is the small one (with a total of 1, that reveals it exactly).
    """
    return f"based on fewer than {k} people, or hidden so that such a figure cannot be worked out"


@dataclass(frozen=True)
class SuppressionPolicy:
    """The small-number threshold k: statistics based on fewer than k people are withheld.

    k defaults to 10 (ONS treats cells under 10 as disclosive) and may never be below 5.
    """

    k: int = DEFAULT_K

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, int):
            raise TypeError(f"The small-number threshold must be a whole number; got {self.k!r}")
        if self.k < MIN_K:
            raise ValueError(
                f"The small-number threshold must be at least {MIN_K} people; got {self.k}. "
                "Figures based on fewer people could identify someone."
            )

    def to_dict(self) -> dict[str, object]:
        return {"k": self.k}


@dataclass(frozen=True)
class Stat:
    """A statistic with the number of people it is based on.

    When suppressed, ``value`` is None and ``reason`` says why. ``hidden_value`` keeps the
    figure for totals computed inside this package only; it never appears in ``to_dict``
    or ``repr``. ``n_disclosed`` is False for counts, whose n is the hidden figure itself.
    """

    value: float | int | None
    n: int
    suppressed: bool = False
    reason: str | None = None
    n_disclosed: bool = True
    hidden_value: float | int | None = field(default=None, repr=False)

    @property
    def raw(self) -> float | int | None:
        """The figure whether or not it is withheld (for use inside scoring only)."""
        return self.hidden_value if self.suppressed else self.value

    def to_dict(self) -> dict[str, object]:
        if self.suppressed:
            n: int | None = self.n if self.n_disclosed else None
            return {"value": None, "n": n, "suppressed": True, "reason": self.reason}
        return {"value": self.value, "n": self.n, "suppressed": False, "reason": self.reason}


def withheld(n: int, reason: str, *, hidden: float | int | None, n_disclosed: bool = True) -> Stat:
    """A suppressed statistic."""
    return Stat(None, n, True, reason, n_disclosed, hidden)


def measure_stat(value: float | None, n: int, policy: SuppressionPolicy) -> Stat:
    """A statistic (mean, interval, p-value, ...) based on n people, withheld when n < k."""
    if n == 0:
        return Stat(None, 0, False, REASON_NO_DATA)
    if n < policy.k:
        return withheld(n, reason_small(policy.k), hidden=value)
    if value is None:
        return Stat(None, n, False, "cannot be calculated from these data")
    return Stat(float(value), n)


def count_stat(count: int, policy: SuppressionPolicy) -> Stat:
    """A count of people on its own (not part of a distribution), withheld when 1 <= count < k."""
    if 0 < count < policy.k:
        return withheld(count, reason_small(policy.k), hidden=count, n_disclosed=False)
    return Stat(count, count)


@dataclass(frozen=True)
class Distribution:
    """Counts of people per category with percentages and a total, after suppression."""

    labels: tuple[str, ...]
    counts: tuple[Stat, ...]
    percents: tuple[Stat, ...]
    total: Stat

    def count_of(self, label: str) -> Stat:
        return self.counts[self.labels.index(label)]

    def to_dict(self) -> dict[str, object]:
        return {
            "total": self.total.to_dict(),
            "cells": [
                {"label": label, "count": c.to_dict(), "percent": p.to_dict()}
                for label, c, p in zip(self.labels, self.counts, self.percents, strict=True)
            ],
        }


def suppression_pattern(counts: Sequence[int], k: int) -> tuple[list[str | None], bool]:
    """Which cells to withhold and whether the total must be withheld too.

    A table with no cell of 1 to k-1 people is shown in full. Otherwise, in this order:

    1. hide every cell under k, zeros included (which zero was picked as a complement
       would otherwise single out the small cell);
    2. if only one cell is hidden, hide the smallest other cell (first on a tie) so the
       hidden cell is not the total minus the rest; with no other cell, hide the total;
    3. if at most one cell is still shown, hide them all.

    Every hidden cell gets the same reason (``reason_cell``), so a small cell and its
    complement cannot be told apart. Tested by brute force against someone who knows
    these rules and the total: a hidden cell of 1 to k-2 people can never be worked out.
    Known limit: in some boundary tables a hidden cell of exactly k-1 people can be (cell
    suppression with a published total cannot rule that out without hiding the total).
    """
    size = len(counts)
    if not any(0 < c < k for c in counts):
        return [None] * size, False
    hidden = {i for i, c in enumerate(counts) if c < k}

    def smallest_shown() -> int | None:
        shown = [i for i in range(size) if i not in hidden]
        return min(shown, key=lambda i: (counts[i], i)) if shown else None

    total_hidden = False
    if len(hidden) == 1:
        extra = smallest_shown()
        if extra is None:
            total_hidden = True
        else:
            hidden.add(extra)
    if size - len(hidden) <= 1:
        hidden = set(range(size))
    reason = reason_cell(k)
    return [reason if i in hidden else None for i in range(size)], total_hidden


def suppress_distribution(
    labels: Sequence[str], counts: Sequence[int], policy: SuppressionPolicy
) -> Distribution:
    """Build a suppressed distribution (see ``suppression_pattern`` for the rules)."""
    if len(labels) != len(counts):
        raise ValueError("labels and counts must have the same length")
    ints = [int(c) for c in counts]
    if any(c < 0 for c in ints):
        raise ValueError("counts cannot be negative")
    total = sum(ints)
    reasons, total_hidden = suppression_pattern(ints, policy.k)
    count_stats: list[Stat] = []
    percent_stats: list[Stat] = []
    for c, reason in zip(ints, reasons, strict=True):
        pct = 100.0 * c / total if total else None
        if reason is not None:
            count_stats.append(withheld(c, reason, hidden=c, n_disclosed=False))
            percent_stats.append(withheld(total, reason, hidden=pct, n_disclosed=not total_hidden))
        elif total_hidden:
            count_stats.append(Stat(c, c))
            percent_stats.append(withheld(total, REASON_FROM_HIDDEN, hidden=pct, n_disclosed=False))
        else:
            count_stats.append(Stat(c, c))
            percent_stats.append(
                Stat(pct, total) if total else Stat(None, 0, False, REASON_NO_DATA)
            )
    total_stat = (
        withheld(total, REASON_TOTAL, hidden=total, n_disclosed=False)
        if total_hidden
        else Stat(total, total)
    )
    return Distribution(tuple(labels), tuple(count_stats), tuple(percent_stats), total_stat)


def total_of(stats: Sequence[Stat]) -> Stat:
    """Sum figures, withholding the sum if exactly one part is withheld (it could be recovered).

    With two or more withheld parts the sum is shown: it reveals only their combined figure.
    The n of the total is the sum of the parts' n.
    """
    n = sum(s.n for s in stats)
    raws = [s.raw for s in stats]
    value = float(sum(r for r in raws if r is not None))
    n_hidden = sum(1 for s in stats if s.suppressed)
    if n_hidden == 1:
        return withheld(n, REASON_TOTAL, hidden=value)
    return Stat(value, n)
