"""Counts of people in a results dict as they leave svcollect: 1 to k-1 read "fewer than k".

`ContractResults.to_dict()` and the stored results snapshots keep every count exact: each
screen applies the rule as it renders (`people_count`, `people_text`, the `people` macro),
results kept after the answers are deleted must render the same way, and the results
fingerprint (SHA-256 of that dict) must stay the one shown on screen and stored with the
snapshot. Whatever takes the figures out of svcollect (the evidence pack's Summary and
Outcomes sheets, ``svcollect score --json``) passes them through `disclose_people_counts`
first, so a count of 1 to k-1 people (or their responses) is the text "fewer than k",
with k the threshold the results were computed with. Pure: no Flask.

What counts people: in every outcome change, each whole number under a key ``n`` or
``n_...`` (per-wave n, n_scored, n_without_code, n_duplicates_dropped, n_paired,
n_unpaired_..., the cohort's n_baseline and n_follow_up, every statistic's n) and each
distribution's total and cell counts; in valuations and totals from survey answers, every
statistic's n and the people inputs (n_people, people_moving); and the survey responses
each collection counted (provenance ``responses_counted``). Figures from suppliers'
declarations (counted outcomes, adherence) count organisations' returns, not people, and
are left as they are, as are amounts of money, means and 0 (nobody).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from svcollect.scoring.grades import ORGANISATION_GRADES
from svcollect.scoring.suppression import DEFAULT_K, SuppressionPolicy, people_count

#: valuation inputs that are numbers of people
PEOPLE_INPUTS = frozenset({"n_people", "people_moving"})


def policy_of(results: Mapping[str, Any]) -> SuppressionPolicy:
    """The threshold the results were computed with (results snapshots carry their own k)."""
    k = (results.get("provenance") or {}).get("suppression_min_n")
    return SuppressionPolicy(k=int(k) if k is not None else DEFAULT_K)


def people_cell(value: Any, policy: SuppressionPolicy) -> Any:
    """A count of people: "fewer than k" (text) for 1 to k-1; anything else unchanged."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < policy.k:
        return people_count(value, policy)
    return value


def _is_count(key: str) -> bool:
    return key == "n" or key.startswith("n_") or key in PEOPLE_INPUTS


def _count_stat(stat: Any, policy: SuppressionPolicy) -> Any:
    """A Stat dict whose value is itself a count of people (a distribution's total or cell)."""
    if not isinstance(stat, Mapping):
        return stat
    return {
        key: people_cell(inner, policy) if key in ("value", "n") else inner
        for key, inner in stat.items()
    }


def _cell(cell: Any, policy: SuppressionPolicy) -> Any:
    """A distribution's cell: its count is a count of people, its percent's n the total."""
    out = _people(cell, policy)
    if isinstance(out, dict) and "count" in out:
        out["count"] = _count_stat(out["count"], policy)
    return out


def _people(value: Any, policy: SuppressionPolicy) -> Any:
    """A copy of a dict (or list) about people with every count of people disclosed safely."""
    if isinstance(value, list):
        return [_people(item, policy) for item in value]
    if not isinstance(value, Mapping):
        return value
    distribution = "total" in value and "cells" in value
    out: dict[str, Any] = {}
    for key, inner in value.items():
        if _is_count(str(key)):
            out[key] = people_cell(inner, policy) if not isinstance(inner, Mapping) else inner
        elif distribution and key == "total":
            out[key] = _count_stat(inner, policy)
        elif distribution and key == "cells" and isinstance(inner, list):
            out[key] = [_cell(cell, policy) for cell in inner]
        else:
            out[key] = _people(inner, policy)
    return out


def _about_people(figure: Mapping[str, Any]) -> bool:
    return figure.get("evidence_grade") not in ORGANISATION_GRADES


def disclose_people_counts(results: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a results dict (``to_dict()``) fit to leave svcollect: every count of 1 to
    k-1 people reads "fewer than k". The dict given is not changed."""
    policy = policy_of(results)
    out = dict(results)
    if "outcomes" in results:
        out["outcomes"] = _people(results["outcomes"], policy)
    if "valuations" in results:
        out["valuations"] = [
            _people(v, policy) if _about_people(v) else v for v in results["valuations"]
        ]
    provenance = results.get("provenance")
    if isinstance(provenance, Mapping) and provenance.get("responses_counted"):
        out["provenance"] = {
            **provenance,
            "responses_counted": {
                cid: people_cell(n, policy) for cid, n in provenance["responses_counted"].items()
            },
        }
    if results.get("totals_by_grade"):
        out["totals_by_grade"] = {
            grade: levels if grade in ORGANISATION_GRADES else _people(levels, policy)
            for grade, levels in results["totals_by_grade"].items()
        }
    return out
