"""Reading a collection's submitted answers into pandas, for scoring.

On PostgreSQL the query runs through an ADBC driver (Apache Arrow Database Connectivity),
which returns columns instead of a Python object per row: a million answers load in about
1.5 s instead of ten. On SQLite it runs through the driver's cursor: an ADBC SQLite driver
would put a second copy of SQLite in the process, and SQLite's file locks do not survive
that (https://www.sqlite.org/howtocorrupt.html, section 2.2.2). See tests/bench/.

Answers come out in chunks of whole responses (answer_chunks), each read in batches that
are turned into typed columns as they arrive: scoring a collection holds one chunk of
answers at a time, whatever the collection's size, plus the per-response scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from svcollect.extensions import db

CHUNK_ROWS = 10_000  # answer rows per fetch on SQLite
CHUNK_RESPONSES = 5_000  # responses per chunk of answer_chunks (70,000 WEMWBS answers)
BATCH_BYTES = str(4 * 2**20)  # size of each batch PostgreSQL's COPY streams (a hint)
ANSWER_COLUMNS = ["response_id", "respondent", "question_id", "value_text", "value_number"]

# A chunk is the next CHUNK_RESPONSES submitted responses by id, then their answers. Each
# response's respondent (the id of its respondent code's row, or null) is read once per
# response and given to its answers here.
_RESPONSES = (
    "SELECT id AS response_id, respondent_id AS respondent FROM response "
    "WHERE collection_id = {p} AND status = 'submitted' AND id > {p} ORDER BY id LIMIT {p}"
)
_ANSWERS = (
    "SELECT answer.response_id, answer.question_id, answer.value_text, answer.value_number "
    "FROM answer JOIN response ON answer.response_id = response.id "
    "WHERE response.collection_id = {p} AND response.status = 'submitted' "
    "AND answer.response_id BETWEEN {p} AND {p} AND response.id BETWEEN {p} AND {p}"
)  # the range on both sides of the join: else PostgreSQL scans every response per chunk


class _Postgres:
    """Queries through ADBC: PostgreSQL's COPY streams batches of about BATCH_BYTES, each
    turned into typed columns as it arrives.

    Numbers are written into the query, not bound: COPY takes no parameters, and with a
    bound one the driver runs a plain query whose whole result libpq holds in memory first
    (about 100 MiB more at 700,000 answers). Every number passes through int() first.
    """

    def __enter__(self) -> _Postgres:
        import adbc_driver_postgresql.dbapi

        url = db.engine.url.set(drivername="postgresql")
        self.conn = adbc_driver_postgresql.dbapi.connect(url.render_as_string(hide_password=False))
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.close()

    def read(self, query: str, numbers: tuple[int, ...], columns: _Columns) -> pd.DataFrame:
        import adbc_driver_postgresql

        hint = {adbc_driver_postgresql.StatementOptions.BATCH_SIZE_HINT_BYTES.value: BATCH_BYTES}
        cursor = self.conn.cursor()
        try:
            cursor.adbc_statement.set_options(**hint)
            cursor.execute(query.replace("{p}", "{}").format(*(int(n) for n in numbers)))
            for batch in cursor.fetch_record_batch():
                columns.add(batch.columns)
        finally:
            cursor.close()
        return columns.frame()


class _Cursor:
    """Queries through the driver's cursor, CHUNK_ROWS rows at a time into typed columns.

    Only one fetch of Python row tuples is alive at once: fetching 700,000 answers at once
    held about 150 MiB of tuples, ints, floats and strings before any column existed.
    """

    def __enter__(self) -> _Cursor:
        self.connection = db.engine.connect()
        raw: Any = self.connection.connection.driver_connection
        self.cursor = raw.cursor()
        return self

    def __exit__(self, *_: object) -> None:
        self.cursor.close()
        self.connection.close()

    def read(self, query: str, numbers: tuple[int, ...], columns: _Columns) -> pd.DataFrame:
        self.cursor.execute(query.replace("{p}", "?"), numbers)
        while rows := self.cursor.fetchmany(CHUNK_ROWS):
            # One 2-D object array sliced into columns: far quicker than per row.
            grid = np.array(rows, dtype=object).reshape(len(rows), len(columns.kinds))
            columns.add([grid[:, i] for i in range(grid.shape[1])])
        return columns.frame()


# Each converter takes one chunk of a column, as an object array (SQLite) or an Arrow
# array (PostgreSQL), and returns it typed.


def _ints(values: Any) -> npt.NDArray[np.int64]:
    return np.asarray(values, dtype=np.int64)


def _floats(values: Any) -> npt.NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)  # None or null -> NaN


def _strings(values: Any) -> Any:
    return pd.array(values, dtype="string")  # None or null -> <NA>


def _nullable_ints(values: Any) -> Any:
    if isinstance(values, pa.Array):
        numbers = pc.fill_null(values, 0).to_numpy().astype(np.int64, copy=False)
        missing = values.is_null().to_numpy(zero_copy_only=False)
        return pd.arrays.IntegerArray(numbers, missing)
    return pd.array(values, dtype="Int64")  # None -> <NA>


class _QuestionCodes:
    """Question ids as integer codes, one number per distinct id across every chunk."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def __call__(self, values: Any) -> npt.NDArray[np.int32]:
        if isinstance(values, pa.Array):
            encoded = pc.dictionary_encode(values)
            uniques = encoded.dictionary.to_pylist()
            local = pc.fill_null(encoded.indices, len(uniques)).to_numpy()
        else:
            local, uniques = pd.factorize(values)  # a missing id is -1
        lut = [self.numbers.setdefault(q, len(self.numbers)) for q in uniques]
        return np.asarray([*lut, -1], dtype=np.int32)[local]  # a missing id stays -1

    def join(self, parts: list[npt.NDArray[np.int32]]) -> pd.Categorical[str]:
        names = sorted(self.numbers)  # as astype("category") orders them
        order = np.full(len(names) + 1, -1, dtype=np.int32)
        order[[self.numbers[q] for q in names]] = np.arange(len(names), dtype=np.int32)
        codes = order[np.concatenate(parts)] if parts else np.empty(0, dtype=np.int32)
        return pd.Categorical.from_codes(codes, categories=pd.Index(names))


class _Columns:
    """A query's result gathered chunk by chunk into typed column pieces, then one frame."""

    def __init__(self, **kinds: Any) -> None:
        self.kinds = kinds
        self.parts: dict[str, list[Any]] = {name: [] for name in kinds}

    def add(self, chunk: list[Any]) -> None:
        for values, (name, convert) in zip(chunk, self.kinds.items(), strict=True):
            self.parts[name].append(convert(values))

    def frame(self) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        for name, convert in self.kinds.items():
            # Each column's pieces go as soon as it is joined: the join never holds more
            # than one column twice.
            parts = self.parts.pop(name)
            if isinstance(convert, _QuestionCodes):
                columns[name] = convert.join(parts)
            elif not parts:
                columns[name] = convert(np.empty(0, dtype=object))
            elif convert is _strings or convert is _nullable_ints:
                columns[name] = pd.concat(
                    [pd.Series(p, copy=False) for p in parts], ignore_index=True
                ).array
            else:
                columns[name] = np.concatenate(parts)
        return pd.DataFrame(columns, copy=False)


def _answer_columns() -> _Columns:
    return _Columns(
        response_id=_ints, question_id=_QuestionCodes(), value_text=_strings, value_number=_floats
    )


def _response_columns() -> _Columns:
    return _Columns(response_id=_ints, respondent=_nullable_ints)


def _with_respondents(frame: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """The answers of the responses in ``responses``, each row given its response's respondent.

    Answers of any other response are dropped: one submitted after its chunk's responses
    were read is not in ``responses``, and is read with the next computation instead.
    """
    respondent_of = pd.Series(responses["respondent"].array, index=responses["response_id"].array)
    frame = frame[frame["response_id"].isin(respondent_of.index)].reset_index(drop=True)
    per_row = respondent_of.reindex(frame["response_id"].to_numpy()).array
    frame.insert(1, "respondent", pd.Series(per_row, index=frame.index, copy=False))
    return frame


def answer_chunks(
    collection_id: int, response_ids: Iterable[int] | None = None
) -> Iterator[pd.DataFrame]:
    """Long frames of submitted answers (notes/CONTRACTS.md), whole responses per frame.

    Each frame holds the answers of up to CHUNK_RESPONSES responses, in response id order,
    so a per-response scorer can score a collection of any size in bounded memory.
    ``response_ids`` keeps only those responses. Row order within a frame is not
    guaranteed; question_id's categories are the frame's own.
    """
    collection_id = int(collection_id)
    wanted = None if response_ids is None else np.fromiter(response_ids, dtype=np.int64)
    reader = _Postgres() if db.engine.dialect.name == "postgresql" else _Cursor()
    with reader:
        after = 0
        while True:
            numbers: tuple[int, ...] = (collection_id, after, CHUNK_RESPONSES)
            responses = reader.read(_RESPONSES, numbers, _response_columns())
            if not len(responses):
                return
            ids = responses["response_id"].to_numpy()
            after = int(ids[-1])
            if wanted is not None:
                responses = responses[np.isin(ids, wanted)]
                if not len(responses):
                    continue
            first = int(ids[0])
            numbers = (collection_id, first, after, first, after)
            yield _with_respondents(reader.read(_ANSWERS, numbers, _answer_columns()), responses)


def empty_answers() -> pd.DataFrame:
    """An answers frame with no rows and the contract's columns and types."""
    return _with_respondents(_answer_columns().frame(), _response_columns().frame())


def answers_frame(collection_id: int, response_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """All of a collection's submitted answers in one frame (for small collections and
    checks; scoring goes chunk by chunk through answer_chunks).

    Row order is not guaranteed; scorers do not depend on it.
    """
    frames = list(answer_chunks(collection_id, response_ids))
    if not frames:
        return empty_answers()
    questions = union_categoricals([f["question_id"].array for f in frames], sort_categories=True)
    frame = pd.concat([f.drop(columns="question_id") for f in frames], ignore_index=True)
    frame.insert(2, "question_id", pd.Series(questions, index=frame.index))
    return frame
