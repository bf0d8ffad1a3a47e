"""Delivery returns and Commitments sheets laid out from plain dicts (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from openpyxl import load_workbook

from svcollect.evidence.pack_delivery import (
    RETURN_COLUMNS,
    commitments_sheet,
    delivery_sheet,
    review_label,
)
from svcollect.evidence.pack_tables import Styled
from svcollect.evidence.workbook import WorkbookBuilder

SUBMITTED = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)


def _row(**overrides: Any) -> dict[str, Any]:
    row = {
        "collection": "4: Returns Q1",
        "supplier": "=cmd Ltd",
        "edition": 2,
        "submitted_at": SUBMITTED,
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 3, 31),
        "measure": "volunteering_hours_local",
        "title": "Volunteering hours in the local community",
        "unit": "hours",
        "figure": 7.5,
        "review": "accepted",
        "evidenced": 7.5,
        "comment": "@ok",
        "note": "+ counted from the rota",
        "files": [
            {"name": "=rota.pdf", "path": "evidence/4 Returns Q1/=cmd Ltd/v/=rota.pdf"},
            {"name": "log.csv", "path": "evidence/4 Returns Q1/=cmd Ltd/v/log.csv"},
        ],
        "not_counted": None,
    }
    return row | overrides


def _data(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rows": rows,
        "totals": [
            {
                "collection": "4: Returns Q1",
                "measure": "volunteering_hours_local",
                "title": "Volunteering hours in the local community",
                "unit": "hours",
                "returns": 1,
                "delivered": 7.5,
                "evidenced": 7.5,
                "rejected": 0.0,
                "declared_only": 0.0,
                "routes": ["valuation route 3 (Local values v1, entry VOL-H)"],
            }
        ],
        "by_measure": [
            {
                "measure": "volunteering_hours_local",
                "title": "Volunteering hours in the local community",
                "unit": "hours",
                "delivered": 7.5,
                "evidenced": 7.5,
            }
        ],
        "notes": ["The counted-outcome valuation route 9 names no delivery-return collection."],
    }


def _plain(cell: Any) -> Any:
    return cell.value if isinstance(cell, Styled) else cell


def test_every_review_state_has_words_and_only_accepted_reads_accepted():
    assert review_label(None) == "not reviewed"
    assert review_label("accepted") == "accepted"
    assert review_label("queried") == "queried"
    assert review_label("rejected") == "rejected"
    assert review_label("answered").startswith("queried, supplier answered")


def test_one_row_per_return_and_measure_with_its_files_by_path():
    sheet = delivery_sheet(_data([_row(), _row(measure="spend_local_sme", review=None)]))
    header = next(
        i
        for i, r in enumerate(sheet.rows)
        if [_plain(c) for c in r[:2]] == ["Collection", "Supplier"]
    )
    assert [_plain(c) for c in sheet.rows[header]] == list(RETURN_COLUMNS)
    first, second = ([_plain(c) for c in r] for r in sheet.rows[header + 1 :])
    named = dict(zip(RETURN_COLUMNS, first, strict=True))
    assert named["Period start"] == date(2026, 1, 1) and named["Figure"] == 7.5
    assert named["Evidence review"] == "accepted" and named["Evidenced (accepted)"] == 7.5
    assert named["Evidence files"] == "=rota.pdf\nlog.csv"
    assert named["Files in this pack"].split("\n") == [f["path"] for f in _row()["files"]]
    assert dict(zip(RETURN_COLUMNS, second, strict=True))["Evidence review"] == "not reviewed"
    text = [str(_plain(c)) for r in sheet.rows for c in r if c is not None]
    assert "valuation route 3 (Local values v1, entry VOL-H)" in text
    assert any("route 9 names no delivery-return collection" in t for t in text)


def test_nothing_returned_says_so():
    sheet = delivery_sheet({"rows": [], "totals": [], "by_measure": [], "notes": []})
    text = [str(_plain(c)) for r in sheet.rows for c in r if c is not None]
    assert "No supplier has submitted a delivery return on this contract." in text
    assert "Nothing delivered has been reported yet." in text
    assert "No commitments were recorded at bid for this contract." in [
        _plain(r[0]) for r in commitments_sheet([], date(2026, 5, 1)).rows if r
    ]


def test_commitment_shares_are_excel_percentages_and_survey_measures_have_none():
    items = [
        {
            "measure": "volunteering_hours_local",
            "title": "Volunteering hours",
            "unit": "hours",
            "target": 60.0,
            "due_on": date(2026, 12, 31),
            "delivered": 30.0,
            "evidenced": 15.0,
            "delivered_share": 50.0,
            "evidenced_share": 25.0,
            "status": "not due yet",
        },
        {
            "measure": "life_satisfaction_ons4",
            "title": "Life satisfaction (ONS4)",
            "unit": "points",
            "target": 0.5,
            "due_on": date(2026, 12, 31),
            "delivered": None,
            "evidenced": None,
            "delivered_share": None,
            "evidenced_share": None,
            "status": "survey measure: see the outcome charts",
        },
    ]
    sheet = commitments_sheet(items, date(2026, 5, 1))
    counted, survey = sheet.rows[-2:]
    assert counted[7] == Styled(0.5, "percent") and counted[8] == Styled(0.25, "percent")
    assert counted[4] == Styled(date(2026, 12, 31), "date")
    assert survey[5:9] == [None, None, None, None]


def test_supplier_text_is_written_as_flagged_text(tmp_path):
    builder = WorkbookBuilder()
    builder.add(delivery_sheet(_data([_row()])))
    builder.save(tmp_path / "book.xlsx")
    ws = load_workbook(tmp_path / "book.xlsx")["Delivery returns"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    risky = [c for c in cells if c.value.startswith(("=", "+", "@"))]
    assert {c.value.split("\n")[0] for c in risky} >= {"=cmd Ltd", "@ok", "+ counted from the rota"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
