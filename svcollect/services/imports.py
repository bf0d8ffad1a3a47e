"""Importing paper returns from a spreadsheet into a collection: every row or none, once.

Reading and checking the file is ``svcollect.imports`` (pure); this module stores what it
found. Each row's ``row_id`` gives its response a fixed idempotency key, so uploading
the same file again adds nothing twice: rows already imported are skipped and counted.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
from flask_babel import gettext as _
from psycopg import sql as psycopg_sql
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from svcollect.database import among_literals
from svcollect.evidence.filetypes import sanitise_name
from svcollect.extensions import db
from svcollect.imports import (
    MAX_ROWS,
    ImportCheck,
    ImportProblem,
    ValidRows,
    check_file,
    template_csv,
    template_xlsx,
)
from svcollect.imports.cells import not_none
from svcollect.models import Answer, Collection, ImportBatch, Response, User
from svcollect.models._types import UK, utcnow
from svcollect.models.jobs import ImportJob
from svcollect.questionnaires import Questionnaire
from svcollect.services import audit
from svcollect.services.collections import uk_today
from svcollect.services.contracts import deletion_for
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.respondent_codes import (
    ALPHABET,
    hash_code,
    memorable_code,
    normalise_code,
)
from svcollect.services.respondents import respondent_ids
from svcollect.services.responses import sha256_hex

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: letters as the online journey takes them (any alphabet: Welsh initials such as Ŵ or Ô too)
_MEMORABLE = re.compile(r"M:?([^\W\d_]{2})([0-9]{1,2})([^\W\d_]{2})")
_CHUNK = 5000
RACE_MESSAGE = (
    "Some of these rows were imported by another upload at the same moment, so nothing from "
    "this file was saved: upload it again and the rows already imported will be skipped"
)


class ImportRefused(ValueError):
    """This collection cannot take imported responses; the message says why."""


@dataclass(frozen=True)
class ImportOutcome:
    """What an upload did: the problems (and nothing stored), or how many rows went in."""

    problems: tuple[ImportProblem, ...] = ()
    problem_count: int = 0
    imported: int = 0
    already_imported: int = 0
    blank_rows: int = 0
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


def refusal(collection: Collection) -> str | None:
    """Why this collection cannot take imports, or None if it can."""
    if collection.access == "supplier":
        return _(
            "Supplier declarations are made by signed-in suppliers with their evidence, "
            "so they cannot be imported from a spreadsheet"
        )
    if deletion_for(collection.contract_id) is not None:
        return _(
            "This contract's survey answers were deleted at the end of their retention "
            "period and only its results are kept, so it takes no more responses"
        )
    return None


def read_paper_code(text: str) -> tuple[str, str] | None:
    """A respondent code written on a paper return, as the web journey would store it."""
    issued = normalise_code(text)
    if issued is not None:
        return issued, "entered"
    match = _MEMORABLE.fullmatch(re.sub(r"\s", "", unicodedata.normalize("NFC", text).upper()))
    if match is None:
        return None
    canonical = memorable_code(match[1], match[2], match[3])
    return (canonical, "memorable") if canonical else None


def questionnaire_of(collection: Collection) -> Questionnaire:
    return questionnaire_for(collection.questionnaire_version)


def template_file(collection: Collection, kind: str) -> tuple[bytes, str, str]:
    """The template's bytes, download name and media type (``kind``: xlsx or csv)."""
    questionnaire = questionnaire_of(collection)
    name = f"import-template-{questionnaire.id}-v{questionnaire.version}-{collection.id}.{kind}"
    if kind == "xlsx":
        return template_xlsx(questionnaire), name, XLSX_TYPE
    return template_csv(questionnaire), name, "text/csv"


def check_upload(collection: Collection, file_name: str, data: bytes) -> ImportCheck:
    """Read and check a file for this collection without storing anything."""
    questionnaire = questionnaire_of(collection)
    return check_file(
        data,
        file_name,
        questionnaire,
        read_paper_code,
        max_rows=MAX_ROWS,
        opens_on=collection.opens_at.astimezone(UK).date(),
        today=uk_today(),
    )


def completed_instant(day: date) -> datetime:
    """When a paper form filled in on the UK ``day`` counts as started and submitted.

    Noon UK time, not midnight: the dashboards and evidence pack periods go by UK days,
    and noon is the same calendar day in UTC too (UK midnight in summer is 23:00 UTC the
    day before; the evidence pack's Responses sheet shows the UTC date), so every view of
    the timestamp shows the day written on the form. A collection set up in the service
    opens at UK midnight, so noon on its first day is inside its window.
    """
    return datetime.combine(day, time(12), tzinfo=UK).astimezone(UTC)


def import_responses(
    collection: Collection, file_name: str, data: bytes, actor: User | None = None
) -> ImportOutcome:
    """Check the file and, only if every row is valid, store its new rows in one transaction."""
    reason = refusal(collection)
    if reason is not None:
        raise ImportRefused(reason)
    check = check_upload(collection, file_name, data)
    if check.rows is None:
        return ImportOutcome(check.problems, check.problem_count)
    return store_rows(collection, check.rows, file_name, hashlib.sha256(data).hexdigest(), actor)


def import_key(collection: Collection, row_id: str) -> str:
    return sha256_hex(f"import:{collection.id}:{row_id}")


def store_rows(
    collection: Collection,
    rows: ValidRows,
    file_name: str,
    sha256: str,
    actor: User | None = None,
    *,
    job: ImportJob | None = None,
) -> ImportOutcome:
    """Store the rows not imported before, with an ImportBatch and an audit event.

    A background ``job`` is marked done in the same transaction, so a job that says done
    always has its rows stored, and one that stopped part way has none.
    """
    keys = [import_key(collection, row_id) for row_id in rows.row_ids]
    existing = _existing(keys)
    new = np.array([i for i, key in enumerate(keys) if key not in existing], dtype=np.intp)
    try:
        if new.size:
            ids = _insert_responses(collection, rows, keys, new)
            _insert_answers(rows, new, ids)
        batch = ImportBatch(
            collection_id=collection.id,
            file_name=sanitise_name(file_name, 200),
            sha256=sha256,
            rows_imported=int(new.size),
            rows_already_imported=len(keys) - int(new.size),
            imported_by_id=actor.id if actor is not None else None,
        )
        db.session.add(batch)
        db.session.flush()
        audit.record(
            "responses_imported",
            actor=actor,
            obj=batch,
            organisation_id=collection.contract.buyer_id,
            collection_id=collection.id,
            rows_imported=batch.rows_imported,
            rows_already_imported=batch.rows_already_imported,
            sha256=sha256,
        )
        if job is not None:
            job.status, job.progress, job.finished_at = "done", 100, utcnow()
            job.batch_id, job.blank_rows, job.message = batch.id, rows.blank_rows, "Imported"
        db.session.commit()
    except IntegrityError:
        # Another upload stored some of the same rows first: this one stores nothing.
        db.session.rollback()
        return ImportOutcome((ImportProblem(None, None, RACE_MESSAGE),), 1)
    except BaseException:
        db.session.rollback()
        raise
    return ImportOutcome(
        imported=int(new.size),
        already_imported=len(keys) - int(new.size),
        blank_rows=rows.blank_rows,
        batch_id=batch.id,
    )


def _chunks(items: list[Any], size: int = _CHUNK) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _existing(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys):
        found.update(
            db.session.scalars(
                select(Response.idempotency_key).where(
                    among_literals(Response.idempotency_key, chunk)
                )
            )
        )
    return found


def _references(count: int) -> list[str]:
    """New response references (as ``responses.new_reference``), unused so far."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = count - len(chosen)
        # 256 is a multiple of 32, so each byte picks a letter without bias.
        letters = np.frombuffer(secrets.token_bytes(wanted * 8), dtype=np.uint8) % 32
        alphabet = np.array(list(ALPHABET))
        made = {"SV-" + "".join(row) for row in alphabet[letters.reshape(wanted, 8)]}
        made -= chosen
        for chunk in _chunks(sorted(made)):
            made -= set(
                db.session.scalars(
                    select(Response.reference).where(among_literals(Response.reference, chunk))
                )
            )
        chosen |= made
    return sorted(chosen)[:count]


def _insert_responses(
    collection: Collection, rows: ValidRows, keys: list[str], new: np.ndarray
) -> list[int]:
    """Insert the new rows' responses; their ids, in the order of ``new``."""
    version = collection.questionnaire_version
    salt = collection.contract.respondent_salt
    now = utcnow()
    references = _references(len(new))
    # Random and never issued: nobody holds a resume link to an imported response.
    resume = secrets.token_bytes(32 * len(new)).hex()
    shared = {
        "collection_id": collection.id,
        "questionnaire_version_id": version.id,
        "questionnaire_id": version.questionnaire_id,
        "questionnaire_version": version.version,
        "questionnaire_hash": version.content_hash,
        "consent_given": True,
        "status": "submitted",
        "started_at": now,
        "updated_at": now,
        "submitted_at": now,
    }
    # In table order: the columns that differ from row to row sit together.
    varying = ["idempotency_key", "resume_key_hash", "reference", "respondent_id", "code_source"]
    chosen = new.tolist()
    hashes = [hash_code(salt, code[0]) if (code := rows.codes[i]) else None for i in chosen]
    respondent_of = respondent_ids(h for h in hashes if h is not None)
    completed = rows.completed_on or [None] * len(rows)
    # One insert per day written in completed_on (None: the import time), so the dates
    # stay shared values: a file holds at most a few hundred different days.
    by_day: dict[date | None, list[tuple[Any, ...]]] = defaultdict(list)
    for n, i in enumerate(chosen):
        code, code_hash = rows.codes[i], hashes[n]
        by_day[completed[i]].append(
            (
                keys[i],
                resume[n * 64 : (n + 1) * 64],
                references[n],
                None if code_hash is None else respondent_of[code_hash],
                code[1] if code else None,
            )
        )
    for day, records in by_day.items():
        # updated_at stays the import time: when this record was written.
        when = now if day is None else completed_instant(day)
        fixed = {**shared, "started_at": when, "submitted_at": when}
        _bulk_insert(Response.__table__, fixed, varying, records)
    ids: dict[str, int] = {}
    for chunk in _chunks([keys[i] for i in new.tolist()]):
        ids.update(
            (key, rid)
            for rid, key in db.session.execute(
                select(Response.id, Response.idempotency_key).where(
                    among_literals(Response.idempotency_key, chunk)
                )
            )
        )
    return [ids[keys[i]] for i in new.tolist()]


def _insert_answers(rows: ValidRows, new: np.ndarray, ids: list[int]) -> None:
    response_ids = np.array(ids, dtype=np.int64)
    records: list[tuple[Any, ...]] = []
    for question_id, (texts, numbers) in rows.answers.items():
        chosen_texts = texts[new]
        given = np.flatnonzero(not_none(chosen_texts))
        chosen_numbers = numbers[new][given]
        values = [None if math.isnan(v) else v for v in chosen_numbers.tolist()]
        records.extend(
            zip(
                response_ids[given].tolist(),
                [question_id] * len(given),
                chosen_texts[given].tolist(),
                values,
                strict=True,
            )
        )
    varying = ["response_id", "question_id", "value_text", "value_number"]
    _bulk_insert(Answer.__table__, {"answered_at": utcnow()}, varying, records)


def _bulk_insert(
    table: Table, fixed: dict[str, Any], varying: list[str], records: list[tuple[Any, ...]]
) -> None:
    """Insert many rows at driver speed on the session's connection, in its transaction.

    The ORM's per-row parameter handling costs about 20 s for a million answers; here the
    values shared by every row go through the column types once, and PostgreSQL takes the
    rows with COPY. Only strings, numbers and None vary from row to row, and ``varying``
    must be neighbouring columns, in table order.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    order = [
        column.name for column in table.columns if column.name in fixed or column.name in varying
    ]
    start = order.index(varying[0])
    if order[start : start + len(varying)] != varying:
        raise ValueError(f"{varying} are not neighbouring columns of {table.name}")
    shared = {}
    for name, value in fixed.items():
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        shared[name] = process(value) if process else value
    head = tuple(shared[name] for name in order[:start])
    tail = tuple(shared[name] for name in order[start + len(varying) :])
    cursor = connection.connection.cursor()
    try:
        if dialect.name == "postgresql":
            statement = psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(
                psycopg_sql.Identifier(table.name),
                psycopg_sql.SQL(", ").join(psycopg_sql.Identifier(name) for name in order),
            )
            with cursor.copy(statement) as copy:
                for record in records:
                    copy.write_row(head + record + tail)
        else:
            compiled = table.insert().compile(dialect=dialect, column_keys=order)
            if list(compiled.positiontup or ()) != order:
                raise ValueError(f"unexpected parameter order for {table.name}")
            for chunk in _chunks(records, 50_000):
                cursor.executemany(str(compiled), [head + record + tail for record in chunk])
    except dialect.loaded_dbapi.IntegrityError as error:
        # As SQLAlchemy would raise it, so the caller handles one kind of error.
        raise IntegrityError(f"bulk insert into {table.name}", None, error) from error
    finally:
        cursor.close()
