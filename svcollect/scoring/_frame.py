"""Pivot the long answers frame into per-response item matrices (vectorised, order-free)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

ANSWER_COLUMNS = ("response_id", "respondent", "question_id", "value_text", "value_number")


def check_answers(answers: pd.DataFrame) -> None:
    """Refuse a frame that does not follow the answers contract (notes/CONTRACTS.md)."""
    if not isinstance(answers, pd.DataFrame):
        raise TypeError(f"answers must be a pandas DataFrame, not {type(answers).__name__}")
    missing = [c for c in ANSWER_COLUMNS if c not in answers.columns]
    if missing:
        raise ValueError(f"answers frame is missing column(s): {', '.join(missing)}")
    if len(answers) and not pd.api.types.is_integer_dtype(answers["response_id"].dtype):
        raise ValueError("answers column response_id must hold whole numbers")
    if len(answers) and not pd.api.types.is_numeric_dtype(answers["value_number"].dtype):
        raise ValueError("answers column value_number must be numeric (NaN when not a number)")


def item_index(questions: pd.Series, items: Sequence[str]) -> npt.NDArray[np.int64]:
    """Position of each row's question in ``items``; -1 for any other question.

    A categorical question_id is mapped through its categories (cheap); any other dtype
    is factorised first.
    """
    position = {q: i for i, q in enumerate(items)}
    if isinstance(questions.dtype, pd.CategoricalDtype):
        categories = questions.cat.categories
        codes = questions.cat.codes.to_numpy()
    else:
        codes, categories = pd.factorize(questions)
    lut = np.array([position.get(str(c), -1) for c in categories] + [-1], dtype=np.int64)
    return lut[codes]  # code -1 (missing question id) reads the trailing -1


@dataclass(frozen=True)
class ResponseIndex:
    """Sorted unique response ids and each row's position among them."""

    ids: npt.NDArray[np.int64]
    row_codes: npt.NDArray[np.int64]

    @classmethod
    def of(cls, answers: pd.DataFrame) -> ResponseIndex:
        raw = answers["response_id"].to_numpy(dtype=np.int64)
        codes, uniques = pd.factorize(raw, sort=True)
        return cls(ids=np.asarray(uniques, dtype=np.int64), row_codes=codes.astype(np.int64))

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class ItemMatrix:
    """Answers to a fixed list of items, one row per response (all responses in the frame).

    ``values`` is NaN where there is no usable value; ``present`` marks that an answer row
    exists; ``invalid`` marks a row whose value is outside the allowed set; ``duplicated``
    marks responses with two rows for one item; ``row_of`` is, per response, the frame row
    of its lowest-numbered item present (-1 if none), used to read the respondent code.
    """

    items: tuple[str, ...]
    response_ids: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    present: npt.NDArray[np.bool_]
    invalid: npt.NDArray[np.bool_]
    duplicated: npt.NDArray[np.bool_]
    row_of: npt.NDArray[np.int64]

    @property
    def usable(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.values)

    @property
    def missing(self) -> npt.NDArray[np.bool_]:
        """No answer at all, or an answer row with no value (not the same as invalid)."""
        return ~self.usable & ~self.invalid


def item_matrix(
    answers: pd.DataFrame,
    items: Sequence[str],
    *,
    scale: tuple[float, float] | None = None,
    options: Mapping[str, float] | None = None,
    index: ResponseIndex | None = None,
) -> ItemMatrix:
    """Pivot the long frame for ``items``.

    Numeric items read ``value_number``; with ``scale=(lo, hi)`` a value that is not a whole
    number in lo..hi is invalid. Choice items pass ``options`` (text -> number) and read
    ``value_text``; text not among the options is invalid.
    """
    index = index or ResponseIndex.of(answers)
    n_resp, n_items = len(index), len(items)
    item_pos = item_index(answers["question_id"], items)
    rows = np.flatnonzero(item_pos >= 0)
    flat = index.row_codes[rows] * n_items + item_pos[rows]
    counts = np.bincount(flat, minlength=n_resp * n_items).reshape(n_resp, n_items)

    if options is None:
        raw = answers["value_number"].to_numpy(dtype=np.float64, na_value=np.nan)[rows]
        bad = np.zeros(len(rows), dtype=bool)
        if scale is not None:
            lo, hi = scale
            finite = ~np.isnan(raw)
            bad = finite & ((raw < lo) | (raw > hi) | (raw != np.floor(raw)))
    else:
        text = answers["value_text"].iloc[rows]
        mapped = text.map(dict(options))
        raw = mapped.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isnan(raw) & text.notna().to_numpy()
    raw = np.where(bad, np.nan, raw)

    values = np.full(n_resp * n_items, np.nan)
    values[flat] = raw
    invalid = np.zeros(n_resp * n_items, dtype=bool)
    invalid[flat] = bad
    row_at = np.full(n_resp * n_items, -1, dtype=np.int64)
    row_at[flat] = rows
    present = counts > 0
    first = np.argmax(present, axis=1)
    row_of = np.where(
        present.any(axis=1), row_at.reshape(n_resp, n_items)[np.arange(n_resp), first], -1
    )
    return ItemMatrix(
        items=tuple(items),
        response_ids=index.ids,
        values=values.reshape(n_resp, n_items),
        present=present,
        invalid=invalid.reshape(n_resp, n_items),
        duplicated=np.asarray((counts > 1).any(axis=1), dtype=bool),
        row_of=row_of,
    )


def respondents(answers: pd.DataFrame, rows: npt.NDArray[np.int64]) -> pd.Series:
    """The respondent of each given frame row (a response-level value on every row).

    A respondent is an opaque key: the app gives integer ids (nullable Int64), and any
    hashable values work; <NA> where a response has no respondent code.
    """
    keys = answers["respondent"].iloc[rows].reset_index(drop=True)
    if isinstance(keys.dtype, pd.CategoricalDtype):
        keys = keys.astype(object)
    if keys.dtype == object:
        keys = keys.convert_dtypes()  # Python strings -> string, Python ints -> Int64
    return keys


def scores_frame(
    response_ids: npt.NDArray[np.int64], codes: pd.Series, columns: Mapping[str, object]
) -> pd.DataFrame:
    """The per-response frame: index response_id, respondent first, then score columns."""
    index = pd.Index(response_ids, name="response_id", dtype=np.int64)
    data: dict[str, object] = {"respondent": codes.array}
    data.update(columns)
    return pd.DataFrame(data, index=index)


def count_lookup(template: str, n_items: int) -> npt.NDArray[np.object_]:
    """Reason strings for 0..n_items, e.g. 'incomplete: {k} of {n} items missing'."""
    return np.array([template.format(k=k, n=n_items) for k in range(n_items + 1)], dtype=object)
