"""Summary sheet: the headline figures exactly as on screen, with native bar charts (pure).

Counts of 1 to k-1 people read "fewer than k" (text), as on screen: see people_counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from svcollect.evidence.pack_tables import (
    MHAW_FIGURES,
    Cell,
    Chart,
    Row,
    Sheet,
    Styled,
    figure_label,
    header,
    measure_of,
    notes,
    stat_cell,
)
from svcollect.evidence.people_counts import disclose_people_counts
from svcollect.scoring.grades import ORGANISATION_GRADES


def _change_row(pairing: Mapping[str, Any], change: Mapping[str, Any]) -> tuple[Row, str]:
    paired, cohort = change.get("paired"), change.get("cohort")
    base = [
        pairing["questionnaire"],
        pairing["baseline_collection"],
        pairing["follow_up_collection"],
        change["label"],
        change["method"],
        change["evidence_grade"],
    ]
    if change["method"] == "paired" and paired:
        stats = [paired[k] for k in ("baseline_mean", "follow_up_mean", "mean_change")]
        stats += [paired["ci_low"], paired["ci_high"]]
        note = notes(*stats, extra=change.get("flags", ()))
        return [*base, change["n_paired"], *(stat_cell(s) for s in stats)], note
    if change["method"] == "unpaired" and cohort:
        stats = [cohort["difference"], cohort["ci_low"], cohort["ci_high"]]
        note = notes(
            *stats,
            extra=[
                f"not paired: {cohort['n_baseline']} and {cohort['n_follow_up']} people "
                "(cohort comparison, weaker evidence)",
                *change.get("flags", ()),
            ],
        )
        return [*base, 0, None, None, *(stat_cell(s) for s in stats)], note
    return [*base, change.get("n_paired"), None, None, None, None, None], change.get("reason") or ""


def _measure(v: Mapping[str, Any], measures: Mapping[str, tuple[str, str]]) -> tuple[Cell, Cell]:
    """The valued measure's title (outcomes file) and code: for a counted outcome the
    delivery-return measure its route prices, not the value table's outcome code (that is on
    Valuation). Kept results from before routes were recorded show what they recorded."""
    code = (v.get("route_ref") or {}).get("measure")
    title, code = measure_of(code, measures)
    return (title if title is not None else v["outcome"]), code


def _counted(v: Mapping[str, Any]) -> tuple[Cell, Cell]:
    """(people, returns): a survey value's n is people; a counted outcome's is the number of
    suppliers' returns whose figures it adds up (for its evidence grade)."""
    n = v["total"]["central"].get("n")
    return (None, n) if v["evidence_grade"] in ORGANISATION_GRADES else (n, None)


def summary_sheet(
    results: Mapping[str, Any],
    collections: Mapping[str, str],
    measures: Mapping[str, tuple[str, str]] | None = None,
) -> Sheet:
    """Headline figures as on screen; `collections` maps collection id to its label and
    `measures` a measure code (or scorer measure) to its (code, title) in the outcomes file."""
    measures = measures or {}
    sheet = Sheet("Summary", widths={1: 22, 2: 14, 3: 14, 4: 34, 5: 12, 6: 30, 13: 70})
    results = disclose_people_counts(results)
    k = results["provenance"].get("suppression_min_n")
    sheet.add(Styled(f"Summary: {results['contract']}", "title"))
    sheet.add(
        Styled(
            f"The same figures as svcollect's results page. Figures based on fewer than {k} "
            "people are written as 'suppressed' with the reason, never as 0, and counts of "
            f"fewer than {k} people as 'fewer than {k}'.",
            "wrap",
        )
    )
    sheet.add()
    sheet.add(Styled("Outcome changes", "section"))
    sheet.add(
        *header(
            "Questionnaire",
            "Baseline collection",
            "Follow-up collection",
            "Measure",
            "Method",
            "Evidence grade",
            "People paired (n)",
            "Baseline mean",
            "Follow-up mean",
            "Mean change",
            "95% CI low",
            "95% CI high",
            "Note",
        )
    )
    chart_rows: list[Row] = []
    for pairing in results["outcomes"]:
        for change in pairing["changes"]:
            row, note = _change_row(pairing, change)
            sheet.add(*row, note)
            paired = change.get("paired") or {}
            means = [stat_cell(paired.get(k)) for k in ("baseline_mean", "follow_up_mean")]
            if change["method"] == "paired" and all(isinstance(m, float) for m in means):
                chart_rows.append([f"{change['label']} ({pairing['questionnaire']})", *means])
    sheet.add()
    sheet.add(Styled("Values (£)", "section"))
    sheet.add(
        *header(
            "Route",
            "Measure",
            "Measure code",
            "Price year",
            "Evidence grade",
            "People (n)",
            "Returns counted",
            "Low (£)",
            "Central (£)",
            "High (£)",
            "Note",
        )
    )
    for v in results["valuations"]:
        total = v["total"]
        sheet.add(
            v["route"],
            *_measure(v, measures),
            v["price_year"],
            v["evidence_grade"],
            *_counted(v),
            *(stat_cell(total[level], "money") for level in ("low", "central", "high")),
            notes(*total.values(), extra=v.get("notes", ())),
        )
    if any(v["evidence_grade"] in ORGANISATION_GRADES for v in results["valuations"]):
        sheet.add(
            Styled(
                "Returns counted: the suppliers' newest submitted delivery returns whose "
                "figures a counted outcome adds up, for its evidence grade (see Delivery "
                "returns). The value table's outcome code is on Valuation.",
                "wrap",
            )
        )
    if results.get("totals_by_grade"):
        sheet.add(Styled("Totals by evidence grade (grades are never added together)", "wrap"))
        for grade, levels in results["totals_by_grade"].items():
            sheet.add(
                "total",
                None,
                None,
                None,
                grade,
                None,
                None,
                *(stat_cell(levels[level], "money") for level in ("low", "central", "high")),
                notes(*levels.values()),
            )
    sheet.add()
    sheet.add(Styled("Supplier adherence", "section"))
    sheet.add(
        *header(
            "Collection",
            "Suppliers",
            "Figure",
            "Suppliers meeting it",
            "Out of",
            "Share",
            "Evidence grade",
            "Note",
        )
    )
    shares: dict[str, dict[str, Cell]] = {}
    for cid, block in results["adherence"].items():
        for name, p in block["figures"].items():
            share = stat_cell(p["share"], "percent")
            sheet.add(
                collections.get(cid, cid),
                block["suppliers"],
                figure_label(name),
                stat_cell(p["numerator"]),
                p["denominator"],
                share,
                p["evidence_grade"],
                notes(p["numerator"], p["share"]),
            )
            kind, _, grade = name.rpartition("_")
            value = share.value if isinstance(share, Styled) else None
            shares.setdefault(f"{MHAW_FIGURES.get(kind, kind)} [{cid}]", {})[grade] = value
    if results.get("problems"):
        sheet.add()
        sheet.add(Styled("Not valued", "section"))
        for problem in results["problems"]:
            sheet.add(Styled(problem, "wrap"))
    _chart_block(
        sheet,
        "Chart data: baseline and follow-up means (paired)",
        chart_rows,
        ("Measure", "Baseline mean", "Follow-up mean"),
        "Mean score",
        "O4",
    )
    adherence_rows: list[Row] = [
        [name, Styled(g.get("declared"), "percent"), Styled(g.get("accepted"), "percent")]
        for name, g in shares.items()
        if isinstance(g.get("declared"), float) and isinstance(g.get("accepted"), float)
    ]
    _chart_block(
        sheet,
        "Chart data: adherence shares, declared and accepted",
        adherence_rows,
        ("Figure", "Declared", "Accepted"),
        "Share of suppliers",
        "O22",
    )
    return sheet


def _chart_block(
    sheet: Sheet, title: str, rows: list[Row], titles: Sequence[str], y_title: str, anchor: str
) -> None:
    if not rows:
        return
    sheet.add()
    sheet.add(Styled(title, "section"))
    first = sheet.add(*header(*titles))
    for row in rows:
        last = sheet.add(*row)
    sheet.charts.append(
        Chart(
            title.split(": ", 1)[-1].capitalize(),
            y_title,
            anchor,
            (2, first, len(titles), last),
            (1, first + 1, 1, last),
        )
    )
