"""Small-number suppression: every statistic carries its n; figures about few people withheld."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MIN_K = 5
DEFAULT_K = 10

REASON_NO_DATA = "no people in this group"
REASON_TOTAL = "withheld so that a hidden figure cannot be worked out from it"
REASON_FROM_HIDDEN = "withheld because it is worked out from a hidden figure"
#: a figure about 10 or more people who all gave the same answer: it would show each answer
REASON_ALIKE = "withheld so that no one\u2019s answer can be worked out from it"


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


def people_count(n: int, policy: SuppressionPolicy) -> str:
    """A count of people (or their responses) as text: "fewer than k" for 1 to k-1.

    For counts written into text shown to people (notes, summaries, tables): 0 and counts
    of k or more are exact.
    """
    if 0 < n < policy.k:
        return f"fewer than {policy.k}"
    return f"{n:,}"


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


def measure_stat(
    value: float | None, n: int, policy: SuppressionPolicy, *, alike: bool = False
) -> Stat:
    """A statistic (mean, interval, p-value, ...) based on n people, withheld when n < k.

    ``alike`` says every one of the n values is the same: a mean of identical scores is
    each person's score, so it is withheld however many people there are.
    """
    if n == 0:
        return Stat(None, 0, False, REASON_NO_DATA)
    if n < policy.k:
        return withheld(n, reason_small(policy.k), hidden=value)
    if alike and n > 1:
        return withheld(n, REASON_ALIKE, hidden=value)
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


def _first_pass(counts: Sequence[int], k: int) -> tuple[frozenset[int], bool]:
    """Rules 1 to 3 of ``suppression_pattern``: the hidden cells and whether the total is hidden."""
    size = len(counts)
    if not any(0 < c < k for c in counts):
        return frozenset(), False
    hidden = {i for i, c in enumerate(counts) if c < k}
    total_hidden = False
    if len(hidden) == 1:
        shown = [i for i in range(size) if i not in hidden]
        if shown:
            hidden.add(min(shown, key=lambda i: (counts[i], i)))
        else:
            total_hidden = True
    if size - len(hidden) <= 1:
        hidden = set(range(size))
    return frozenset(hidden), total_hidden


def _could_be_worked_out(counts: Sequence[int], k: int, hidden: frozenset[int]) -> bool:
    """Whether someone who knows rules 1 to 3, the shown cells and the total can pin a small cell.

    Only tables that keep two or more cells shown get here. Every other table that rules 1
    to 3 publish the same way has the same shown cells, total and hidden cells, so its
    hidden cells add up to the same sum ``rest``, and they are either all under k (rule 1,
    no complement) or, with two hidden cells, one small cell and its complement (rule 2).
    Both kinds are listed in full; a small cell is pinned when every such table gives it
    the same value.
    """
    cells = sorted(hidden)
    rest = sum(counts[i] for i in cells)
    seen: dict[int, set[int]] = {i: set() for i in cells}
    # all hidden cells under k: each can hold any value that leaves the rest for the others
    low, high = max(0, rest - (len(cells) - 1) * (k - 1)), min(k - 1, rest)
    if len(cells) >= 2 and low <= high:
        for i in cells:
            seen[i].update((low, high))
    if len(cells) == 2:  # one small cell and its complement, either way round
        pattern = (hidden, False)
        for small, complement in (cells, cells[::-1]):
            for value in range(1, min(k - 1, rest) + 1):
                candidate = list(counts)
                candidate[small], candidate[complement] = value, rest - value
                if _first_pass(candidate, k) == pattern:
                    seen[small].add(value)
                    seen[complement].add(rest - value)
    return any(0 < counts[i] < k and len(seen[i]) < 2 for i in cells)


def suppression_pattern(
    counts: Sequence[int], k: int, *, answers: bool = True
) -> tuple[list[str | None], bool]:
    """Which cells to withhold and whether the total must be withheld too.

    When the cells count people's ``answers``, a table with everyone in one of two or more
    cells is hidden in full (the total stays): "100% said often or always" tells the
    employer each person's answer. Otherwise a table with no cell of 1 to k-1 people is
    shown in full, and if there is one, in this order:

    1. hide every cell under k, zeros included (which zero was picked as a complement
       would otherwise single out the small cell);
    2. if only one cell is hidden, hide the smallest other cell (first on a tie) so the
       hidden cell is not the total minus the rest; with no other cell, hide the total;
    3. if at most one cell is still shown, hide them all;
    4. if someone who knows rules 1 to 3, the shown cells and the total could still work
       out a hidden cell of 1 to k-1 people, hide every cell (the total stays shown). This
       happens only at the edges: for example k=5 and [5, 4, 4, 5], where the two 4s are
       the only values the rules allow.

    Every hidden cell gets the same reason (``reason_cell``), so a small cell and its
    complement cannot be told apart. Tested by brute force against someone who knows all
    four rules and the total: no hidden cell of 1 to k-1 people can be worked out.
    """
    size = len(counts)
    total = sum(counts)
    if answers and size > 1 and total and max(counts) == total:
        return [reason_cell(k)] * size, False
    hidden, total_hidden = _first_pass(counts, k)
    if hidden and len(hidden) < size and _could_be_worked_out(counts, k, hidden):
        hidden = frozenset(range(size))
    reason = reason_cell(k)
    return [reason if i in hidden else None for i in range(size)], total_hidden


def suppress_distribution(
    labels: Sequence[str],
    counts: Sequence[int],
    policy: SuppressionPolicy,
    *,
    answers: bool = True,
) -> Distribution:
    """Build a suppressed distribution (see ``suppression_pattern`` for the rules).

    ``answers`` is False for counts that say nothing about what anyone answered (people
    per contract, for example).
    """
    if len(labels) != len(counts):
        raise ValueError("labels and counts must have the same length")
    ints = [int(c) for c in counts]
    if any(c < 0 for c in ints):
        raise ValueError("counts cannot be negative")
    total = sum(ints)
    reasons, total_hidden = suppression_pattern(ints, policy.k, answers=answers)
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
