"""The Inputs sheet and the Valuation sheet's trace columns: where every figure came from."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from svcollect.evidence.pack_inputs import NOT_SCORED, inputs_sheet
from svcollect.evidence.pack_tables import Formula, Styled
from svcollect.evidence.pack_valuation import NOT_RECORDED, TITLES, valuation_sheet
from svcollect.evidence.people_counts import disclose_people_counts
from svcollect.evidence.workbook import WorkbookBuilder
from svcollect.scoring.assumptions import ValuationAssumptions
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.valuation import value_counted_outcome, wellby_value
from svcollect.scoring.value_tables import ValueTable, ValueTableEntry

INJECTED = '=HYPERLINK("http://example.com","x")'
SHA = "a" * 64
TABLE_REF = {
    "id": 4,
    "name": f"{INJECTED} values",
    "version": 3,
    "sha256": SHA,
    "file_name": "+values.csv",
    "entry_id": 9,
    "outcome_code": "VOL-H",
}
ROUTES = [
    {
        "id": 7,
        "route": "counted",
        "measure": "volunteering_hours_local",
        "baseline_collection": None,
        "follow_up_collection": 3,
        "value_table": TABLE_REF,
    },
    {
        "id": 8,
        "route": "wellby",
        "measure": "life_satisfaction",
        "baseline_collection": 1,
        "follow_up_collection": 2,
        "value_table": None,
    },
]
MEASURES = {
    "volunteering_hours_local": (
        "volunteering_hours_local",
        "Volunteering hours in the local community",
    ),
    "life_satisfaction": ("life_satisfaction_ons4", "Life satisfaction (ONS4)"),
}


def _valuations() -> list[dict[str, Any]]:
    a = ValuationAssumptions()
    table = ValueTable(
        name=f"{TABLE_REF['name']} v3",
        sha256=SHA,
        entries={
            "VOL-H": ValueTableEntry(
                "VOL-H", "Hours volunteered", "hour", 17.5, "2024", "-own estimate", "@lic", True, 0
            )
        },
    )
    counted = value_counted_outcome(
        table, "VOL-H", 12, a, n_responses=3, grade=EvidenceGrade.ACCEPTED_DECLARATION
    )
    return [
        replace(counted, route_ref=ROUTES[0]).to_dict(),
        replace(wellby_value(12, 0.5, a), route_ref=ROUTES[1]).to_dict(),
    ]


def _collection(cid: int, questionnaire: str, access: str = "open", **extra: Any) -> dict:
    return {
        "id": cid,
        "label": f"{INJECTED} {cid}",
        "questionnaire": questionnaire,
        "version": 1,
        "content_hash": "c" * 64,
        "audience": "supplier" if access == "supplier" else "workforce",
        "wave": "baseline",
        "access": access,
        "opened_on": date(2026, 1, 1),
        "closes_on": date(2026, 2, 1),
        "state": "closed",
        "closed_early": False,
        **extra,
    }


COLLECTIONS = [
    _collection(1, "ons4"),
    _collection(2, "ons4", wave="follow_up"),
    _collection(3, "delivery-return", "supplier"),
    _collection(5, "ons4", wave="annual"),
]


def _results(k: int = 10, **provenance: Any) -> dict[str, Any]:
    return {
        "contract": "C-1",
        "outcomes": [],
        "adherence": {"3": {"suppliers": 3, "figures": {}}},
        "valuations": _valuations(),
        "totals_by_grade": {},
        "problems": [],
        "provenance": {
            "suppression_min_n": k,
            "questionnaires": {"1": "", "2": "", "3": "", "5": ""},
            "value_tables": [f"{TABLE_REF['name']} v3 {SHA}"],
            "routes": ROUTES,
            "responses_counted": {"1": 6, "2": 12},
            **provenance,
        },
    }


def _table(rows: list[list[Any]], first: str) -> list[dict[str, Any]]:
    plain = [[c.value if isinstance(c, Styled) else c for c in row] for row in rows]
    start = next(i for i, r in enumerate(plain) if r and r[0] == first)
    out = []
    for row in plain[start + 1 :]:
        if not row or row[0] is None or all(v is None for v in row[1:]):
            break
        out.append(dict(zip(plain[start], row, strict=False)))
    return out


@pytest.mark.parametrize(
    ("k", "six", "twelve"), [(10, "fewer than 10", 12), (15, "fewer than 15", "fewer than 15")]
)
def test_responses_counted_under_the_results_threshold_read_fewer_than_k(k, six, twelve):
    rows = inputs_sheet(_results(k), COLLECTIONS, MEASURES).rows
    counted = {r["Collection"]: r["Responses counted"] for r in _table(rows, "Collection")}
    assert counted[1] == six and counted[2] == twelve
    assert counted[3] == 3  # suppliers' returns: organisations, exact under any threshold
    [annual] = [r for r in _table(rows, "Collection") if r["Collection"] == 5]
    assert annual["Responses counted"] is None and annual["What is counted"] == NOT_SCORED


def test_routes_and_value_tables_are_listed_with_the_rows_they_priced():
    rows = inputs_sheet(_results(), COLLECTIONS, MEASURES).rows
    routes = {r["Route id"]: r for r in _table(rows, "Route id")}
    assert routes[7]["Measure"] == "Volunteering hours in the local community"
    assert routes[7]["Measure code"] == "volunteering_hours_local"
    assert (routes[7]["Value table version"], routes[7]["Rows on Valuation"]) == (3, 1)
    assert routes[8]["Measure code"] == "life_satisfaction_ons4"
    assert routes[8]["Value table"] is None and routes[8]["Rows on Valuation"] == 1
    [table] = _table(rows, "Value table")
    assert (table["Value table"], table["Version"], table["SHA-256 of the imported file"]) == (
        TABLE_REF["name"],
        3,
        SHA,
    )
    assert table["Row used (outcome code)"] == "VOL-H" and table["Routes"] == "7"
    assert (table["Source"], table["Licence"]) == ("-own estimate", "@lic")
    assert table["Deadweight included in the value"] == "yes"
    assert any(
        "WELLBY rows take their values" in str(getattr(r[0], "value", "")) for r in rows if r
    )


def test_kept_results_from_before_routes_were_recorded_say_so():
    results = _results()
    for key in ("routes", "responses_counted"):
        del results["provenance"][key]
    for v in results["valuations"]:
        del v["route_ref"]
    rows = inputs_sheet(results, COLLECTIONS, MEASURES).rows
    counted = {r["Collection"]: r["Responses counted"] for r in _table(rows, "Collection")}
    assert counted[1] == NOT_RECORDED and counted[3] == 3
    text = [str(getattr(c, "value", c)) for row in rows for c in row if c is not None]
    assert any("kept before svcollect recorded their valuation routes" in t for t in text)
    assert f"{TABLE_REF['name']} v3 {SHA}" in text
    # the Valuation sheet says so too, and names the table as the valuation recorded it
    sheet = valuation_sheet(results)
    [counted_row] = _table(sheet.rows, "Route")[:1]
    assert counted_row["Route id"] == NOT_RECORDED
    assert counted_row["Value table"] == f"{TABLE_REF['name']} v3"
    assert counted_row["Value table version"] == NOT_RECORDED


def test_valuation_rows_name_their_route_collections_and_value_table():
    rows = _table(valuation_sheet({"valuations": _valuations()}).rows, "Route")
    counted, wellby = rows
    assert (counted["Route id"], counted["Follow-up or delivery-return collection"]) == (7, 3)
    assert (counted["Value table"], counted["Value table version"]) == (TABLE_REF["name"], 3)
    assert counted["Value table SHA-256"] == SHA
    assert counted["Value table row (outcome code)"] == "VOL-H"
    assert (counted["Source of the value"], counted["Licence"]) == ("-own estimate", "@lic")
    assert counted["Deadweight included in the value"] == "yes"
    assert (wellby["Route id"], wellby["Baseline collection"]) == (8, 1)
    assert wellby["Source of the value"].startswith("HM Treasury Green Book")
    assert wellby["Value table version"] is None and wellby["Licence"] is None
    assert len(TITLES) == 39


def test_people_typed_text_on_inputs_and_valuation_is_never_a_formula(tmp_path: Path):
    builder = WorkbookBuilder()
    results = _results()
    builder.add(valuation_sheet(results))
    sheet = inputs_sheet(results, COLLECTIONS, MEASURES)
    assert not any(isinstance(c, Formula) for row in sheet.rows for c in row)
    builder.add(sheet)
    path = tmp_path / "book.xlsx"
    builder.save(path)
    book = load_workbook(path)
    seen = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    if cell.data_type == "f":
                        assert ws.title == "Valuation" and "HYPERLINK" not in cell.value
                        continue
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.value)
                    seen += 1
    assert seen >= 8  # labels, table names, file name, source and licence


def test_responses_counted_leave_svcollect_as_fewer_than_k_and_the_results_stay_exact():
    results = _results()
    shown = disclose_people_counts(results)
    assert shown["provenance"]["responses_counted"] == {"1": "fewer than 10", "2": 12}
    assert results["provenance"]["responses_counted"] == {"1": 6, "2": 12}
