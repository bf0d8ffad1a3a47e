"""Assumptions and Valuation sheets: every £ figure as a live Excel formula (pure).

The formulas follow svcollect.scoring.formula.FORMULA exactly:

    value = Q x V_base x deflator(reporting) / deflator(base)
              x (1 - deadweight) x (1 - displacement) x (1 - attribution)
              x sum over t = 1..T of w_t x (1 - drop_off)^(t-1) / (1 + r)^(t-1)

Every assumption is a named cell on the Assumptions sheet (plain values, no formulas);
the Valuation sheet holds the only formulas in the workbook. Next to each formula is
svcollect's own figure, because the file is written without calculating the formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from svcollect.evidence.pack_tables import (
    SUPPRESSED,
    WEIGHT_YEARS,
    Cell,
    Formula,
    Sheet,
    Styled,
    column_letter,
    header,
    stat_cell,
)
from svcollect.scoring.assumptions import FRACTIONS, LABELS
from svcollect.scoring.formula import FORMULA, LEVELS

#: assumption fields written as named cells, in the order shown
NAMED = (
    "wellby_value_low",
    "wellby_value_central",
    "wellby_value_high",
    "wellby_price_year",
    "reporting_price_year",
    "duration_years",
    "drop_off",
    "deadweight",
    "attribution",
    "displacement",
    "discount_rate",
)
INFO = ("deflator_basis", "deflator_vintage")
DEFLATOR_RANGE = "deflator_series"

# Valuation table columns (1-based); per level: formula then svcollect's figure.
COL = {
    "route": 1,
    "outcome": 2,
    "grade": 3,
    "price_year": 4,
    "quantity": 5,
    "unit": 6,
    "base_year": 7,
    "deflator_base": 8,
    "deflator_reporting": 9,
    "value_low": 10,
    "value_central": 11,
    "value_high": 12,
    "deadweight_included": 13,
    "adjustment": 14,
    "duration": 15,
    "per_unit_low": 16,
    "per_unit_central": 18,
    "per_unit_high": 20,
    "total_low": 22,
    "total_central": 24,
    "total_high": 26,
    "calculation": 28,
    "notes": 29,
    # where the row came from: the route and collections (see Inputs) and the value table
    "route_id": 30,
    "baseline": 31,
    "follow_up": 32,
    "table_name": 33,
    "table_version": 34,
    "table_sha256": 35,
    "table_row": 36,
    "source": 37,
    "licence": 38,
    "table_deadweight": 39,
}
TITLES = (
    "Route",
    "Outcome",
    "Evidence grade",
    "Reporting price year",
    "Quantity (Q)",
    "Quantity unit",
    "Base price year",
    "Deflator index, base year",
    "Deflator index, reporting year",
    "Value per unit, base prices, low",
    "Value per unit, base prices, central",
    "Value per unit, base prices, high",
    "Deadweight already in the value",
    "Adjustment factor",
    "Duration factor",
    "Per unit, low (formula)",
    "svcollect value",
    "Per unit, central (formula)",
    "svcollect value",
    "Per unit, high (formula)",
    "svcollect value",
    "Total, low (formula)",
    "svcollect value",
    "Total, central (formula)",
    "svcollect value",
    "Total, high (formula)",
    "svcollect value",
    "How svcollect calculated it",
    "Notes",
    "Route id",
    "Baseline collection",
    "Follow-up or delivery-return collection",
    "Value table",
    "Value table version",
    "Value table SHA-256",
    "Value table row (outcome code)",
    "Source of the value",
    "Licence",
    "Deadweight included in the value",
)
#: a kept result computed before svcollect recorded where each figure came from
NOT_RECORDED = "not recorded"
WELLBY_TABLE = "none: the values per WELLBY are assumptions (see Assumptions and sources)"


def assumptions_sheet(assumptions: Mapping[str, Any]) -> Sheet:
    """Every assumption with its value, source, version and fingerprint; values are named."""
    values, sources = assumptions["values"], assumptions["values"].get("sources", {})
    labels = assumptions["labels"]
    record = assumptions.get("record") or {}
    sheet = Sheet("Assumptions and sources", widths={1: 40, 2: 24, 3: 18, 4: 90})
    sheet.add(Styled("Assumptions and sources", "title"))
    sheet.add(
        Styled(
            "The Valuation sheet reads the named cells in column C. Change a value here and "
            "every formula there recomputes (svcollect's own figures stay as exported).",
            "wrap",
        )
    )
    for label, fingerprint in (
        ("Assumption set version", record.get("version") or "defaults (none recorded)"),
        ("Assumption set SHA-256 (stored record)", record.get("sha256")),
        ("Assumptions fingerprint (valuation and thresholds)", assumptions["sha256"]),
        ("Valuation assumptions fingerprint", assumptions["valuation_sha256"]),
    ):
        sheet.add(Styled(label, "header"), None, fingerprint)
    sheet.add()
    sheet.add(*header("Assumption", "Name in formulas", "Value", "Source"))
    for name in NAMED:
        value: Cell = labels.get(name, values[name])
        style = "percent" if name in FRACTIONS else "money" if name.startswith("wellby_v") else None
        source = sources.get(name, "")
        if name in labels and str(values[name]) != str(labels[name]):
            source += f" (recorded as {values[name]}; the deflator series calls it {labels[name]})"
        row = sheet.add(LABELS[name], name, Styled(value, style) if style else value, source)
        sheet.names[name] = f"$C${row}"
    for name in INFO:
        sheet.add(LABELS[name], None, values[name], sources.get(name, ""))
    sheet.add()
    sheet.add(Styled("Meaningful-change thresholds recorded for this contract", "section"))
    sheet.add(*header("Measure", "", "Threshold (points)"))
    for measure, threshold in sorted(assumptions.get("thresholds", {}).items()):
        sheet.add(measure, None, threshold)
    if not assumptions.get("thresholds"):
        sheet.add("none recorded: svcollect's defaults apply (see the Outcomes sheet)")
    deflator = assumptions["deflator"]
    sheet.add()
    sheet.add(Styled("GDP deflator series", "section"))
    for key in ("series_id", "basis", "vintage", "release", "base", "source"):
        sheet.add(Styled(key.replace("_", " ").capitalize(), "header"), None, deflator.get(key))
    first = sheet.add(*header("Year", "Index", "Status")) + 1
    for year, index, status in deflator["rows"]:
        last = sheet.add(str(year), index, status)
    sheet.names[DEFLATOR_RANGE] = f"$A${first}:$B${last}"
    return sheet


def _ref(name: str, row: int) -> str:
    return f"{column_letter(COL[name])}{row}"


def _row_formulas(r: int) -> dict[str, Formula]:
    """The formulas on valuation row r (per unit and total, low/central/high)."""
    factors = (
        f"{_ref('deflator_reporting', r)}/{_ref('deflator_base', r)}"
        f"*{_ref('adjustment', r)}*{_ref('duration', r)}"
    )
    out: dict[str, Formula] = {}
    for level in LEVELS:
        value = _ref(f"value_{level}", r)
        out[f"per_unit_{level}"] = Formula(f"={value}*{factors}")
        out[f"total_{level}"] = Formula(f"={_ref('quantity', r)}*{value}*{factors}")
    return out


def trace(v: Mapping[str, Any]) -> dict[str, Cell]:
    """Where a valuation came from, as results recorded it: the route and its collections
    (listed on the Inputs sheet), and the value-table entry (or, for WELLBYs, the Green
    Book source) that priced it, with its source, licence and whether deadweight is in it."""
    ref = v.get("route_ref")
    source = v.get("value_source") or {}
    out: dict[str, Cell] = {"route_id": NOT_RECORDED}
    if ref is not None:
        out["route_id"] = ref.get("id")
        out["baseline"] = ref.get("baseline_collection")
        out["follow_up"] = ref.get("follow_up_collection")
    if v["route"] == "wellby":
        out["table_name"] = WELLBY_TABLE
        out["source"] = "; ".join(str(source[k]) for k in ("name", "note") if source.get(k))
    else:
        table = (ref or {}).get("value_table") or {}
        out["table_name"] = table.get("name") or source.get("table")
        out["table_version"] = table.get("version", NOT_RECORDED)
        out["table_sha256"] = table.get("sha256") or source.get("table_sha256")
        out["table_row"] = source.get("outcome_code")
        out["source"] = source.get("source")
        out["licence"] = source.get("licence")
    out["table_deadweight"] = "yes" if source.get("deadweight_included") else "no"
    if out.get("source"):
        out["source"] = Styled(out["source"], "wrap")
    return out


def _valuation_row(v: Mapping[str, Any], r: int) -> list[Cell]:
    cells: list[Cell] = [None] * len(TITLES)

    def put(name: str, value: Cell, offset: int = 0) -> None:
        cells[COL[name] - 1 + offset] = value

    for name, value in trace(v).items():
        put(name, value)
    put("route", v["route"])
    put("outcome", v["outcome"])
    put("grade", v["evidence_grade"])
    put("price_year", v["price_year"])
    put("calculation", Styled(v["calculation"], "wrap"))
    put("notes", Styled("; ".join(v.get("notes", ())), "wrap"))
    if v["quantity"].get("suppressed") or any(s.get("suppressed") for s in v["total"].values()):
        reason = v["total"]["central"].get("reason") or v["quantity"].get("reason") or ""
        put("quantity", SUPPRESSED)
        for level in LEVELS:
            for kind in ("per_unit", "total"):
                put(f"{kind}_{level}", SUPPRESSED)
                put(f"{kind}_{level}", SUPPRESSED, 1)
        put("notes", Styled(f"suppressed: {reason}", "wrap"))
        return cells
    inputs = v["inputs"]
    wellby = v["route"] == "wellby"
    put("quantity", v["quantity"]["value"])
    put("unit", v["quantity"].get("unit"))
    put("base_year", Formula("=wellby_price_year") if wellby else str(inputs["base_price_year"]))
    put("deflator_base", Formula(f'=VLOOKUP({_ref("base_year", r)}&"",{DEFLATOR_RANGE},2,FALSE)'))
    put("deflator_reporting", Formula("=deflator_reporting"))
    base_values = inputs["value_per_unit_base_prices"]
    for level in LEVELS:
        put(
            f"value_{level}",
            Formula(f"=wellby_value_{level}") if wellby else Styled(base_values[level], "money"),
        )
    included = bool(v.get("value_source", {}).get("deadweight_included", False))
    put("deadweight_included", included)
    put(
        "adjustment",
        Formula(
            f"=(1-IF({_ref('deadweight_included', r)},0,deadweight))"
            "*(1-displacement)*(1-attribution)"
        ),
    )
    put("duration", Formula("=duration_factor"))
    for name, formula in _row_formulas(r).items():
        put(name, Styled(formula, "money"))
        kind, _, level = name.rpartition("_")
        put(name, stat_cell(v[kind][level], "money"), 1)
    return cells


def valuation_sheet(results: Mapping[str, Any]) -> Sheet:
    sheet = Sheet(
        "Valuation",
        widths={1: 16, 2: 28, 3: 24, 28: 70, 29: 60, 33: 30, 35: 24, 37: 50, 38: 24},
        freeze="C1",
    )
    sheet.add(Styled("Valuation: every £ figure as a live Excel formula", "title"))
    sheet.add(
        Styled(
            "Formulas read the named cells on 'Assumptions and sources': change an assumption "
            "there and these figures recompute. The 'svcollect value' column beside each "
            "formula is svcollect's own figure, as on screen. Figures based on too few people "
            "are suppressed and have no formula. The last columns say where each row came "
            "from: its valuation route and collections (listed on the Inputs sheet) and the "
            "value-table entry that priced it, with its source and licence.",
            "wrap",
        )
    )
    sheet.add(Styled("Formula", "header"), Styled(FORMULA, "wrap"))
    sheet.add()
    sheet.add(Styled("Derived from the assumptions", "section"))
    n_valuations = len(results["valuations"])
    # Rows 11-12 title and header, then the valuations (or a line saying there are none),
    # a blank row, the weights title and header.
    weights_first = 16 + max(n_valuations, 1)
    weights_last = weights_first + WEIGHT_YEARS - 1
    derived = (
        (
            "Duration factor (sum of the yearly weights below)",
            "duration_factor",
            f"=SUM(C{weights_first}:C{weights_last})",
        ),
        (
            "Deflator index, reporting price year",
            "deflator_reporting",
            f'=VLOOKUP(reporting_price_year&"",{DEFLATOR_RANGE},2,FALSE)',
        ),
        (
            "Check",
            None,
            f'=IF(duration_years>{WEIGHT_YEARS},"Duration is over {WEIGHT_YEARS} years: add rows '
            'to the yearly weights","OK")',
        ),
    )
    for label, name, text in derived:
        row = sheet.add(Styled(label, "header"), None, Formula(text))
        if name:
            sheet.names[name] = f"$C${row}"
    sheet.add()
    sheet.add()
    assert len(sheet.rows) == 10
    sheet.add(Styled("Valued outcomes", "section"))
    sheet.add(*header(*TITLES))
    for v in results["valuations"]:
        sheet.add(*_valuation_row(v, len(sheet.rows) + 1))
    if not results["valuations"]:
        sheet.add("No valuation routes are set for this contract, or nothing can be valued yet.")
    sheet.add()
    sheet.add(Styled("Yearly weights: w_t x (1 - drop_off)^(t-1) / (1 + r)^(t-1)", "section"))
    sheet.add(*header("Year t", "t - 1", "Weight"))
    while len(sheet.rows) < weights_first - 1:
        sheet.add()
    for t in range(1, WEIGHT_YEARS + 1):
        r = len(sheet.rows) + 1
        sheet.add(
            t,
            t - 1,
            Formula(f"=MAX(0,MIN(1,duration_years-B{r}))*(1-drop_off)^B{r}/(1+discount_rate)^B{r}"),
        )
    assert len(sheet.rows) == weights_last
    return sheet


def formula_names() -> tuple[str, ...]:
    """Every defined name the formulas use (for tests and checks)."""
    return (*NAMED, DEFLATOR_RANGE, "duration_factor", "deflator_reporting")
