"""Reading an uploaded spreadsheet (XLSX or CSV) into a grid of raw cells, or refusing it.

XLSX is read with python-calamine (Rust): formulas are never evaluated, a formula cell
gives only the value Excel saved with it, and text that looks like a formula is just text.
A workbook written by a program rather than saved by Excel may hold formulas with no saved
value; calamine reads those as blank, so such a workbook is refused, naming the cells.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

import defusedxml.ElementTree as SafeTree
import numpy as np
import numpy.typing as npt
import python_calamine

from svcollect.evidence.filetypes import detect

from .cells import not_none
from .problems import FileRefused

#: the template's first sheet; another workbook is read from its first worksheet
RESPONSES_SHEET = "Responses"
MAX_COLUMNS = 1000
SAVE_AS_CSV_UTF8 = (
    "In Excel choose File > Save As and pick \u2018CSV UTF-8 (Comma delimited) (*.csv)\u2019"
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_SPREADSHEET = (
    "The selected file is not a spreadsheet: choose an Excel workbook (.xlsx) or a CSV file"
)
_BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ")
_MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<table|<body|<head)", re.IGNORECASE)


@dataclass(frozen=True)
class Rows:
    """What the rows of a file hold, for the messages about a file with none."""

    #: what the rows under the header hold ("answers")
    contents: str = "answers"
    #: what each row is ("paper return")
    each: str = "paper return"


PAPER_RETURNS = Rows()


@dataclass(frozen=True)
class Table:
    """The cells of one sheet under its header row.

    ``cells`` holds the raw values (str, float, int, bool, date, datetime; None when the
    cell is empty), one row per spreadsheet row below the header, blank rows included.
    """

    header: tuple[str, ...]
    cells: npt.NDArray[np.object_]
    row_numbers: npt.NDArray[np.int64]
    header_row: int
    kind: str
    #: merged ranges as (first row, first column, last row, last column); rows numbered as
    #: the spreadsheet shows them, columns from 0
    merged: tuple[tuple[int, int, int, int], ...] = ()
    sheet: str | None = None

    @property
    def n_rows(self) -> int:
        return int(self.cells.shape[0])


def read_table(data: bytes, file_name: str, *, max_rows: int, rows: Rows = PAPER_RETURNS) -> Table:
    """The table in an uploaded file; :class:`FileRefused` says why it cannot be read.

    ``rows`` words the messages about a file with no rows for what its rows hold.
    """
    if not data:
        raise FileRefused("The selected file is empty")
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, max_rows, rows)
    if data.startswith(_OLE):
        raise FileRefused(
            "The selected file is an older Excel workbook (.xls) or another Office file: "
            "open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8"
        )
    if data.startswith(_BINARY_MAGIC):
        raise FileRefused(_NOT_SPREADSHEET)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise FileRefused(
            "The selected file is saved as \u2018Unicode text\u2019 (UTF-16), which cannot be "
            f"read. {SAVE_AS_CSV_UTF8}, then upload the new file"
        )
    if _MARKUP.match(data[:512]):
        raise FileRefused(
            "The selected file is a web page (HTML or XML), not a spreadsheet, even if its "
            "name ends .xls: open it in Excel and save it as an Excel Workbook (.xlsx)"
        )
    if extension in ("xlsx", "xlsm", "xls"):
        raise FileRefused(
            f"The selected file\u2019s name ends .{extension} but it is not an Excel "
            "workbook: choose the workbook itself, or save your data as CSV UTF-8"
        )
    return _read_csv(data, max_rows, rows)


# --- XLSX --------------------------------------------------------------------------------


def _read_xlsx(data: bytes, max_rows: int, words: Rows) -> Table:
    # The evidence checks refuse zip bombs and zip files that are not workbooks.
    verdict = detect(data, "upload.xlsx", ("xlsx",))
    if verdict.file_type != "xlsx":
        raise FileRefused(
            "The selected file is a zip archive, not an Excel workbook (.xlsx) that can be "
            "read safely: choose the workbook itself, or save your data as CSV UTF-8"
        )
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if not names:
            raise FileRefused("The workbook has no worksheet to read")
        name = RESPONSES_SHEET if RESPONSES_SHEET in names else names[0]
        sheet = workbook.get_sheet_by_name(name)
        if sheet.height - 1 > max_rows:
            raise FileRefused(_too_many_rows(sheet.height - 1, max_rows))
        if sheet.width > MAX_COLUMNS:
            raise FileRefused(_too_many_columns(sheet.width))
        # From A1, so row and column positions are the ones the spreadsheet shows.
        rows = sheet.to_python(skip_empty_area=False)
        merged = tuple(
            (r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
        )
    except python_calamine.PasswordError:
        raise FileRefused(
            "The workbook is protected with a password: remove the password in Excel "
            "(File > Info > Protect Workbook) and upload it again"
        ) from None
    except (python_calamine.CalamineError, ValueError, OSError) as error:
        if isinstance(error, FileRefused):
            raise
        raise FileRefused(
            "The workbook could not be read (it may be damaged): open it in Excel, save it "
            "again as an Excel Workbook (.xlsx) and upload the new file"
        ) from None
    unsaved = uncalculated_cells(data, name)
    if unsaved:
        cells = ", ".join(unsaved[:3]) + (" and others" if len(unsaved) > 3 else "")
        raise FileRefused(
            f"Cell{'s' if len(unsaved) > 1 else ''} {cells} of the sheet "
            f"\u2018{name}\u2019 hold{'' if len(unsaved) > 1 else 's'} a formula whose result "
            "was not saved in the file, so its value cannot be read (svcollect never runs "
            "formulas): open the workbook in Excel or LibreOffice, save it and upload it again"
        )
    grid = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    if rows:
        grid[:, :] = rows
    grid[grid == ""] = None
    return _table(grid, "xlsx", merged, name, words)


#: any formula element, with or without a namespace prefix: most sheets have none, and
#: then the sheet is not parsed a second time
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")
_TEXT_TYPES = frozenset({"str", "s", "inlineStr"})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the worksheet named ``sheet``, by the workbook's own links."""

    def target(rels_path: str, base: str, wanted: str) -> str | None:
        for relation in SafeTree.fromstring(archive.read(rels_path)):
            if relation.get("Id") == wanted or relation.get("Type", "").endswith(wanted):
                link = relation.get("Target", "")
                return link.lstrip("/") if link.startswith("/") else posixpath.join(base, link)
        return None

    workbook = target("_rels/.rels", "", "/officeDocument")
    if workbook is None:
        return None
    base, name = posixpath.split(workbook)
    ids = [
        element.attrib[key]
        for element in SafeTree.fromstring(archive.read(workbook)).iter()
        if _local(element.tag) == "sheet" and element.get("name") == sheet
        for key in element.attrib
        if _local(key) == "id"
    ]
    if not ids or ids[0] is None:
        return None
    return target(posixpath.join(base, "_rels", f"{name}.rels"), base, ids[0])


def uncalculated_cells(data: bytes, sheet: str) -> list[str]:
    """The cells of ``sheet`` holding a formula with no saved result (A1 references).

    An empty result of a text formula (``=IF(A1="","",…)`` saved by Excel) is a saved
    value; a number cell with an empty value is what a program that cannot calculate writes.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return []
            xml = archive.read(part)
    except (KeyError, zipfile.BadZipFile, SafeTree.ParseError):
        return []  # calamine has read the sheet: nothing more to learn here
    if not _FORMULA.search(xml):
        return []
    found: list[str] = []
    for _event, cell in SafeTree.iterparse(io.BytesIO(xml)):
        if _local(cell.tag) != "c":
            continue
        parts = {_local(child.tag): child for child in cell}
        value = parts.get("v")
        if (
            "f" in parts
            and (value is None or not (value.text or ""))
            and cell.get("t") not in _TEXT_TYPES
        ):
            found.append(cell.get("r") or "?")
        cell.clear()
    return found


# --- CSV ---------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        guess = ""
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            guess = (
                " It looks like it was saved as \u2018CSV (Comma delimited)\u2019, which uses "
                "the Windows-1252 encoding."
            )
        raise FileRefused(
            f"The file is not saved as UTF-8 text, so some characters cannot be read (the "
            f"first is on line {line}).{guess} {SAVE_AS_CSV_UTF8}, then upload the new file"
        ) from None


def _delimiter(text: str) -> str:
    # Excel saves CSV with the list separator of the computer's region: ';' in much of
    # Europe. Multiple choice answers use ';' inside cells, so look at the header only.
    first = next((line for line in text.splitlines() if line.strip()), "")
    for candidate in (",", ";", "\t"):
        if candidate in first:
            return candidate
    return ","


def _read_csv(data: bytes, max_rows: int, words: Rows) -> Table:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > max_rows + 1 and any(cell.strip() for cell in row):
                raise FileRefused(_too_many_rows(len(rows) - 1, max_rows, at_least=True))
    except csv.Error as error:
        raise FileRefused(
            f"The CSV file could not be read at line {reader.line_num} ({error}): check that "
            f"quotation marks are paired, or {SAVE_AS_CSV_UTF8[0].lower()}{SAVE_AS_CSV_UTF8[1:]}"
        ) from None
    width = max((len(row) for row in rows), default=0)
    if width > MAX_COLUMNS:
        raise FileRefused(_too_many_columns(width))
    grid = np.empty((len(rows), width), dtype=object)
    for index, row in enumerate(rows):
        grid[index, : len(row)] = row
    grid[grid == ""] = None
    return _table(grid, "csv", (), None, words)


# --- shared ------------------------------------------------------------------------------


def _too_many_rows(count: int, max_rows: int, *, at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return (
        f"The file has {more}{count:,} rows under the header; import at most {max_rows:,} "
        "rows at a time: split it into smaller files"
    )


def _too_many_columns(count: int) -> str:
    return f"The file has {count:,} columns; the template has far fewer: use the template"


def _table(
    grid: npt.NDArray[np.object_],
    kind: str,
    merged: tuple[tuple[int, int, int, int], ...],
    sheet: str | None,
    words: Rows,
) -> Table:
    filled = not_none(grid)
    rows = _real(grid, np.flatnonzero(filled.any(axis=1)), axis=0)
    if not rows:
        raise FileRefused(
            f"The file has no header row and no {words.contents}: download the template, "
            "fill it in and upload it"
        )
    header_index, last = rows[0], rows[-1]
    if last == header_index:
        raise FileRefused(
            f"There are no {words.contents} under the header row: add one row for each {words.each}"
        )
    width = _real(grid, np.flatnonzero(filled.any(axis=0)), axis=1)[-1] + 1
    header = tuple(_header_text(value) for value in grid[header_index, :width])
    body = grid[header_index + 1 : last + 1, :width]
    numbers = np.arange(header_index + 2, last + 2, dtype=np.int64)
    return Table(header, body, numbers, header_index + 1, kind, merged, sheet)


def _real(grid: npt.NDArray[np.object_], candidates: npt.NDArray[np.intp], axis: int) -> list[int]:
    """The first and last of ``candidates`` (rows or columns) with more than spaces in them.

    Only the ends are searched, so this costs a row or two, not the whole sheet.
    """

    def real(index: int) -> bool:
        line = grid[index] if axis == 0 else grid[:, index]
        return any(not isinstance(v, str) or v.strip() for v in line if v is not None)

    first = next((int(i) for i in candidates if real(int(i))), None)
    if first is None:
        return []
    last = next(int(i) for i in candidates[::-1] if real(int(i)))
    return [first, last]


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
