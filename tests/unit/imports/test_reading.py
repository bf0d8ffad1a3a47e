"""Reading uploads: CSV in UTF-8 (with or without BOM), XLSX, and every file refused clearly."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pytest

from svcollect.imports import FileRefused, read_table
from svcollect.imports.problems import column_letter
from tests.unit.imports.conftest import csv_bytes, xlsx_bytes

ROWS = [["row_id", "a", "b"], ["R1", "1", "x"], ["R2", "2", "y"]]


def _read(data: bytes, name: str = "returns.csv", max_rows: int = 1000):
    return read_table(data, name, max_rows=max_rows)


def _refused(data: bytes, name: str = "returns.csv", max_rows: int = 1000) -> str:
    with pytest.raises(FileRefused) as refused:
        _read(data, name, max_rows)
    return str(refused.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_in_utf8_with_or_without_bom(encoding):
    table = _read(csv_bytes([["row_id", "town"], ["R1", "Ynys Môn"]], encoding))
    assert table.header == ("row_id", "town")
    assert table.cells.tolist() == [["R1", "Ynys Môn"]]
    assert table.row_numbers.tolist() == [2]
    assert table.kind == "csv"


def test_csv_with_semicolons_from_a_european_excel():
    table = _read(csv_bytes([["row_id", "pick"], ["R1", "a;b"]], delimiter=";"))
    assert table.header == ("row_id", "pick")
    table = _read(b'row_id;pick\r\nR1;"a;b"\r\n')
    assert table.cells.tolist() == [["R1", "a;b"]]


def test_windows_1252_csv_is_refused_naming_the_encoding_and_the_fix():
    message = _refused(csv_bytes([["row_id", "name"], ["R1", "café"]], "cp1252"))
    assert "not saved as UTF-8" in message
    assert "line 2" in message
    assert "Windows-1252" in message
    assert "CSV UTF-8" in message


def test_utf16_text_is_refused_with_the_fix():
    message = _refused(csv_bytes(ROWS, "utf-16"))
    assert "UTF-16" in message and "CSV UTF-8" in message


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "empty.csv", "is empty"),
        (b"\n\n  \n", "blank.csv", "no header row"),
        (b"row_id,a\n", "header.csv", "no answers under the header"),
        (b"%PDF-1.7\n...", "returns.pdf", "not a spreadsheet"),
        (b"\x89PNG\r\n\x1a\nrest", "returns.csv", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.xls", "older Excel"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "export.xls", "web page"),
        (b"row_id,a\nR1,1\n", "returns.xlsx", "not an Excel workbook"),
        (b'row_id,a\nR1,"unclosed\n', "returns.csv", "could not be read at line"),
    ],
)
def test_files_that_are_not_readable_tables_are_refused(data, name, words):
    assert words in _refused(data, name)


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert "zip archive" in _refused(buffer.getvalue(), "returns.xlsx")


def test_damaged_workbook_is_refused():
    data = xlsx_bytes(ROWS)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            target.writestr(item, body)
    assert "could not be read" in _refused(buffer.getvalue(), "returns.xlsx")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_more_rows_than_allowed_are_refused(kind):
    rows = [["row_id", "a"]] + [[f"R{i}", "1"] for i in range(8)]
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    message = _refused(data, f"big.{kind}", max_rows=5)
    assert "import at most 5 rows at a time" in message
    assert len(_read(data, f"big.{kind}", max_rows=8).row_numbers) == 8


def test_xlsx_cells_keep_their_types_and_positions():
    rows = [[None], ["row_id", "n", "when", "flag"], ["R1", 3, date(2025, 2, 3), True]]
    table = _read(xlsx_bytes(rows), "returns.xlsx")
    assert table.header_row == 2
    assert table.header == ("row_id", "n", "when", "flag")
    assert table.row_numbers.tolist() == [3]
    row = table.cells[0].tolist()
    assert row[:2] == ["R1", 3.0]
    assert row[2] == date(2025, 2, 3) or row[2].date() == date(2025, 2, 3)
    assert row[3] is True


def test_responses_sheet_is_read_before_others():
    data = xlsx_bytes([["notes"], ["x"]], title="Notes", Responses=ROWS)
    assert _read(data, "returns.xlsx").header == ("row_id", "a", "b")
    data = xlsx_bytes(ROWS, title="Sheet1", Codebook=[["Column"], ["row_id"]])
    assert _read(data, "returns.xlsx").header == ("row_id", "a", "b")


def _workbook(cells: dict[str, object], **other_sheets: dict[str, object]) -> bytes:
    workbook = openpyxl.Workbook()
    sheets = {"Responses": cells, **other_sheets}
    workbook.active.title = "Responses"
    for title, values in sheets.items():
        sheet = workbook[title] if title in workbook.sheetnames else workbook.create_sheet(title)
        for ref, value in values.items():
            sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _saved_by_a_spreadsheet(data: bytes, results: dict[str, str], text: bool = False) -> bytes:
    """``data`` with each formula cell's result saved, as Excel or LibreOffice would."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, result in results.items():
                    kind = ' t="str"' if text else ""
                    head = f'<c r="{ref}"'.encode()
                    start = content.index(head)
                    end = content.index(b"</c>", start)
                    formula = content[start:end].split(b"<v")[0].split(b">", 1)[1]
                    content = (
                        content[:start]
                        + head
                        + kind.encode()
                        + b">"
                        + formula
                        + f"<v>{result}</v>".encode()
                        + content[end:]
                    )
            target.writestr(item, content)
    return out.getvalue()


def test_formula_like_text_is_text_and_formulas_are_never_run():
    data = _workbook({"A1": "row_id", "B1": "note", "C1": "sum", "A2": "R1", "C2": "=1+1"})
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook.active["B2"].value = "=cmd|' /C calc'!A0"
    workbook.active["B2"].data_type = "s"  # typed text, as a cell starting with ' is in Excel
    buffer = io.BytesIO()
    workbook.save(buffer)
    # The text is kept as typed; the formula's saved result is read, never the formula.
    saved = _saved_by_a_spreadsheet(buffer.getvalue(), {"C2": "2"})
    assert _read(saved, "returns.xlsx").cells.tolist() == [["R1", "=cmd|' /C calc'!A0", 2.0]]
    csv_table = _read(csv_bytes([["row_id", "note"], ["R1", "=cmd|' /C calc'!A0"]]))
    assert csv_table.cells.tolist() == [["R1", "=cmd|' /C calc'!A0"]]


def test_a_formula_without_a_saved_result_refuses_the_workbook_naming_the_cell():
    # A program (here openpyxl) writes formulas it cannot calculate with no result: read as
    # blank, the answer would be lost without a word.
    data = _workbook({"A1": "row_id", "B1": "n", "A2": "R1", "B2": "=2*3"})
    message = _refused(data, "returns.xlsx")
    assert message.startswith("Cell B2 of the sheet \u2018Responses\u2019 holds a formula")
    assert "open the workbook in Excel or LibreOffice, save it and upload it again" in message
    saved = _saved_by_a_spreadsheet(data, {"B2": "6"})
    assert _read(saved, "returns.xlsx").cells.tolist() == [["R1", 6.0]]


def test_many_unsaved_formulas_are_named_three_at_a_time():
    cells = {"A1": "row_id", "B1": "n"} | {f"B{row}": f"={row}+1" for row in range(2, 7)}
    message = _refused(_workbook(cells | {f"A{r}": f"R{r}" for r in range(2, 7)}), "r.xlsx")
    assert message.startswith("Cells B2, B3, B4 and others of the sheet")


def test_an_empty_text_result_and_formulas_on_other_sheets_are_not_refused():
    data = _workbook(
        {"A1": "row_id", "B1": "note", "A2": "R1", "B2": '=IF(A2="R1","","x")'},
        Notes={"A1": "=1/0"},
    )
    saved = _saved_by_a_spreadsheet(data, {"B2": ""}, text=True)
    assert _read(saved, "returns.xlsx").cells.tolist() == [["R1", None]]


def test_merged_cells_are_reported_with_spreadsheet_positions():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [["row_id", "a", "b"], ["R1", 1, 2], ["R2", None, None]]:
        sheet.append(row)
    sheet.merge_cells("B2:B3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = _read(buffer.getvalue(), "returns.xlsx")
    assert table.merged == ((2, 1, 3, 1),)
    assert table.cells[1].tolist() == ["R2", None, None]  # calamine: merged = blank


def test_trailing_blank_rows_and_columns_are_dropped():
    table = _read(b"row_id,a,,\nR1,1,,\n,,,\n\n")
    assert table.header == ("row_id", "a")
    assert table.row_numbers.tolist() == [2]


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letters(index, letters):
    assert column_letter(index) == letters
