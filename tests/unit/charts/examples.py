"""Every kind of figure in every state it can be in: for tests that read all their text."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from svcollect.charts import (
    Figure,
    Progress,
    adherence_figure,
    bands_figure,
    change_figure,
    commitments_figure,
    comparison_figure,
    counts_figure,
    responses_figure,
    values_figure,
)

#: the words in the examples that are data, not the charts' own: contract, measure, band,
#: commitment and collection names as people typed them, and units of commitments
DATA = (
    "Life satisfaction",
    "WEMWBS score",
    "Anxiety",
    "C-1 – Parks",
    "C-2 – Roads",
    "C-3 – Libraries",
    "Spring wave",
    "Mentoring",
    "First aiders",
    "Hours",
    "Weeks",
    "Spend",
    "Wellbeing",
    "Share adhering",
    "C-1: ",
    "staff",
    "hrs",
    "wks",
    "pts",
    "Band 1",
    "Band 2",
    "bespoke grade",
    "Bespoke grade",
    "No follow-up responses have a score yet.",
    "Custom set",
    "counted once",
)

START = date(2026, 3, 2)
TODAY = date(2026, 6, 1)


def stat(value: float | None, n: int = 20, *, hidden: bool = False, small: bool = True):
    if hidden:
        reason = "based on fewer than 10" if small else "hidden so that another cannot be found"
        return {"value": None, "n": n, "suppressed": True, "reason": reason}
    return {"value": value, "n": n, "suppressed": False, "reason": None}


def _wave(mean: float | None, n: int, cells: list[tuple[str, float | None, float | None]]):
    return {
        "n": n,
        "n_scored": n,
        "mean": stat(None, n, hidden=True) if mean is None else stat(mean, n),
        "bands": {
            "total": stat(n, n),
            "cells": [
                {
                    "label": label,
                    "count": stat(None, hidden=True) if count is None else stat(count),
                    "percent": stat(None, hidden=True) if pct is None else stat(pct),
                }
                for label, count, pct in cells
            ],
        },
    }


def paired_change(**changes: Any) -> dict[str, Any]:
    change = {
        "measure": "life_satisfaction",
        "label": "Life satisfaction",
        "direction": "higher is better",
        "suppression": {"k": 10},
        "method": "paired",
        "evidence_grade": "paired survey",
        "reason": None,
        "n_paired": 45,
        "baseline": _wave(6.1, 45, [("Band 1", 20, 44.4), ("Band 2", 25, 55.6)]),
        "follow_up": _wave(6.7, 45, [("Band 1", 3, None), ("Band 2", 42, None)]),
        "paired": {
            "baseline_mean": stat(6.1, 45),
            "follow_up_mean": stat(6.7, 45),
            "mean_change": stat(0.6, 45),
            "ci_low": stat(0.3, 45),
            "ci_high": stat(0.9, 45),
        },
        "cohort": None,
        "flags": [],
    }
    change.update(changes)
    return change


def unpaired_change(difference: dict[str, Any] | None = None) -> dict[str, Any]:
    return paired_change(
        method="unpaired",
        evidence_grade="unpaired survey",
        direction="lower is better",
        label="Anxiety",
        paired=None,
        cohort={
            "n_baseline": 20,
            "n_follow_up": 4,
            "difference": difference or stat(-0.4),
            "ci_low": stat(-0.9),
            "ci_high": stat(0.1),
        },
    )


def _paired_with(**paired: Any) -> dict[str, Any]:
    change = paired_change()
    change["paired"] = {**change["paired"], **paired}
    return change


def _changes() -> Iterator[tuple[str, dict[str, Any]]]:
    yield "rose", paired_change()
    yield "fell", _paired_with(mean_change=stat(-0.6), follow_up_mean=stat(5.5))
    yield "same", _paired_with(mean_change=stat(0.0), follow_up_mean=stat(6.1))
    yield "no-means", _paired_with(baseline_mean=stat(None), follow_up_mean=stat(None))
    yield "no-ci", _paired_with(ci_low=stat(None), ci_high=stat(None))
    hidden = {k: stat(None, 6, hidden=True) for k in paired_change()["paired"]}
    yield "suppressed", paired_change(paired=hidden, n_paired=6, direction=None)
    yield "few-people", paired_change(n_paired=4, label="WEMWBS score")
    yield "unpaired", unpaired_change()
    yield "unpaired-suppressed", unpaired_change(stat(None, hidden=True))
    yield "none", paired_change(method="none", reason="No follow-up responses have a score yet.")
    yield "none-no-reason", paired_change(method="none", paired=None)


def _bands() -> Iterator[tuple[str, dict[str, Any]]]:
    yield "some-hidden", paired_change()
    one_hidden = paired_change()
    one_hidden["follow_up"] = _wave(6.7, 45, [("Band 1", 3, None), ("Band 2", 42, 93.3)])
    yield "one-hidden", one_hidden
    shown = paired_change()
    shown["follow_up"] = _wave(6.7, 45, [("Band 1", 15, 33.3), ("Band 2", 30, 66.7)])
    yield "all-shown", shown
    alone = paired_change()
    alone["follow_up"] = {"n": 0, "bands": None}
    yield "baseline-only", alone
    hidden = paired_change()
    hidden["baseline"] = _wave(None, 1, [("Band 1", 1, None), ("Band 2", 0, None)])
    hidden["follow_up"] = {"n": 0, "bands": None}
    yield "all-hidden", hidden


def _proportion(num: float | None, den: int, share: float | None, *, hidden: bool = False):
    return {
        "numerator": stat(num, den, hidden=hidden),
        "denominator": den,
        "share": stat(share, den, hidden=hidden),
    }


def _adherence() -> Iterator[tuple[str, dict[str, Any], dict[str, str] | None]]:
    figures = {
        "core_declared": _proportion(1, 2, 0.5),
        "core_accepted": _proportion(0, 2, 0.0),
        "enhanced_declared": _proportion(0, 0, None),
        "enhanced_accepted": _proportion(0, 0, None),
        "custom_set_declared": _proportion(None, 3, None, hidden=True),
        "custom_set_accepted": _proportion(None, 3, None, hidden=True),
    }
    yield "mixed", {"suppliers": 2, "figures": figures}, None
    one = {"core_declared": _proportion(1, 1, 1.0), "core_accepted": _proportion(1, 1, 1.0)}
    yield "one-supplier", {"suppliers": 1, "figures": one}, None
    none_apply = {k: v for k, v in figures.items() if k.startswith("enhanced")}
    yield "none-apply", {"suppliers": 3, "figures": none_apply}, None
    titled = {"c1-core_declared": one["core_declared"], "c1-core_accepted": one["core_accepted"]}
    yield "titled", {"suppliers": 1, "figures": titled}, {"c1-core": "C-1: Custom set"}
    yield "empty", {"suppliers": 0, "figures": {}}, None


def _commitments() -> Iterator[tuple[str, list[Progress]]]:
    overdue = Progress("First aiders", "staff", 20, TODAY - timedelta(days=1), 15, 10, TODAY)
    met = Progress("Hours", "hrs", 100, TODAY - timedelta(days=1), 120, 100, TODAY)
    pending = Progress("Weeks", "wks", 10, TODAY + timedelta(days=100), 5, 0, TODAY)
    no_target = Progress("Spend", "GBP", 0, TODAY + timedelta(days=9), 5, 0, TODAY)
    share = Progress("Share adhering", "percent", 80, TODAY, 100, 50, TODAY, context="C-1: ")
    survey = Progress("Wellbeing", "pts", 3, TODAY, None, None, TODAY)
    yield "mixed", [overdue, met, pending, no_target, share, survey]
    yield "one", [pending]
    yield "two-survey", [survey, survey]
    yield "survey-only", [survey]
    yield "none", []


def _values() -> Iterator[tuple[str, Callable[[], Figure]]]:
    totals = {
        "paired survey": {"low": stat(30000), "central": stat(39000), "high": stat(48000)},
        "unpaired survey": {k: stat(None, 4, hidden=True) for k in ("low", "central", "high")},
        "supplier declaration accepted on evidence": {
            k: stat(4662) for k in ("low", "central", "high")
        },
        "declared, not yet accepted": {
            "low": stat(1_500_000),
            "central": stat(2_250_000),
            "high": stat(3_000_000),
        },
        "bespoke grade": {"low": stat(None), "central": stat(None), "high": stat(None)},
    }
    yield "year", lambda: values_figure(totals, fig_id="v1", price_year="2025")
    yield "no-year", lambda: values_figure(totals, fig_id="v2", context=", counted once")
    yield "empty", lambda: values_figure({}, fig_id="v3")
    small = {"paired survey": {k: stat(-400) for k in ("low", "central", "high")}}
    yield "small", lambda: values_figure(small, fig_id="v4")


def _responses() -> Iterator[tuple[str, Callable[[], Figure]]]:
    day = START
    yield "zero", lambda: responses_figure("Spring wave", [], day, day, fig_id="r0", k=10)
    yield (
        "zero-declarations",
        lambda: responses_figure("Spring wave", [], day, day, fig_id="r1", k=1, declarations=True),
    )
    yield "few", lambda: responses_figure("Spring wave", [day] * 3, day, day, fig_id="r2", k=10)
    yield (
        "by-day",
        lambda: responses_figure(
            "Spring wave",
            [day] * 12 + [day + timedelta(days=2)] * 3,
            day,
            day + timedelta(days=5),
            fig_id="r3",
            k=10,
            invitations=24,
        ),
    )
    yield (
        "by-week",
        lambda: responses_figure(
            "Spring wave",
            [day + timedelta(days=i) for i in range(0, 90, 3)],
            day,
            day + timedelta(days=90),
            fig_id="r4",
            k=10,
            invitations=1,
        ),
    )
    yield (
        "by-month",
        lambda: responses_figure(
            "Spring wave",
            [day + timedelta(days=i) for i in range(0, 400, 10)],
            day,
            day + timedelta(days=400),
            fig_id="r5",
            k=10,
        ),
    )
    yield (
        "declarations",
        lambda: responses_figure(
            "Spring wave", [day], day, day + timedelta(days=3), fig_id="r6", k=1, declarations=True
        ),
    )


def _counts() -> Iterator[tuple[str, Callable[[], Figure]]]:
    rows = [("C-1 – Parks", stat(12)), ("C-2 – Roads", stat(None, hidden=True))]
    yield (
        "threshold",
        lambda: counts_figure("Spring wave", rows, stat(None, hidden=True), fig_id="p1"),
    )
    yield (
        "small",
        lambda: counts_figure("Spring wave", rows, stat(None, hidden=True), fig_id="p2", k=10),
    )  # the total of 12 and a small count is itself small here
    mixed = [*rows, ("C-3 – Libraries", stat(None, hidden=True, small=False))]
    yield "mixed", lambda: counts_figure("Spring wave", mixed, stat(40), fig_id="p3", k=10)
    one = [("C-1 – Parks", stat(1))]
    yield "one", lambda: counts_figure("Spring wave", one, stat(1), fig_id="p4")
    hidden_total = stat(None, hidden=True, small=False)
    yield (
        "hidden-total",
        lambda: counts_figure("Spring wave", mixed, hidden_total, fig_id="p5", k=10),
    )
    yield "empty", lambda: counts_figure("Spring wave", [], stat(0), fig_id="p6")


def _comparisons() -> Iterator[tuple[str, Callable[[], Figure]]]:
    rows = [
        ("C-1 – Parks", paired_change()),
        ("C-2 – Roads", _paired_with(mean_change=stat(-0.2))),
        ("C-3 – Libraries", _paired_with(mean_change=stat(0.0))),
        ("C-2 – Roads", unpaired_change(stat(None, hidden=True))),
        ("C-2 – Roads", paired_change(method="none", paired=None)),
        (
            "C-3 – Libraries",
            paired_change(
                method="none", paired=None, reason="No follow-up responses have a score yet."
            ),
        ),
    ]
    yield "mixed", lambda: comparison_figure("Life satisfaction", rows, fig_id="c1", k=10)
    yield (
        "pairs",
        lambda: comparison_figure("Life satisfaction", rows[:2], fig_id="c2", k=10, contracts=1),
    )
    yield "one", lambda: comparison_figure("Life satisfaction", rows[:1], fig_id="c3", k=10)


def figures() -> Iterator[tuple[str, Figure]]:
    """(name, figure) for every example, built now (in whatever language is installed)."""
    for name, change in _changes():
        yield f"change-{name}", change_figure(copy.deepcopy(change), fig_id=f"f-{name}")
    for name, change in _bands():
        figure = bands_figure(change, fig_id=f"b-{name}", context=" – Spring wave")
        assert figure is not None
        yield f"bands-{name}", figure
    for name, entry, titles in _adherence():
        yield f"adherence-{name}", adherence_figure(entry, fig_id=f"a-{name}", titles=titles)
    for name, items in _commitments():
        yield f"commitments-{name}", commitments_figure(items, fig_id=f"k-{name}")
    for group, makers in (
        ("values", _values()),
        ("responses", _responses()),
        ("counts", _counts()),
        ("compare", _comparisons()),
    ):
        for name, make in makers:
            yield f"{group}-{name}", make()
