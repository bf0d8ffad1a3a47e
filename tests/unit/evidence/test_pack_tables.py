"""Pure table building: statistics, suppression, the wide Responses rows, sheet parts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from openpyxl import load_workbook

from svcollect.evidence.pack import PackNames
from svcollect.evidence.pack_responses import pivot_responses, response_columns
from svcollect.evidence.pack_summary import summary_sheet
from svcollect.evidence.pack_tables import (
    SUPPRESSED,
    Styled,
    column_letter,
    continuation_title,
    flatten_stats,
    stat_cell,
)
from svcollect.evidence.workbook import StreamedTable, WorkbookBuilder


def stat(value, n=20, suppressed=False, reason=None):
    return {"value": value, "n": n, "suppressed": suppressed, "reason": reason}


HIDDEN = stat(None, 4, True, "based on fewer than 10 people")


def test_withheld_figures_are_the_word_suppressed_never_zero():
    assert stat_cell(HIDDEN) == SUPPRESSED
    assert stat_cell(stat(0.0)) == 0.0
    assert stat_cell(stat(None, 0, reason="no people in this group")) is None
    assert stat_cell(stat(12.5), "money") == Styled(12.5, "money")
    assert stat_cell(None) is None


def test_every_statistic_is_flattened_with_its_path():
    change = {
        "measure": "wemwbs",
        "paired": {
            "mean_change": stat(1.5),
            "movement": {"total": stat(20), "cells": [{"label": "improved", "count": HIDDEN}]},
        },
        "flags": ["fewer than 30 pairs"],
        "threshold": 3,
    }
    flat = dict(flatten_stats(change))
    assert flat["paired / mean_change"]["value"] == 1.5
    assert flat["paired / movement / cells / improved / count"]["suppressed"] is True
    assert flat["flags"] == "fewer than 30 pairs"
    assert flat["threshold"] == 3


def _results(total):
    return {
        "contract": "C-1",
        "outcomes": [],
        "adherence": {},
        "valuations": [
            {
                "route": "wellby",
                "outcome": "life satisfaction (WELLBY)",
                "price_year": "2019",
                "evidence_grade": "paired survey",
                "total": {k: total for k in ("low", "central", "high")},
                "notes": [],
            }
        ],
        "totals_by_grade": {},
        "problems": ["Route 2: not valued"],
        "provenance": {"suppression_min_n": 10},
    }


def test_summary_writes_suppressed_values_with_the_reason():
    rows = summary_sheet(_results(HIDDEN), {}).rows
    [row] = [r for r in rows if r and r[0] == "wellby"]
    assert row[7:10] == [SUPPRESSED] * 3 and "fewer than 10" in str(row[10])
    rows = summary_sheet(_results(stat(39000.0)), {}).rows
    [row] = [r for r in rows if r and r[0] == "wellby"]
    assert [c.value for c in row[7:10]] == [39000.0] * 3  # type: ignore[union-attr]


def test_responses_are_one_wide_row_each_with_numbers_as_numbers():
    questionnaires = [
        {
            "id": "ons4",
            "questions": [
                {"id": "life_satisfaction", "type": "scale"},
                {"id": "note", "type": "long_text"},
            ],
        }
    ]
    columns = response_columns(questionnaires)
    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    rows = pivot_responses(
        [(7, 1, "abc", at), (8, 1, None, at)],
        [(7, "life_satisfaction", "6", 6.0), (7, "note", "=1+1", None), (8, "stray", "x", None)],
        {1: ("baseline", "ons4", "ons4/v1")},
        columns,
    )
    assert [c.value for c in columns.header] == [
        "Response",
        "Collection",
        "Wave",
        "Questionnaire",
        "Respondent code",
        "Submitted on",
        "ons4.life_satisfaction",
        "ons4.note",
        "Other answers",
    ]
    assert rows[0] == [
        7,
        1,
        "baseline",
        "ons4/v1",
        "abc",
        date(2026, 1, 2),
        6.0,
        "=1+1",
        None,
    ]
    assert rows[1][-1] == "stray=x"


def test_column_letters_and_continuation_titles():
    assert [column_letter(i) for i in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
    assert continuation_title("Responses", 1) == "Responses"
    assert continuation_title("Responses", 3) == "Responses (3)"


def test_a_long_table_continues_on_numbered_sheets(tmp_path):
    builder = WorkbookBuilder()
    table = StreamedTable("Responses", ["n"], tmp_path, builder.styles, row_limit=3)
    for i in range(7):
        table.append([i])
    builder.add_streamed(table)
    builder.save(tmp_path / "book.xlsx")
    wb = load_workbook(tmp_path / "book.xlsx")
    assert wb.sheetnames == ["Responses", "Responses (2)", "Responses (3)", "Responses (4)"]
    values = [c.value for ws in wb.worksheets for c in ws["A"] if c.value != "n"]
    assert values == list(range(7)) and table.data_rows == 7


def test_names_inside_the_pack_are_safe_and_unique():
    names = PackNames()
    assert names.claim("evidence", "../../etc", "passwd") == "evidence/etc/passwd"
    assert names.claim("/abs/olute.pdf") == "olute.pdf"
    assert names.claim("evidence", "a", "Plan.pdf") == "evidence/a/Plan.pdf"
    assert names.claim("evidence", "a", "plan.PDF") == "evidence/a/plan (2).PDF"
    assert names.claim("evidence", "a", "plan.pdf") == "evidence/a/plan (3).pdf"
    assert names.claim("manifest.json") == "manifest (2).json"
    assert names.claim("..") == "file"
    assert names.claim("a\x00b\nc.txt") == "abc.txt"
