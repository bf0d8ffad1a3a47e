"""The template: its columns come from the codebook, and a filled-in template imports."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import python_calamine

from svcollect.imports import check_file, codebook, template_columns, template_csv, template_xlsx
from tests.unit.imports.conftest import read_code


def test_columns_are_row_id_code_completed_on_then_questions_without_files(wemwbs, branching):
    assert template_columns(wemwbs) == [
        "row_id",
        "respondent_code",
        "completed_on",
        *(f"wemwbs_{i:02d}" for i in range(1, 15)),
    ]
    assert "policy_file" not in template_columns(branching)
    assert template_columns(branching)[3:6] == ["team_size", "has_policy", "activities"]


def test_csv_template_is_the_header_in_utf8_with_a_bom(branching):
    data = template_csv(branching)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").strip() == ",".join(template_columns(branching))


def test_codebook_says_what_goes_in_each_column(branching):
    rows = {row.column: row for row in codebook(branching)}
    assert list(rows) == template_columns(branching)
    assert rows["row_id"].required == "Yes"
    assert rows["respondent_code"].required == "No"
    completed = rows["completed_on"]
    assert (completed.type, completed.required) == ("date", "No")
    assert "date the respondent filled in the paper form" in completed.question
    assert "the day of the import is used instead" in completed.question
    assert completed.how_to_enter == rows["policy_date"].how_to_enter
    assert (completed.minimum, completed.maximum) == ("The day the collection opened", "Today")
    assert rows["supported"].allowed == "1 = Disagree; 2 = Neutral; 3 = Agree"
    assert (
        rows["supported"].asked_when
        == "Only when team_size is 50 or more; otherwise leave it blank"
    )
    assert rows["policy_date"].required == "Yes, when it is asked"
    assert rows["other_detail"].asked_when == (
        "Only when team_size is 50 or more and activities includes other; otherwise leave it blank"
    )
    assert (rows["team_size"].minimum, rows["team_size"].maximum) == ("1", "1000")
    assert rows["team_size"].how_to_enter == "A whole number"
    assert rows["spend"].how_to_enter == "A number"
    assert rows["comments"].max_length == "30"
    assert rows["has_policy"].allowed == "yes; no"
    assert rows["role"].asked_when == "Always"


def test_xlsx_template_has_responses_and_codebook_sheets(wemwbs):
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(template_xlsx(wemwbs)))
    assert workbook.sheet_names == ["Responses", "Codebook"]
    header = workbook.get_sheet_by_name("Responses").to_python()[0]
    assert header == template_columns(wemwbs)
    book = workbook.get_sheet_by_name("Codebook").to_python()
    text = "\n".join(str(cell) for row in book for cell in row)
    assert "Warwick-Edinburgh Mental Wellbeing Scale" in text
    assert wemwbs.licence is not None and wemwbs.licence.notice in text
    assert "Files cannot be imported" in text
    assert "completed_on" in text
    assert "The date the respondent filled in the paper form" in text
    for question in wemwbs.questions():
        assert question.text in text


def test_a_filled_in_template_imports(branching):
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(branching)))
    sheet = workbook["Responses"]
    sheet.append(
        ["007", "7KQ-2MX-9PD", "27/03/2026", 12, "no", None, None, None, None, "staff", None, 0]
    )
    # Typed into a cell Excel formats as a date: read as that day too.
    sheet.append(["008", None, date(2026, 4, 1), 12, "no", None, None, None, None, "staff"])
    sheet.append(["009", None, None, 12, "no", None, None, None, None, "staff"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = check_file(buffer.getvalue(), "filled.xlsx", branching, read_code)
    assert result.ok, result.problems
    assert result.rows.row_ids == ["007", "008", "009"]
    assert result.rows.answers["spend"][0].tolist() == ["0", None, None]
    assert result.rows.completed_on == [date(2026, 3, 27), date(2026, 4, 1), None]


def test_xlsx_template_keeps_completed_on_as_typed(branching):
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(branching)))
    sheet = workbook["Responses"]
    assert sheet["C1"].value == "completed_on"
    # Text, so Excel does not read 03/04/2026 as 4 March on a computer set to US dates.
    assert sheet.column_dimensions["C"].number_format == "@"
