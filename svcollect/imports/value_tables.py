"""Reading an uploaded value table (CSV or XLSX) and handing its rows to the scorer's checks.

The file is read as paper returns are (:func:`read_table`): zip bombs and files lying about
their type are refused, formulas are never run, a CSV saved with semicolons or in Windows
encoding is recognised, and every row keeps the number the spreadsheet shows.
"""

from __future__ import annotations

import hashlib

from svcollect.scoring.value_tables import ValueTable, ValueTableError, validate_table

from .problems import FileRefused
from .reading import Rows, read_table

#: rows one value table may hold; tables in use have tens or hundreds
MAX_VALUE_TABLE_ROWS = 20_000
EXTENSIONS = ("csv", "xlsx", "xlsm", "xls")
VALUES = Rows(contents="values", each="outcome")


def read_value_table(
    content: bytes, *, filename: str, name: str | None = None
) -> ValueTable | list[ValueTableError]:
    """The value table in an uploaded file, or the problems that stop it being imported.

    No values ship with svcollect: users import tables they are licensed to use (DOMAIN.md
    3.3). ``sha256`` fingerprints the bytes as uploaded.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        return [
            ValueTableError("The selected file must be a CSV file or an Excel workbook (.xlsx)")
        ]
    try:
        table = read_table(content, filename, max_rows=MAX_VALUE_TABLE_ROWS, rows=VALUES)
    except FileRefused as refused:
        return [ValueTableError(str(refused))]
    return validate_table(
        table.header,
        zip((int(n) for n in table.row_numbers), table.cells.tolist(), strict=True),
        name=name or filename,
        digest=hashlib.sha256(content).hexdigest(),
        header_row=table.header_row,
    )
