"""Cells as text, a column at a time: what a person reads in each cell of the sheet.

The work is done once per distinct value in a column (pandas ``factorize`` hashes in C),
not once per cell: a 100,000-row column of answers on a 1 to 5 scale costs five
conversions. Numbers Excel stores as 3.0 read as "3"; dates read as ISO dates.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

ObjectArray = npt.NDArray[np.object_]
_type_of = np.frompyfunc(type, 1, 1)
#: whole numbers up to here convert to int exactly; beyond, floats skip whole numbers
_EXACT_INTEGER = 2.0**53


def is_none(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Where an array of cells holds None (an empty cell)."""
    return np.asarray(pd.isna(values), dtype=bool)


def not_none(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    return ~is_none(values)


def clean_text(value: str) -> str:
    """NFC-normalised, without surrounding spaces: as the web form cleans typed text."""
    return unicodedata.normalize("NFC", value).strip()


def per_distinct(values: ObjectArray, convert: Callable[[Any], Any]) -> ObjectArray:
    """``convert`` applied once per distinct value, spread back over every cell."""
    out = np.empty(len(values), dtype=object)
    if len(values) == 0:
        return out
    codes, uniques = pd.factorize(values)
    converted = np.empty(len(uniques), dtype=object)
    for index, value in enumerate(uniques):  # one by one: a tuple must stay one value
        converted[index] = convert(value)
    out[:] = converted[codes]
    return out


def _string(value: str) -> str | None:
    return clean_text(value) or None


def _float(number: float) -> str:
    value = float(number)  # numpy's float64 would repr as "np.float64(...)"
    if value.is_integer() and abs(value) < _EXACT_INTEGER:
        return str(int(value))
    return repr(value)


def _other(value: Any) -> str | None:
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return _string(str(value))


def column_text(values: ObjectArray, *, all_text: bool = False) -> ObjectArray:
    """Each cell as text (see :func:`clean_text`); None where the cell is blank.

    ``all_text`` says every cell is a str or None (as in a CSV file), which skips
    sorting the cells by type.
    """
    out = np.full(len(values), None, dtype=object)
    if all_text:
        filled = not_none(values)
        out[filled] = per_distinct(values[filled], _string)
        return out
    kinds: ObjectArray = np.asarray(_type_of(values), dtype=object)
    for kind in pd.unique(kinds):
        if kind is type(None):
            continue
        mask = kinds == kind
        chosen = values[mask]
        if kind is str:
            out[mask] = per_distinct(chosen, _string)
        elif kind is bool:
            out[mask] = np.where(chosen.astype(bool), "TRUE", "FALSE")
        elif kind is float:
            out[mask] = per_distinct(chosen.astype(np.float64), _float)
        elif kind is int:  # calamine gives floats; ints are kept exact however large
            out[mask] = per_distinct(chosen, str)
        else:
            out[mask] = per_distinct(chosen, _other)
    return out
