"""Counts of people in the pack's Summary and Outcomes sheets (and in results leaving
svcollect as data): 1 to k-1 read "fewer than k", as text; 0 and k or more are exact."""

from __future__ import annotations

import copy
import json
import re

from svcollect.evidence.pack_summary import summary_sheet
from svcollect.evidence.pack_tables import outcomes_sheet
from svcollect.evidence.people_counts import disclose_people_counts

SMALL = "based on fewer than 10 people"


def stat(value, n, suppressed=False, reason=None):
    return {"value": value, "n": n, "suppressed": suppressed, "reason": reason}


def hidden(n):
    return stat(None, n, True, SMALL)


def _wave(name, n, *, without_code=0, duplicates=0):
    return {
        "wave": name,
        "n_scored": n + without_code + duplicates,
        "n_duplicates_dropped": duplicates,
        "n_without_code": without_code,
        "n": n,
        "mean": hidden(n),
        "sd": hidden(n),
        "bands": {
            "total": stat(n, n),
            "cells": [
                {"label": "low", "count": hidden(None), "percent": hidden(n)},
                {"label": "high", "count": hidden(None), "percent": hidden(n)},
            ],
        },
    }


def _paired_change(n=6):
    return {
        "measure": "life_satisfaction",
        "label": "Life satisfaction",
        "method": "paired",
        "evidence_grade": "paired survey",
        "reason": None,
        "suppression": {"k": 10},
        "meaningful_change": {"threshold": 1.0, "source": "x", "is_assumption": True},
        "baseline": _wave("baseline", n, without_code=3, duplicates=2),
        "follow_up": _wave("follow_up", n),
        "n_paired": n,
        "n_unpaired_baseline": 3,
        "n_unpaired_follow_up": 0,
        "paired": {
            "n": n,
            "movement": {
                "total": stat(n, n),
                "cells": [{"label": "improved", "count": hidden(None), "percent": hidden(n)}],
            },
            **{
                key: hidden(n)
                for key in ("baseline_mean", "follow_up_mean", "mean_change", "ci_low", "ci_high")
            },
        },
        "cohort": None,
        "flags": ["Fewer than 10 people have both a baseline and a follow-up score."],
        "provenance": {"baseline_scorer": "ons4"},
    }


def _unpaired_change(n_baseline=7, n_follow_up=12):
    return {
        **_paired_change(),
        "method": "unpaired",
        "evidence_grade": "unpaired survey",
        "n_paired": 0,
        "paired": None,
        "cohort": {
            "n_baseline": n_baseline,
            "n_follow_up": n_follow_up,
            "difference": stat(None, n_baseline + n_follow_up, True, SMALL),
            "ci_low": stat(None, n_baseline + n_follow_up, True, SMALL),
            "ci_high": stat(None, n_baseline + n_follow_up, True, SMALL),
            "p_value": stat(None, n_baseline + n_follow_up, True, SMALL),
        },
    }


def _valuation(route, grade, n, quantity_n=None):
    total = hidden(n) if route != "counted_outcome" else stat(500.0, n)
    return {
        "route": route,
        "outcome": route,
        "evidence_grade": grade,
        "price_year": "2024",
        "quantity": {"value": None, "n": quantity_n, "suppressed": True, "reason": SMALL},
        "per_unit": {k: total for k in ("low", "central", "high")},
        "total": {k: total for k in ("low", "central", "high")},
        "inputs": {"n_people": n} if route == "wellby" else {"quantity": 3.0},
        "notes": [],
    }


def _results(*changes, k=10):
    return {
        "contract": "C-1",
        "outcomes": [
            {
                "questionnaire": "ons4",
                "baseline_collection": 1,
                "follow_up_collection": 2,
                "changes": list(changes),
            }
        ],
        "adherence": {
            "5": {
                "questionnaire": "mhaw-standards",
                "suppliers": 3,
                "figures": {
                    "core_declared": {
                        "numerator": stat(2, 3),
                        "denominator": 3,
                        "share": stat(2 / 3, 3),
                        "evidence_grade": "declared, not yet accepted",
                    }
                },
            }
        },
        "valuations": [
            _valuation("wellby", "paired survey", 6),
            _valuation("counted_outcome", "declared, not yet accepted", 3),
        ],
        "totals_by_grade": {
            "paired survey": {k: hidden(6) for k in ("low", "central", "high")},
            "declared, not yet accepted": {k: stat(500.0, 3) for k in ("low", "central", "high")},
        },
        "problems": [],
        "provenance": {"suppression_min_n": k},
    }


def test_every_count_of_people_under_k_reads_fewer_than_k():
    results = _results(_paired_change(6))
    before = copy.deepcopy(results)
    shown = disclose_people_counts(results)
    assert results == before  # the exact dict is left as it was
    change = shown["outcomes"][0]["changes"][0]
    few = "fewer than 10"
    assert change["n_paired"] == change["n_unpaired_baseline"] == few
    assert change["n_unpaired_follow_up"] == 0  # nobody is exact
    for wave in ("baseline", "follow_up"):
        assert change[wave]["n"] == change[wave]["mean"]["n"] == change[wave]["sd"]["n"] == few
        assert change[wave]["bands"]["total"] == stat(few, few)
        assert {c["percent"]["n"] for c in change[wave]["bands"]["cells"]} == {few}
    assert change["baseline"]["n_without_code"] == change["baseline"]["n_duplicates_dropped"]
    assert change["baseline"]["n_without_code"] == few
    assert change["baseline"]["n_scored"] == 11  # k or more: exact
    assert change["paired"]["n"] == change["paired"]["mean_change"]["n"] == few
    assert change["paired"]["movement"]["total"]["value"] == few
    assert change["suppression"] == {"k": 10}
    assert change["meaningful_change"]["threshold"] == 1.0
    wellby, counted = shown["valuations"]
    assert wellby["total"]["central"]["n"] == wellby["per_unit"]["low"]["n"] == few
    assert wellby["inputs"]["n_people"] == few
    # delivery returns and supplier adherence count organisations, not people
    assert counted == results["valuations"][1]
    assert shown["adherence"] == results["adherence"]
    assert shown["totals_by_grade"]["paired survey"]["central"]["n"] == few
    assert shown["totals_by_grade"]["declared, not yet accepted"]["central"]["n"] == 3
    text = json.dumps(shown["outcomes"]) + json.dumps(shown["valuations"][0])
    assert not re.search(r'"(n|n_[a-z_]+|value)": [1-9]\b', text)


def test_the_results_own_k_decides():
    shown = disclose_people_counts(_results(_paired_change(12), k=15))
    change = shown["outcomes"][0]["changes"][0]
    assert change["n_paired"] == change["paired"]["n"] == "fewer than 15"
    shown = disclose_people_counts(_results(_paired_change(12)))
    assert shown["outcomes"][0]["changes"][0]["n_paired"] == 12


def test_summary_writes_people_paired_under_k_as_text():
    rows = summary_sheet(_results(_paired_change(6)), {}).rows
    [row] = [r for r in rows if r and r[0] == "ons4"]
    assert row[6] == "fewer than 10" and isinstance(row[6], str)
    [value_row] = [r for r in rows if r and r[0] == "wellby"]
    assert value_row[5] == "fewer than 10" and value_row[6] is None
    [counted_row] = [r for r in rows if r and r[0] == "counted_outcome"]
    # three suppliers' delivery returns, not people: in their own column
    assert counted_row[5] is None and counted_row[6] == 3
    rows = summary_sheet(_results(_paired_change(12)), {}).rows
    [row] = [r for r in rows if r and r[0] == "ons4"]
    assert row[6] == 12


def test_summary_says_fewer_than_k_for_groups_that_are_not_paired():
    rows = summary_sheet(_results(_unpaired_change(7, 12)), {}).rows
    [row] = [r for r in rows if r and r[0] == "ons4"]
    assert "not paired: fewer than 10 and 12 people" in row[12]
    assert "7 and" not in row[12]


def test_outcomes_sheet_writes_counts_of_people_under_k_as_text():
    rows = outcomes_sheet(_results(_paired_change(6), _unpaired_change(7, 12))).rows[2:]
    counts = {
        "n_paired",
        "n_unpaired_baseline",
        "baseline / n",
        "baseline / n_without_code",
        "baseline / n_duplicates_dropped",
        "follow_up / n",
        "paired / n",
        "cohort / n_baseline",
    }
    seen = set()
    for row in rows:
        path = row[6]
        if path in counts and row[4] == "paired":
            seen.add(path)
            assert row[7] == "fewer than 10", (path, row)
        if path.endswith("/ total"):
            assert row[7] == "fewer than 10", (path, row)
        if len(row) > 8 and row[8] is not None:
            assert row[8] == "fewer than 10" or row[8] >= 10, (path, row)
    assert seen == counts - {"cohort / n_baseline"}
    unpaired = {r[6]: r[7] for r in rows if r[4] == "unpaired"}
    assert unpaired["cohort / n_baseline"] == "fewer than 10"
    assert (unpaired["cohort / n_follow_up"], unpaired["n_paired"]) == (12, 0)
