"""What goes wrong in an import, said for the person who has to fix the spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One problem. ``row`` is the row number as the spreadsheet shows it (the header is
    row 1 in the template); ``None`` for problems with the whole file."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class FileRefused(ValueError):
    """The file cannot be read as a table at all; the message says why and what to do."""


def column_letter(index: int) -> str:
    """Spreadsheet column letters for a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def shown(value: str, limit: int = 40) -> str:
    """A cell's text quoted for a message, cut short so a long cell cannot flood the list."""
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"\u2018{text}\u2019"
