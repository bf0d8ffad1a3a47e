"""Responses, Codebook and Audit extract rows: the wide answers table, built chunk by chunk (pure).

The services stream responses from the database a chunk at a time; `pivot_responses`
turns each chunk into one row per response, so no table is ever held whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from svcollect.evidence.pack_tables import Cell, Row, Sheet, Styled, header, utc_naive

RESPONSE_META = (
    "Response",
    "Collection",
    "Wave",
    "Questionnaire",
    "Respondent code",
    "Submitted on",
)
AUDIT_HEADER = ("When (UTC)", "Action", "By", "Object", "Object id", "Detail")


@dataclass(frozen=True)
class ResponseColumns:
    """The wide Responses layout: question columns after the fixed ones."""

    keys: tuple[tuple[str, str], ...]  # (questionnaire id, question id) per column
    numeric: frozenset[tuple[str, str]]

    @property
    def header(self) -> list[Cell]:
        return header(*RESPONSE_META, *(f"{q}.{item}" for q, item in self.keys), "Other answers")

    @property
    def width(self) -> int:
        return len(RESPONSE_META) + len(self.keys) + 1


def response_columns(questionnaires: Sequence[Mapping[str, Any]]) -> ResponseColumns:
    keys: dict[tuple[str, str], None] = {}
    numeric = set()
    for q in questionnaires:
        for item in q["questions"]:
            key = (q["id"], item["id"])
            keys[key] = None
            if item["type"] in ("scale", "number"):
                numeric.add(key)
    return ResponseColumns(tuple(keys), frozenset(numeric))


def pivot_responses(
    responses: Sequence[tuple[int, int, str | None, datetime | None]],
    answers: Iterable[tuple[int, str, str | None, float | None]],
    collections: Mapping[int, tuple[str, str, str]],
    columns: ResponseColumns,
) -> list[Row]:
    """One wide row per response. `responses`: (id, collection id, code, submitted at);
    `answers`: (response id, question id, text, number); `collections`: id -> (wave,
    questionnaire id, "id/vN"). Answers to unknown questions go to "Other answers"."""
    meta = len(RESPONSE_META)
    position = {key: meta + i for i, key in enumerate(columns.keys)}
    rows: dict[int, Row] = {}
    qid_of: dict[int, str] = {}
    for rid, cid, code, submitted in responses:
        wave, qid, label = collections[cid]
        row: Row = [None] * columns.width
        # The day only: a time of day could help someone work out who answered.
        when = utc_naive(submitted)
        day = when.date() if when else None
        row[:meta] = [rid, cid, wave, label, code, day]
        rows[rid] = row
        qid_of[rid] = qid
    numeric = columns.numeric
    other = columns.width - 1
    for rid, question, text, number in answers:
        row = rows[rid]
        key = (qid_of[rid], question)
        col = position.get(key)
        value: Cell = number if (key in numeric and number is not None) or text is None else text
        if col is None:
            row[other] = (
                f"{row[other]}; {question}={value}" if row[other] else f"{question}={value}"
            )
        else:
            row[col] = value
    return list(rows.values())


def _options(item: Mapping[str, Any]) -> str:
    text = "; ".join(f"{value} = {label}" for value, label in item.get("options", ()))
    if item.get("min") is not None or item.get("max") is not None:
        text = f"{text}; " if text else ""
        text += f"from {item.get('min', '')} to {item.get('max', '')}"
    return text


def codebook_sheet(questionnaires: Sequence[Mapping[str, Any]]) -> Sheet:
    sheet = Sheet("Codebook", widths={1: 30, 2: 16, 4: 66, 5: 16, 6: 20, 7: 60, 10: 66})
    sheet.add(Styled("Codebook: what each Responses column holds", "title"))
    sheet.add(
        *header(
            "Column",
            "Question id",
            "Page",
            "Question text",
            "Type",
            "Scale",
            "Options",
            "Questionnaire",
            "Version",
            "Content hash (SHA-256)",
        )
    )
    fixed = {
        "Response": "svcollect's number for the response (no link to any person)",
        "Collection": "the collection the response belongs to",
        "Wave": "baseline, follow_up or annual",
        "Questionnaire": "questionnaire id and version answered",
        "Respondent code": "keyed hash (HMAC) of the respondent code: links baseline and "
        "follow-up; not reversible, and differs between contracts",
        "Submitted on": "the day the response was submitted (UTC); the time of day is left out "
        "so that it cannot help identify anyone",
        "Other answers": "answers to questions not in the questionnaire file (normally empty)",
    }
    for name, text in fixed.items():
        sheet.add(name, None, None, text, "fixed")
    for q in questionnaires:
        for item in q["questions"]:
            sheet.add(
                f"{q['id']}.{item['id']}",
                item["id"],
                item.get("page"),
                item["text"],
                item["type"],
                item.get("scale"),
                _options(item),
                q["id"],
                q["version"],
                q["content_hash"],
            )
    return sheet


def audit_row(event: Mapping[str, Any]) -> Row:
    return [
        utc_naive(event["at"]),
        event["action"],
        event.get("actor") or "system",
        event.get("object_type"),
        event.get("object_id"),
        event.get("detail"),
    ]
