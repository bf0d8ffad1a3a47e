"""Turn checked content (plain data) into the immutable questionnaire model."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from .messages import default_messages
from .model import (
    DEFAULT_MAX_FILES,
    DEFAULT_MAX_LENGTH,
    FILE_TYPES,
    Audience,
    Condition,
    Licence,
    Operator,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Scalar,
    Scale,
)


def build_questionnaire(
    data: dict[str, Any], *, content_hash: str, path: Path | None = None
) -> Questionnaire:
    """Build the model; ``data`` must already have passed the shape and meaning checks."""
    scales = {scale_id: _scale(scale_id, raw) for scale_id, raw in data.get("scales", {}).items()}
    texts = {q["id"]: q["text"] for page in data["pages"] for q in page["questions"]}
    pages = tuple(_page(raw, scales, texts) for raw in data["pages"])
    licence = None
    if "licence" in data:
        raw = data["licence"]
        licence = Licence(
            owner=raw["owner"],
            notice=raw["notice"],
            registration_required=raw.get("registration_required", False),
            url=raw.get("url"),
        )
    return Questionnaire(
        id=data["id"],
        version=int(data["version"]),
        title=data["title"],
        description=data.get("description"),
        audience=tuple(cast(Audience, item) for item in data["audience"]),
        licence=licence,
        scorer=data["scorer"],
        scales=MappingProxyType(scales),
        pages=pages,
        content_hash=content_hash,
        path=path,
    )


def _options(raw: list[dict[str, Any]]) -> tuple[Option, ...]:
    return tuple(Option(item["value"], item["label"], item.get("hint")) for item in raw)


def _scale(scale_id: str, raw: dict[str, Any]) -> Scale:
    if "options" in raw:
        options = _options(raw["options"])
    else:
        low, high = raw["min"], raw["max"]
        # Numbered points; the end labels are shown as hints on the first and last point.
        ends = {low: raw.get("min_label"), high: raw.get("max_label")}
        options = tuple(
            Option(value, str(value), ends.get(value)) for value in range(low, high + 1)
        )
    return Scale(
        id=scale_id,
        options=options,
        min_label=raw.get("min_label"),
        max_label=raw.get("max_label"),
    )


def _condition(raw: Mapping[str, Any] | None) -> Condition | None:
    if raw is None:
        return None
    operator = next(key for key in raw if key != "question")
    value = raw[operator]
    if isinstance(value, list):
        value = tuple(value)
    return Condition(raw["question"], cast(Operator, operator), value)


def _meta(raw: Mapping[str, Any] | None) -> Mapping[str, Scalar]:
    return MappingProxyType(dict(raw or {}))


def _page(raw: dict[str, Any], scales: Mapping[str, Scale], texts: Mapping[str, str]) -> Page:
    return Page(
        id=raw["id"],
        title=raw["title"],
        intro=raw.get("intro"),
        show_if=_condition(raw.get("show_if")),
        meta=_meta(raw.get("meta")),
        questions=tuple(_question(item, raw["id"], scales, texts) for item in raw["questions"]),
    )


def _question(
    raw: dict[str, Any], page_id: str, scales: Mapping[str, Scale], texts: Mapping[str, str]
) -> Question:
    kind = cast(QuestionType, raw["type"])
    scale_id = raw.get("scale")
    options = scales[scale_id].options if scale_id else _options(raw.get("options", []))
    max_length = raw.get("max_length", DEFAULT_MAX_LENGTH.get(kind))
    accept: tuple[str, ...] = ()
    max_files = None
    if kind == "file":
        accept = tuple(raw.get("accept", FILE_TYPES))
        max_files = raw.get("max_files", DEFAULT_MAX_FILES)
    integer = bool(raw.get("integer", True))
    low, high = raw.get("min"), raw.get("max")
    if kind == "number" and integer:
        low = int(low) if low is not None else None
        high = int(high) if high is not None else None
    not_before = raw.get("not_before")
    messages = default_messages(
        type=kind,
        text=raw["text"],
        min=low,
        max=high,
        integer=integer,
        max_length=max_length,
        accept=accept,
        earlier=texts[not_before] if not_before else None,
    )
    messages.update(raw.get("messages", {}))
    return Question(
        id=raw["id"],
        type=kind,
        text=raw["text"],
        page_id=page_id,
        hint=raw.get("hint"),
        required=bool(raw.get("required", True)),
        options=options,
        scale=scale_id,
        min=low,
        max=high,
        integer=integer,
        max_length=max_length,
        accept=accept,
        max_files=max_files,
        not_before=not_before,
        messages=MappingProxyType(messages),
        show_if=_condition(raw.get("show_if")),
        meta=_meta(raw.get("meta")),
    )
