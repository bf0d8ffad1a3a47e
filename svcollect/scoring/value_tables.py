"""Imported value tables: validate row by row. ``svcollect.imports.value_tables`` reads the
uploaded CSV or XLSX file and fingerprints it."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from svcollect.scoring.deflators import UnknownPriceYearError, known_price_year, parse_price_year

COLUMNS = (
    "outcome_code",
    "description",
    "unit",
    "value",
    "price_year",
    "source",
    "licence",
    "deadweight_included",
)
REQUIRED_TEXT = ("outcome_code", "unit", "source", "licence")
YES = frozenset({"yes", "true", "y", "1"})
NO = frozenset({"no", "false", "n", "0"})


@dataclass(frozen=True)
class ValueTableError:
    """A problem in an imported table. Rows count from 1 for the header, as in a spreadsheet."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ValueTableEntry:
    """One outcome's value as imported."""

    outcome_code: str
    description: str
    unit: str
    value: float
    price_year: str
    source: str
    licence: str
    deadweight_included: bool
    row: int


@dataclass(frozen=True)
class ValueTable:
    """A validated value table; ``sha256`` fingerprints the uploaded bytes."""

    name: str
    sha256: str
    entries: Mapping[str, ValueTableEntry]

    def __len__(self) -> int:
        return len(self.entries)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    text = _text(raw).replace("£", "", 1)
    if "," in text:
        # 1,234.50 is thousands; 1234,5 is a decimal comma, and guessing would be 10 times out
        if not _THOUSANDS.fullmatch(text):
            return None
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _price_year(raw: Any) -> str | None:
    text = _text(raw)
    try:
        start, financial = parse_price_year(text)
    except UnknownPriceYearError:
        return None
    return f"{start}-{(start + 1) % 100:02d}" if financial else str(start)


#: the longest text each stored column takes (see svcollect/models/valuation.py)
MAX_LENGTHS = {"outcome_code": 60, "unit": 60, "licence": 300}
#: values are stored with 14 digits, 2 after the point
MAX_VALUE = 1e12


def _check_row(
    cells: Mapping[str, Any], row: int, errors: list[ValueTableError]
) -> ValueTableEntry | None:
    before = len(errors)
    for column in REQUIRED_TEXT:
        if not _text(cells[column]):
            errors.append(ValueTableError("enter a value", row, column))
    for column, limit in MAX_LENGTHS.items():
        if len(_text(cells[column])) > limit:
            errors.append(ValueTableError(f"must be {limit} characters or fewer", row, column))
    value = _number(cells["value"])
    if value is None:
        shown = _text(cells["value"])
        message = "enter a value" if not shown else f"{shown!r} is not a number"
        errors.append(ValueTableError(message, row, "value"))
    elif not math.isfinite(value):
        errors.append(ValueTableError("the value must be a finite number", row, "value"))
    elif value < 0:
        errors.append(ValueTableError(f"the value cannot be negative ({value:g})", row, "value"))
    elif value >= MAX_VALUE:
        errors.append(
            ValueTableError(f"the value must be less than £{MAX_VALUE:,.0f}", row, "value")
        )
    elif round(value, 2) != value:
        errors.append(
            ValueTableError(f"give the value in pounds and pence ({value:g})", row, "value")
        )
    price_year = _price_year(cells["price_year"])
    if price_year is None:
        shown = _text(cells["price_year"]) or "(blank)"
        errors.append(
            ValueTableError(
                f"{shown} is not a price year such as 2019 or 2019-20", row, "price_year"
            )
        )
    elif not known_price_year(price_year):
        errors.append(
            ValueTableError(
                f"{price_year} is not a year in the shipped GDP deflator series, so it cannot be "
                "converted to other price years",
                row,
                "price_year",
            )
        )
    flag = _text(cells["deadweight_included"]).lower()
    if flag not in YES | NO:
        errors.append(
            ValueTableError("enter yes or no (or true or false)", row, "deadweight_included")
        )
    if len(errors) > before:
        return None
    assert value is not None and price_year is not None
    return ValueTableEntry(
        outcome_code=_text(cells["outcome_code"]),
        description=_text(cells["description"]),
        unit=_text(cells["unit"]),
        value=value,
        price_year=price_year,
        source=_text(cells["source"]),
        licence=_text(cells["licence"]),
        deadweight_included=flag in YES,
        row=row,
    )


def validate_table(
    header: Sequence[Any],
    rows: Iterable[tuple[int, Sequence[Any]]],
    *,
    name: str,
    digest: str,
    header_row: int = 1,
) -> ValueTable | list[ValueTableError]:
    """Validate a table's rows under its header; blank rows are skipped.

    ``rows`` pairs each row with its number as the spreadsheet shows it, so every error
    names the row a person sees. Reading the file is ``svcollect.imports``' job.
    """
    names = [_text(c).lower() for c in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        return [ValueTableError(f"missing column(s): {', '.join(missing)}", header_row)]
    repeated = sorted({c for c in names if c and names.count(c) > 1})
    if repeated:
        return [
            ValueTableError(f"column(s) named more than once: {', '.join(repeated)}", header_row)
        ]
    position = {c: names.index(c) for c in COLUMNS}
    errors: list[ValueTableError] = []
    entries: dict[str, ValueTableEntry] = {}
    #: codes compared as a person reads them: 'MHFA' and 'mhfa' are the same outcome
    seen: dict[str, ValueTableEntry] = {}
    for number, raw in rows:
        if not any(_text(c) for c in raw):
            continue
        cells = {c: raw[i] if i < len(raw) else None for c, i in position.items()}
        entry = _check_row(cells, number, errors)
        if entry is None:
            continue
        key = entry.outcome_code.casefold()
        if key in seen:
            first = seen[key]
            same = "" if first.outcome_code == entry.outcome_code else f" as {first.outcome_code!r}"
            errors.append(
                ValueTableError(
                    f"outcome code {entry.outcome_code!r} is already used{same} in row {first.row}",
                    number,
                    "outcome_code",
                )
            )
            continue
        seen[key] = entry
        entries[entry.outcome_code] = entry
    if errors:
        return errors
    if not entries:
        return [ValueTableError("the table has no rows of values")]
    return ValueTable(name=name, sha256=digest, entries=entries)
