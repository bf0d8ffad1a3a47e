"""Writing the evidence workbook: small sheets with openpyxl, large ones streamed as XML.

Small sheets (cover, summaries, formulas, charts) are built with openpyxl. Large tables
(Responses, Audit extract) are streamed row by row straight into worksheet XML files on
disk, then spliced into the saved workbook in place of empty placeholder sheets. Why not
openpyxl's write-only mode for those: it measured 21 s for 100,000 rows x 26 cells on
this machine, over the whole pack's budget; the direct writer does the same in about 2 s,
in constant memory. Both paths write every text as a string cell (see safe_cells).
"""

from __future__ import annotations

import math
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from svcollect.evidence.pack_tables import (
    Formula,
    Sheet,
    Styled,
    column_letter,
    continuation_title,
    utc_naive,
)
from svcollect.evidence.safe_cells import safe_text

EXCEL_MAX_ROWS = 1_048_576
NUMBER_FORMATS = {
    "money": '"£"#,##0.00',
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _style(cell: XlCell, style: str | None) -> None:
    if style == "title":
        cell.font = Font(bold=True, size=14)
    elif style == "section":
        cell.font = Font(bold=True, size=12)
    elif style == "header":
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif style == "wrap":
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif style in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[style]


def put(cell: XlCell, value: Any) -> None:
    """Set a cell: text is always a string cell; only a Formula becomes a formula."""
    style = None
    if isinstance(value, Styled):
        value, style = value.value, value.style
    if isinstance(value, Formula):
        cell.value = value.text
        cell.data_type = "f"
    elif isinstance(value, str):
        text, quote = safe_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would read "=..." as a formula and "#N/A" as an error
        if quote:
            cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.value = utc_naive(value)
        style = style or "datetime"
    elif isinstance(value, float) and not math.isfinite(value):
        cell.value = str(value)
        cell.data_type = "s"
    else:
        cell.value = value
    _style(cell, style)


def _fill_sheet(ws: Worksheet, sheet: Sheet) -> None:
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                put(ws.cell(row=r, column=c), value)
    for column, width in sheet.widths.items():
        ws.column_dimensions[column_letter(column)].width = width
    if sheet.freeze:
        ws.freeze_panes = sheet.freeze
    for spec in sheet.charts:
        chart = BarChart()
        chart.type = "col"
        chart.title = spec.title
        chart.y_axis.title = spec.y_title
        chart.x_axis.delete = False  # newer Excel hides axes openpyxl leaves unset
        chart.y_axis.delete = False
        chart.height, chart.width = 8, 18
        c1, r1, c2, r2 = spec.data
        chart.add_data(Reference(ws, c1, r1, c2, r2), titles_from_data=True)
        c1, r1, c2, r2 = spec.categories
        chart.set_categories(Reference(ws, c1, r1, c2, r2))
        ws.add_chart(chart, spec.anchor)


# --- streamed sheets ---------------------------------------------------------------------


@dataclass
class StyleIds:
    """cellXfs indexes (registered through openpyxl) that streamed cells refer to."""

    header: int
    quote: int
    header_quote: int
    datetime: int
    date: int

    @classmethod
    def register(cls, workbook: Workbook) -> StyleIds:
        ws = workbook.worksheets[0]

        def make(header: bool, quote: bool, number_format: str | None = None) -> int:
            cell = XlCell(ws)  # detached: registers its style, is never written
            if header:
                _style(cell, "header")
            if quote:
                cell.quotePrefix = True
            if number_format:
                cell.number_format = number_format
            return int(cell.style_id)

        return cls(
            header=make(True, False),
            quote=make(False, True),
            header_quote=make(True, True),
            datetime=make(False, False, NUMBER_FORMATS["datetime"]),
            date=make(False, False, NUMBER_FORMATS["date"]),
        )


_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheetViews>'
    '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
    '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
)
_TAIL = (
    '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
    "</worksheet>"
)


def _xml_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")  # XML readers turn a raw CR into LF
    return text


class StreamedSheet:
    """One worksheet's XML, written to a file row by row (memory does not grow with rows)."""

    def __init__(self, title: str, path: Path, styles: StyleIds, widths: Mapping[int, float]):
        self.title = title
        self.path = path
        self.rows = 0
        self.columns = 0
        self._styles = styles
        self._letters: list[str] = []
        self._out: IO[str] = open(path, "w", encoding="utf-8", newline="", buffering=1 << 20)  # noqa: SIM115
        self._out.write(_HEAD)
        if widths:
            cols = "".join(
                f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                for c, w in sorted(widths.items())
            )
            self._out.write(f"<cols>{cols}</cols>")
        self._out.write("<sheetData>")

    def _letter(self, index: int) -> str:
        while len(self._letters) <= index:
            self._letters.append(column_letter(len(self._letters) + 1))
        return self._letters[index]

    def append(self, values: Sequence[Any]) -> None:
        self.rows += 1
        r = str(self.rows)
        parts = [f'<row r="{r}">']
        add = parts.append
        styles = self._styles
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = self._letter(i) + r
            header = False
            if type(value) is Styled:
                header = value.style == "header"
                value = value.value
            kind = type(value)
            if (kind is float and math.isfinite(value)) or kind is int:
                add(f'<c r="{ref}"><v>{value!r}</v></c>')
            elif kind is bool:
                add(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif kind is datetime:
                serial = to_excel(utc_naive(value))
                add(f'<c r="{ref}" s="{styles.datetime}"><v>{serial!r}</v></c>')
            elif kind is date:
                add(f'<c r="{ref}" s="{styles.date}"><v>{to_excel(value)!r}</v></c>')
            else:
                text, quote = safe_text(str(value))
                style = (styles.header_quote if quote else styles.header) if header else None
                if style is None and quote:
                    style = styles.quote
                s = f' s="{style}"' if style is not None else ""
                space = ' xml:space="preserve"' if text != text.strip() else ""
                add(f'<c r="{ref}" t="inlineStr"{s}><is><t{space}>{_xml_text(text)}</t></is></c>')
            if i >= self.columns:
                self.columns = i + 1
        add("</row>")
        self._out.write("".join(parts))

    def close(self) -> None:
        if self._out.closed:
            return
        self._out.write("</sheetData>")
        if self.rows > 1 and self.columns:
            self._out.write(f'<autoFilter ref="A1:{self._letter(self.columns - 1)}{self.rows}"/>')
        self._out.write(_TAIL)
        self._out.close()


@dataclass
class StreamedTable:
    """A table that continues on "Title (2)", "Title (3)", ... past `row_limit` rows a sheet.

    Each part repeats the header row; `data_rows` counts rows below the headers.
    """

    title: str
    header: Sequence[Any]
    folder: Path
    styles: StyleIds
    widths: Mapping[int, float] = field(default_factory=dict)
    row_limit: int = EXCEL_MAX_ROWS
    parts: list[StreamedSheet] = field(default_factory=list)
    data_rows: int = 0

    def __post_init__(self) -> None:
        if self.row_limit < 2:
            raise ValueError("A sheet needs room for the header and at least one row")
        self._new_part()

    def _new_part(self) -> None:
        number = len(self.parts) + 1
        name = f"{self.title.lower().replace(' ', '-')}-{number}.xml"
        part = StreamedSheet(
            continuation_title(self.title, number), self.folder / name, self.styles, self.widths
        )
        part.append(self.header)
        self.parts.append(part)

    def append(self, row: Sequence[Any]) -> None:
        if self.parts[-1].rows >= self.row_limit:
            self.parts[-1].close()
            self._new_part()
        self.parts[-1].append(row)
        self.data_rows += 1

    def close(self) -> None:
        for part in self.parts:
            part.close()

    @property
    def titles(self) -> list[str]:
        return [p.title for p in self.parts]


# --- the workbook ------------------------------------------------------------------------


class WorkbookBuilder:
    """Collects sheets in order, then saves one .xlsx with streamed parts spliced in."""

    def __init__(self) -> None:
        self.workbook = Workbook()
        self._first = True
        self.styles = StyleIds.register(self.workbook)
        self._streamed: dict[str, Path] = {}

    def _new_sheet(self, title: str) -> Worksheet:
        if self._first:
            ws = self.workbook.active
            assert isinstance(ws, Worksheet)
            ws.title = title
            self._first = False
            return ws
        return self.workbook.create_sheet(title)

    def add(self, sheet: Sheet) -> None:
        ws = self._new_sheet(sheet.title)
        _fill_sheet(ws, sheet)
        for name, ref in sheet.names.items():
            quoted = "'" + sheet.title.replace("'", "''") + "'"
            self.workbook.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!{ref}")

    def add_streamed(self, table: StreamedTable) -> None:
        table.close()
        for part in table.parts:
            self._new_sheet(part.title)  # placeholder, replaced on save
            self._streamed[part.title] = part.path

    def save(self, path: Path) -> None:
        """Save to `path`: openpyxl writes the workbook, then streamed sheets replace their
        placeholders (same sheet names, relationships and content types)."""
        draft = path.with_suffix(".draft.xlsx")
        self.workbook.save(draft)
        # Saving numbered the sheets; each sheet's part name is now fixed.
        replace = {
            self.workbook[title].path.lstrip("/"): xml for title, xml in self._streamed.items()
        }
        try:
            with (
                zipfile.ZipFile(draft) as source,
                zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as final,
            ):
                missing = set(replace) - set(source.namelist())
                if missing:
                    raise RuntimeError(f"placeholder sheets not found in the workbook: {missing}")
                for info in source.infolist():
                    if info.filename not in replace:
                        final.writestr(info, source.read(info.filename))
                        continue
                    with (
                        open(replace[info.filename], "rb") as src,
                        final.open(info.filename, "w", force_zip64=True) as dst,
                    ):
                        shutil.copyfileobj(src, dst, 1 << 20)
        finally:
            draft.unlink(missing_ok=True)
