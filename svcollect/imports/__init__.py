"""Spreadsheet import of paper returns: read a file, check every row, say what to store.

Pure Python (no Flask, no ORM): :func:`read_table` turns XLSX or CSV bytes into cells,
:func:`check_table` applies the web form's answer rules and the questionnaire's
conditions to every row, and the template functions write the file people fill in.
Storing the rows is ``svcollect.services.imports``' job.
"""

from __future__ import annotations

from datetime import date

from svcollect.questionnaires import Questionnaire

from .codebook import (
    COMPLETED_ON,
    FIXED_COLUMNS,
    RESPONDENT_CODE,
    ROW_ID,
    CodebookRow,
    codebook,
    importable,
    not_importable,
    template_columns,
)
from .problems import FileRefused, ImportProblem
from .reading import Table, read_table
from .template import template_csv, template_xlsx
from .validate import MAX_PROBLEMS, CodeReader, ImportCheck, ValidRows, check_table

#: rows one file may hold; a bigger file is refused (split it)
MAX_ROWS = 200_000

__all__ = [
    "COMPLETED_ON",
    "FIXED_COLUMNS",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "RESPONDENT_CODE",
    "ROW_ID",
    "CodeReader",
    "CodebookRow",
    "FileRefused",
    "ImportCheck",
    "ImportProblem",
    "Table",
    "ValidRows",
    "check_file",
    "check_table",
    "codebook",
    "importable",
    "not_importable",
    "read_table",
    "template_columns",
    "template_csv",
    "template_xlsx",
]


def check_file(
    data: bytes,
    file_name: str,
    questionnaire: Questionnaire,
    read_code: CodeReader,
    *,
    max_rows: int = MAX_ROWS,
    opens_on: date | None = None,
    today: date | None = None,
) -> ImportCheck:
    """Read and check an uploaded file; a file that cannot be read is one problem.

    ``opens_on`` and ``today`` are the UK days completed_on dates must lie between.
    """
    try:
        table = read_table(data, file_name, max_rows=max_rows)
    except FileRefused as refused:
        return ImportCheck((ImportProblem(None, None, str(refused)),), 1, None)
    return check_table(table, questionnaire, read_code, opens_on=opens_on, today=today)
