"""Figures from results data: summaries from the data, tables, suppression and explanations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from svcollect.charts import (
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
from tests.unit.charts.conftest import hatched, parse, texts


def _wave(stat, mean, n, cells):
    return {
        "n": n,
        "n_scored": n,
        "mean": stat(mean, n),
        "bands": {
            "total": stat(n, n),
            "cells": [
                {
                    "label": label,
                    "count": stat(None, suppressed=True) if pct is None else stat(count),
                    "percent": stat(None, suppressed=True) if pct is None else stat(pct),
                }
                for label, count, pct in cells
            ],
        },
    }


@pytest.fixture
def change(stat):
    return {
        "measure": "life_satisfaction",
        "label": "Life satisfaction",
        "direction": "higher is better",
        "suppression": {"k": 10},
        "method": "paired",
        "evidence_grade": "paired survey",
        "reason": None,
        "n_paired": 45,
        "baseline": _wave(stat, 6.1, 45, [("low", 20, 44.4), ("high", 25, 55.6)]),
        "follow_up": _wave(stat, 6.7, 45, [("low", 3, None), ("high", 42, None)]),
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


def test_change_summary_states_the_figures(change):
    figure = change_figure(change, fig_id="f1")
    assert figure.summary == (
        "Life satisfaction rose from 6.10 to 6.70 (change +0.60, 95% CI 0.30 to 0.90) "
        "among 45 people."
    )
    root = parse(figure.svg)
    assert {"6.10", "6.70", "+0.60"} <= set(texts(root))
    table = {row[0].text: row[1].text for row in figure.table.rows}
    assert table["Change"] == "+0.60" and table["95% CI, lower"] == "0.30"


def test_a_suppressed_change_is_hatched_and_never_zero(change, stat):
    for key in ("baseline_mean", "follow_up_mean", "mean_change", "ci_low", "ci_high"):
        change["paired"][key] = stat(None, 6, suppressed=True)
    change["n_paired"] = 6
    figure = change_figure(change, fig_id="f2")
    assert "suppressed because they are based on fewer than 10 people" in figure.summary
    root = parse(figure.svg)
    assert len(hatched(root)) == 3
    assert "0.00" not in texts(root) and "+0.00" not in texts(root)
    assert "6" not in figure.summary
    assert {row[1].text for row in figure.table.rows[1:6]} == {"suppressed"}


def test_unpaired_change_is_labelled_weaker(change, stat):
    change.update(
        method="unpaired",
        evidence_grade="unpaired survey",
        paired=None,
        cohort={
            "n_baseline": 20,
            "n_follow_up": 30,
            "difference": stat(0.4),
            "ci_low": stat(-0.1),
            "ci_high": stat(0.9),
        },
    )
    figure = change_figure(change, fig_id="f3")
    assert "weaker evidence" in figure.summary and "+0.40" in figure.summary
    assert any(
        c.get("fill") == "#ffffff"
        for c in parse(figure.svg).iter("{http://www.w3.org/2000/svg}circle")
    )


def test_no_change_gives_an_explanation_not_a_chart(change):
    change.update(method="none", reason="No follow-up responses have a score yet.", paired=None)
    figure = change_figure(change, fig_id="f4")
    assert figure.svg is None and figure.explanation == "No follow-up responses have a score yet."


def test_band_cells_that_are_suppressed_are_hatched_and_say_so(change):
    figure = bands_figure(change, fig_id="f5")
    root = parse(figure.svg)
    assert len(hatched(root)) == 2  # both follow-up cells
    assert texts(root).count("suppressed") == 2
    follow_up = [row[3].text for row in figure.table.rows] + [
        row[4].text for row in figure.table.rows
    ]
    assert set(follow_up) == {"suppressed"}
    assert "“high” at baseline (56%)" in figure.summary
    assert "2 of 4 figures are suppressed" in figure.summary
    # a hidden band may hold 10 or more people (a complement), so the reason says so
    assert "or hidden so that such a figure cannot be worked out" in figure.summary
    assert "not zeros" in figure.explanation and "or hidden" in figure.explanation


def test_bands_all_suppressed_explain_themselves(change, stat):
    change["baseline"] = _wave(stat, None, 1, [("low", 1, None), ("high", 0, None)])
    change["follow_up"] = {"n": 0, "bands": None}
    figure = bands_figure(change, fig_id="f6")
    assert figure.explanation.startswith("Band figures for Life satisfaction are suppressed")
    assert len(hatched(parse(figure.svg))) == 2


def test_bands_of_a_measure_without_bands(change):
    change["baseline"]["bands"] = None
    change["follow_up"]["bands"] = None
    assert bands_figure(change, fig_id="f7") is None


def _proportion(stat, num, den, share):
    return {"numerator": stat(num, den), "denominator": den, "share": stat(share, den)}


def test_adherence_declared_and_accepted(stat):
    entry = {
        "suppliers": 2,
        "figures": {
            "core_declared": _proportion(stat, 1, 2, 0.5),
            "core_accepted": _proportion(stat, 0, 2, 0.0),
            "enhanced_declared": _proportion(stat, 0, 0, None),
            "enhanced_accepted": _proportion(stat, 0, 0, None),
        },
    }
    figure = adherence_figure(entry, fig_id="a1")
    root = parse(figure.svg)
    assert {"1 of 2 (50%)", "0 of 2 (0%)", "not applicable"} <= set(texts(root))
    assert figure.summary.startswith("Of 2 suppliers with a submitted declaration, 1 of 2 declare")
    empty = adherence_figure({"suppliers": 0, "figures": {}}, fig_id="a2")
    assert empty.svg is None and "No supplier has submitted" in empty.explanation


def test_commitment_progress_and_status():
    today = date(2026, 6, 1)
    overdue = Progress("First aiders", "people", 20, today - timedelta(days=1), 15, 10, today)
    met = Progress("Hours", "hours", 100, today - timedelta(days=1), 120, 100, today)
    pending = Progress("Weeks", "weeks", 10, today + timedelta(days=9), 5, 0, today)
    no_target = Progress("Spend", "GBP", 0, today + timedelta(days=9), 5, 0, today)
    survey = Progress("Wellbeing", "points", 3, today, None, None, today)
    assert (overdue.status, met.status, pending.status) == (
        "overdue",
        "met on accepted evidence",
        "not due yet",
    )
    assert overdue.share(overdue.evidenced) == 50 and no_target.share(5) is None
    figure = commitments_figure([overdue, met, pending, no_target, survey], fig_id="k1")
    assert figure.summary == (
        "Of 4 counted commitments, 2 met on accepted evidence, 1 overdue and 1 not due yet; "
        "1 survey measure is shown under outcomes."
    )
    root = parse(figure.svg)
    assert {"15 (75%)", "10 (50%)", "120 (120%)", "5 (50%)", "5 (no target)"} <= set(texts(root))
    assert figure.table.rows[0][6].text == "overdue"
    none = commitments_figure([], fig_id="k2")
    assert none.svg is None and none.explanation


def test_values_by_grade_with_ranges_and_suppression(stat):
    totals = {
        "paired survey": {"low": stat(30000), "central": stat(39000), "high": stat(48000)},
        "unpaired survey": {k: stat(None, 4, suppressed=True) for k in ("low", "central", "high")},
    }
    figure = values_figure(totals, fig_id="v1", price_year="2025")
    assert figure.summary.startswith(
        "Central values: £39,000 from paired survey evidence (low £30,000, high £48,000); "
        "unpaired survey: suppressed in 2025 prices."
    )
    root = parse(figure.svg)
    assert len(hatched(root)) == 1 and "£39,000" in texts(root)
    assert [c.text for c in figure.table.rows[1][1:]] == ["suppressed"] * 3
    assert values_figure({}, fig_id="v2").svg is None


def test_responses_zero_one_and_many():
    day = date(2026, 3, 2)
    zero = responses_figure("R", [], day, day, fig_id="r0", k=10)
    assert zero.svg is None and "No responses have been submitted yet" in zero.explanation
    one = responses_figure("R", [day], day, day, fig_id="r1", k=10)
    assert one.svg is None and "suppressed" in one.explanation and "1 " not in one.summary
    many = responses_figure("R", [day] * 12, day, day, fig_id="r2", k=10, invitations=24)
    assert many.summary == "12 responses submitted by 2 March 2026, 50% of 24 invitations."
    assert "Responses submitted so far, by day" in texts(parse(many.svg))
    suppliers = responses_figure("R", [day] * 12, day, day, fig_id="r3", k=10, declarations=True)
    assert suppliers.summary == "12 supplier declarations submitted by 2 March 2026."
    axis = [t for t in texts(parse(suppliers.svg)) if "so far" in t]
    assert axis == ["Supplier declarations submitted so far, by day"]


def test_counts_and_comparisons_across_contracts(stat, change):
    rows = [("C-1", stat(12)), ("C-2", stat(None, suppressed=True))]
    figure = counts_figure("Responses", rows, stat(None, suppressed=True), fig_id="p1")
    assert "suppressed" in figure.summary and len(hatched(parse(figure.svg))) == 1
    compare = comparison_figure("Life satisfaction", [("C-1", change)], fig_id="p2", k=10)
    assert compare.summary.startswith("Life satisfaction rose in 1, fell in 0")
    assert "of 1 contract." in compare.summary
    parse(compare.svg)
    # one contract surveyed twice is two pairs in one contract, not two contracts
    pairs = [("C-1 (A to B)", change), ("C-1 (A to C)", change)]
    twice = comparison_figure("Life satisfaction", pairs, fig_id="p3", k=10, contracts=1)
    assert "of 2 baseline and follow-up pairs in 1 contract." in twice.summary


def test_texts_do_not_say_score_or_evidence_twice(change, stat):
    accepted = "supplier declaration accepted on evidence"
    totals = {accepted: {k: stat(4662) for k in ("low", "central", "high")}}
    summary = values_figure(totals, fig_id="v3").summary
    assert "£4,662 from supplier declaration accepted on evidence" in summary
    assert "evidence evidence" not in summary
    scored = change_figure({**change, "label": "WEMWBS score"}, fig_id="f9")
    assert "average WEMWBS score at baseline" in scored.svg and "score score" not in scored.svg


def test_amounts_are_written_with_their_unit_as_people_write_them() -> None:
    from decimal import Decimal

    from svcollect.charts.figure import with_unit

    assert with_unit(Decimal("1500000.5"), "GBP") == "£1,500,000.50"
    assert with_unit(1500000.0, "£") == "£1,500,000"
    assert with_unit(-20.25, "pounds") == "-£20.25"
    assert with_unit(Decimal("1200"), "hours") == "1,200 hours"
    assert with_unit(Decimal("2.50"), "people") == "2.5 people"
    assert with_unit(Decimal("2E+4"), "hours") == "20,000 hours"
    assert with_unit(Decimal("80"), "percent") == "80%"


def test_percentages_round_halves_up_as_people_do() -> None:
    from svcollect.charts.figure import percent

    assert [percent(v) for v in (62.5, 12.5, 0.4, 99.5, -0.4)] == ["63%", "13%", "0%", "100%", "0%"]
