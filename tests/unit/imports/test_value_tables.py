"""Value table import: CSV and XLSX, row-and-column errors, and the shipped template."""

from __future__ import annotations

import io

import openpyxl

from svcollect.imports.value_tables import read_value_table
from svcollect.scoring import ValueTable
from svcollect.scoring.data_files import DATA_DIR
from svcollect.scoring.value_tables import COLUMNS

HEADER = ",".join(COLUMNS) + "\n"
GOOD = "W1,Feeling in control,per person per year,1234.5,2019,My bank v2,CC BY-NC-ND 4.0,yes\n"


def errors_of(text: str) -> list[str]:
    result = read_value_table(text.encode(), filename="table.csv")
    assert isinstance(result, list), "expected errors"
    return [str(e) for e in result]


def test_valid_csv() -> None:
    result = read_value_table(
        (HEADER + GOOD + ",,,,,,,\n" + "C2,x,unit,10,2020-21,src,lic,false\n").encode(),
        filename="table.CSV",
    )
    assert isinstance(result, ValueTable)
    assert len(result) == 2  # the blank row is skipped
    w1 = result.entries["W1"]
    assert (w1.value, w1.price_year, w1.deadweight_included, w1.row) == (1234.5, "2019", True, 2)
    assert result.entries["C2"].price_year == "2020-21"
    assert result.entries["C2"].row == 4
    assert len(result.sha256) == 64


def test_valid_xlsx() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    sheet.append(["W1", "desc", "per person", 250, 2019, "src", "lic", "no"])
    sheet.append([None] * 8)
    sheet.append(["W2", "desc", "per person", 99.5, "2019/20", "src", "lic", "TRUE"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_value_table(buffer.getvalue(), filename="bank.xlsx", name="bank")
    assert isinstance(result, ValueTable), result
    assert result.entries["W1"].value == 250
    assert result.entries["W1"].price_year == "2019"
    assert result.entries["W2"].price_year == "2019-20"
    assert result.entries["W2"].deadweight_included is True
    assert result.name == "bank"


def test_a_formula_without_a_saved_result_is_refused_not_read_as_blank() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    sheet.append(["W1", "desc", "per person", "=200*1.25", 2019, "src", "lic", "no"])
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl cannot calculate: the formula has no saved result
    result = read_value_table(buffer.getvalue(), filename="bank.xlsx", name="bank")
    assert isinstance(result, list)
    assert [str(error) for error in result] == [
        "Cell D2 of the sheet \u2018Sheet\u2019 holds a formula whose result was not saved in "
        "the file, so its value cannot be read (svcollect never runs formulas): open the "
        "workbook in Excel or LibreOffice, save it and upload it again"
    ]


def test_missing_columns_are_named() -> None:
    assert errors_of("outcome_code,value\nA,1\n") == [
        "Row 1: missing column(s): description, unit, price_year, source, licence, "
        "deadweight_included"
    ]


def test_text_in_a_number_column_names_row_and_column() -> None:
    errors = errors_of(HEADER + GOOD + "B,x,unit,about ten,2019,src,lic,no\n")
    assert errors == ["Row 3, column value: 'about ten' is not a number"]


def test_duplicate_outcome_codes() -> None:
    errors = errors_of(HEADER + GOOD + GOOD)
    assert errors == ["Row 3, column outcome_code: outcome code 'W1' is already used in row 2"]


def test_unknown_price_year() -> None:
    errors = errors_of(HEADER + "A,x,unit,1,2009,src,lic,no\nB,x,unit,1,soon,src,lic,no\n")
    assert errors[0].startswith("Row 2, column price_year: 2009 is not a year in the shipped")
    assert errors[1] == "Row 3, column price_year: soon is not a price year such as 2019 or 2019-20"


def test_negative_value_bad_flag_and_blank_required_fields() -> None:
    errors = errors_of(HEADER + "A,x,,-5,2019,,lic,maybe\n")
    assert errors == [
        "Row 2, column unit: enter a value",
        "Row 2, column source: enter a value",
        "Row 2, column value: the value cannot be negative (-5)",
        "Row 2, column deadweight_included: enter yes or no (or true or false)",
    ]


NO_VALUES = "There are no values under the header row: add one row for each outcome"


def test_empty_and_wrong_files() -> None:
    assert errors_of("") == ["The selected file is empty"]
    assert errors_of(" ,\n,,\n") == [
        "The file has no header row and no values: download the template, fill it in and upload it"
    ]
    assert errors_of(HEADER) == [NO_VALUES]
    result = read_value_table(b"x", filename="table.pdf")
    assert isinstance(result, list) and "CSV file or an Excel workbook" in str(result[0])
    broken = read_value_table(b"not a zip", filename="t.xlsx")
    assert isinstance(broken, list) and "is not an Excel workbook" in str(broken[0])
    damaged = read_value_table(b"PK\x03\x04" + b"\x00" * 40, filename="t.xlsx")
    assert isinstance(damaged, list)
    assert "Cannot detect" not in str(damaged[0]) and "xlsx" in str(damaged[0]).lower()


def test_a_csv_saved_with_semicolons_or_in_windows_encoding() -> None:
    semicolons = (HEADER + GOOD).replace(",", ";").replace("1234.5", "1234,5")
    result = read_value_table(semicolons.encode(), filename="t.csv")
    assert isinstance(result, list)  # a decimal comma is not a number svcollect guesses at
    assert [str(e) for e in result] == ["Row 2, column value: '1234,5' is not a number"]
    result = read_value_table((HEADER + GOOD).replace(",", ";").encode(), filename="t.csv")
    assert isinstance(result, ValueTable) and result.entries["W1"].value == 1234.5
    windows = (HEADER + GOOD.replace("Feeling", "Caf\u00e9")).encode("cp1252")
    refused = read_value_table(windows, filename="t.csv")
    assert isinstance(refused, list) and "Windows-1252" in str(refused[0])


def test_rows_keep_the_numbers_the_spreadsheet_shows_under_a_late_header() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([])
    sheet.append([])
    sheet.append(list(COLUMNS))
    sheet.append(["W1", "desc", "per person", "lots", 2019, "src", "lic", "no"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_value_table(buffer.getvalue(), filename="bank.xlsx")
    assert [str(e) for e in result] == ["Row 4, column value: 'lots' is not a number"]
    missing = read_value_table(b"\n\noutcome_code,value\nA,1\n", filename="t.csv")
    assert str(missing[0]).startswith("Row 3: missing column(s)")  # type: ignore[index]


def test_codes_differing_only_in_case_or_spaces_are_the_same_outcome() -> None:
    other = GOOD.replace("W1", " w1 ")
    assert errors_of(HEADER + GOOD + other) == [
        "Row 3, column outcome_code: outcome code 'w1' is already used as 'W1' in row 2"
    ]


def test_template_is_header_only() -> None:
    text = (DATA_DIR / "value_table_template.csv").read_text()
    assert text == HEADER
    assert errors_of(text) == [NO_VALUES]


def test_no_value_bank_figures_are_shipped() -> None:
    for path in DATA_DIR.iterdir():
        text = path.read_text().lower()
        assert "hact" not in text and "toms" not in text, path.name


def test_commas_are_thousands_only_where_they_group_three_figures() -> None:
    def value(text: str) -> object:
        row = GOOD.replace("1234.5", f'"{text}"')
        result = read_value_table((HEADER + row).encode(), filename="t.csv")
        return result.entries["W1"].value if isinstance(result, ValueTable) else str(result[0])

    assert value("1,234.50") == 1234.5
    assert value("£12,345") == 12345
    assert value("1234,5") == "Row 2, column value: '1234,5' is not a number"
    assert value("12,34") == "Row 2, column value: '12,34' is not a number"
