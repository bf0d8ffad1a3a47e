"""Reading a collection's submitted answers into pandas, for scoring.

On PostgreSQL the query runs through an ADBC driver (Apache Arrow Database Connectivity),
which returns columns instead of a Python object per row: a million answers load in about
1.5 s instead of ten. On SQLite it runs through the driver's cursor: an ADBC SQLite driver
would put a second copy of SQLite in the process, and SQLite's file locks do not survive
that (https://www.sqlite.org/howtocorrupt.html, section 2.2.2). See tests/bench/.

Either way the rows arrive in chunks that are turned into typed columns as they come, so
memory holds the finished frame and one chunk, not every row as Python objects as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from svcollect.extensions import db

CHUNK_ROWS = 20_000  # answer (or code) rows per fetch on SQLite
BATCH_BYTES = str(4 * 2**20)  # size of each batch PostgreSQL's COPY streams (a hint)
ANSWER_COLUMNS = ["response_id", "respondent_code", "question_id", "value_text", "value_number"]

# Codes are read once per response, not once per answer: at a million answers, repeating a
# 64-character code on every row would double the bytes read.
_ANSWERS = (
    "SELECT answer.response_id, answer.question_id, answer.value_text, answer.value_number "
    "FROM answer JOIN response ON answer.response_id = response.id "
    "WHERE response.collection_id = {p} AND response.status = 'submitted'"
)
_CODES = (
    "SELECT id AS response_id, respondent_code FROM response "
    "WHERE collection_id = {p} AND status = 'submitted'"
)


def _postgres_frames(collection_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both queries through ADBC: PostgreSQL's COPY streams batches of about BATCH_BYTES,
    each turned into typed columns as it arrives.

    The collection id is written into the query as a number, not bound: COPY takes no
    parameters, and with a bound one the driver runs a plain query whose whole result
    libpq holds in memory first (about 100 MiB more at 700,000 answers).
    """
    import adbc_driver_postgresql
    import adbc_driver_postgresql.dbapi

    hint = {adbc_driver_postgresql.StatementOptions.BATCH_SIZE_HINT_BYTES.value: BATCH_BYTES}
    answers, codes = _answer_columns(), _code_columns()
    url = db.engine.url.set(drivername="postgresql")
    with adbc_driver_postgresql.dbapi.connect(url.render_as_string(hide_password=False)) as conn:
        for query, columns in ((_ANSWERS, answers), (_CODES, codes)):
            cursor = conn.cursor()
            try:
                cursor.adbc_statement.set_options(**hint)
                cursor.execute(query.format(p=int(collection_id)))
                for batch in cursor.fetch_record_batch():
                    columns.add(batch.columns)
            finally:
                cursor.close()
    return answers.frame(), codes.frame()


def _cursor_frames(collection_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both queries through the driver's cursor, CHUNK_ROWS rows at a time into typed columns.

    Only one chunk of Python row tuples is alive at once: fetching 700,000 answers at once
    held about 150 MiB of tuples, ints, floats and strings before any column existed.
    """
    answers, codes = _answer_columns(), _code_columns()
    with db.engine.connect() as connection:
        raw: Any = connection.connection.driver_connection
        cursor = raw.cursor()
        try:
            for query, columns in ((_ANSWERS, answers), (_CODES, codes)):
                cursor.execute(query.format(p="?"), (collection_id,))
                while rows := cursor.fetchmany(CHUNK_ROWS):
                    # One 2-D object array sliced into columns: far quicker than per row.
                    grid = np.array(rows, dtype=object).reshape(len(rows), len(columns.kinds))
                    columns.add([grid[:, i] for i in range(grid.shape[1])])
        finally:
            cursor.close()
    return answers.frame(), codes.frame()


# Each converter takes one chunk of a column, as an object array (SQLite) or an Arrow
# array (PostgreSQL), and returns it typed.


def _ints(values: Any) -> npt.NDArray[np.int64]:
    return np.asarray(values, dtype=np.int64)


def _floats(values: Any) -> npt.NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)  # None or null -> NaN


def _strings(values: Any) -> Any:
    return pd.array(values, dtype="string")  # None or null -> <NA>


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
            elif convert is _strings:
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


def _code_columns() -> _Columns:
    return _Columns(response_id=_ints, respondent_code=_strings)


def answers_frame(collection_id: int) -> pd.DataFrame:
    """Long frame of submitted answers (notes/CONTRACTS.md): one row per response and item.

    Answers are read before codes: a response submitted between the two queries only adds
    a code with no answers, which is dropped, so every answer row finds its code.

    Row order is not guaranteed; scorers do not depend on it.
    """
    collection_id = int(collection_id)
    if db.engine.dialect.name == "postgresql":
        frame, codes = _postgres_frames(collection_id)
    else:
        frame, codes = _cursor_frames(collection_id)
    # Both readers return typed columns already; only the codes are joined on. The frame is
    # changed in place, not copied: a copy would double it at its peak, the respondent codes
    # above all (64 bytes a row).
    code_of = pd.Series(codes["respondent_code"].array, index=codes["response_id"].array)
    per_row = code_of.reindex(frame["response_id"].to_numpy()).array
    frame.insert(1, "respondent_code", pd.Series(per_row, index=frame.index, copy=False))
    return frame
