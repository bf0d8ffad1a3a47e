"""Writing the import template: a Responses sheet to fill in and a Codebook sheet."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple, fields
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from svcollect.questionnaires import Questionnaire

from .codebook import FIXED_COLUMNS, CodebookRow, codebook, importable, template_columns
from .reading import RESPONSES_SHEET

CODEBOOK_SHEET = "Codebook"
#: rows the template's drop-down lists cover
_LIST_ROWS = 200_001
_HEADINGS = {
    "column": "Column",
    "question": "Question",
    "type": "Type",
    "allowed": "Allowed values (value = label)",
    "required": "Required",
    "minimum": "Minimum",
    "maximum": "Maximum",
    "max_length": "Most characters",
    "how_to_enter": "How to enter it",
    "asked_when": "Asked when",
}


def template_csv(questionnaire: Questionnaire) -> bytes:
    """The header row as CSV, UTF-8 with a byte order mark so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(template_columns(questionnaire))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(questionnaire: Questionnaire) -> bytes:
    workbook = Workbook()
    responses = workbook.active
    assert responses is not None
    responses.title = RESPONSES_SHEET
    columns = template_columns(questionnaire)
    responses.append(columns)
    for index, name in enumerate(columns, start=1):
        letter = get_column_letter(index)
        responses[f"{letter}1"].font = Font(bold=True)
        responses.column_dimensions[letter].width = max(12, len(name) + 2)
        if name in FIXED_COLUMNS:
            # Text, so Excel keeps leading zeros and does not turn codes into dates.
            responses.column_dimensions[letter].number_format = "@"
    responses.freeze_panes = "B2"
    _drop_downs(responses, questionnaire)
    sheet = workbook.create_sheet(CODEBOOK_SHEET)
    _write_codebook(sheet, questionnaire)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _drop_downs(sheet: Any, questionnaire: Questionnaire) -> None:
    """Lists of allowed values for choice columns; a warning, never a block, if ignored."""
    for index, question in enumerate(importable(questionnaire), start=len(FIXED_COLUMNS) + 1):
        if question.type == "yes_no":
            values = ["yes", "no"]
        elif question.type in ("scale", "single_choice"):
            values = [str(option.value) for option in question.options]
        else:
            continue
        formula = '"' + ",".join(values) + '"'
        if len(formula) > 255 or any("," in v or '"' in v for v in values):
            continue  # Excel's limit for a typed list; the codebook still lists them
        letter = get_column_letter(index)
        check = DataValidation(
            type="list", formula1=formula, allow_blank=True, errorStyle="warning"
        )
        check.error = "This is not one of the allowed values: see the Codebook sheet"
        check.add(f"{letter}2:{letter}{_LIST_ROWS}")
        sheet.add_data_validation(check)


def _write_codebook(ws: Any, questionnaire: Questionnaire) -> None:
    title = f"{questionnaire.title} (version {questionnaire.version})"
    ws.append([title])
    ws.append(
        [
            "One row per paper return on the Responses sheet. Leave a cell blank when the "
            "question was not answered or not asked. Files cannot be imported."
        ]
    )
    if questionnaire.licence is not None:
        ws.append([questionnaire.licence.notice])
    ws.append([])
    names = [field.name for field in fields(CodebookRow)]
    ws.append([_HEADINGS[name] for name in names])
    heading_row = ws.max_row
    for cell in ws[heading_row]:
        cell.font = Font(bold=True)
    for row in codebook(questionnaire):
        ws.append(list(astuple(row)))
    ws["A1"].font = Font(bold=True, size=14)
    widths = {"A": 18, "B": 60, "C": 16, "D": 45, "E": 20, "I": 50, "J": 40}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # content text is text, whatever it starts with
            if cell.row > heading_row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
