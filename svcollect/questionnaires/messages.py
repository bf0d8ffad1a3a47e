"""Default validation messages for questions, written for the person answering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal, get_args

MessageKey = Literal[
    "required",
    "invalid",
    "year",
    "year_range",
    "too_small",
    "too_large",
    "too_long",
    "too_early",
]
#: every key, in the order the Literal lists them
MESSAGE_KEYS: Final[tuple[MessageKey, ...]] = get_args(MessageKey)

#: The years a date answer (or any date typed into svcollect) may have: real dates here are
#: never outside them, and the day after 31 December 9999 cannot be reckoned.
FIRST_YEAR: Final[int] = 1900
LAST_YEAR: Final[int] = 2200

_SELECT_TYPES = frozenset({"scale", "single_choice", "yes_no"})
_TEXT_TYPES = frozenset({"short_text", "long_text"})


def format_number(value: float) -> str:
    """A number as people read it: 100,000 and 0.5, never 100000.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}"


def _or_list(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def default_message(
    key: MessageKey,
    *,
    type: str,
    text: str,
    min: float | None = None,
    max: float | None = None,
    integer: bool = True,
    max_length: int | None = None,
    accept: Sequence[str] = (),
    earlier: str | None = None,
) -> str:
    """The message shown for ``key`` when the questionnaire file does not give one.

    ``earlier`` is the text of the question a date must not be before (``not_before``).
    """
    quoted = f"\u2018{text.strip()}\u2019"  # curly quotes, as GOV.UK content uses
    answer = f"Your answer to {quoted}"
    if key == "required":
        if type in _SELECT_TYPES:
            return f"Select an answer for {quoted}"
        if type == "multiple_choice":
            return f"Select at least one answer for {quoted}"
        if type == "number":
            return f"Enter a number for {quoted}"
        if type == "date":
            return f"Enter a date for {quoted}"
        if type == "file":
            return f"Select a file for {quoted}"
        return f"Enter an answer for {quoted}"
    if key == "invalid":
        if type == "number":
            return f"{answer} must be {'a whole number' if integer else 'a number'}"
        if type == "date":
            return f"{answer} must be a real date"
        if type == "file":
            kinds = [kind.upper() for kind in accept] or ["an allowed type"]
            return f"The selected file must be a {_or_list(kinds)}"
        if type in _SELECT_TYPES or type == "multiple_choice":
            return f"Select one of the options shown for {quoted}"
        return f"Enter a valid answer for {quoted}"
    if key == "year":
        return f"{answer} must include a year with 4 numbers"
    if key == "year_range":
        return f"{answer} must be in a year from {FIRST_YEAR} to {LAST_YEAR}"
    if key == "too_small":
        if min is not None:
            return f"{answer} must be {format_number(min)} or more"
        return f"{answer} is too small"
    if key == "too_large":
        if type == "file":
            return "The selected file is too large"
        if max is not None:
            return f"{answer} must be {format_number(max)} or less"
        return f"{answer} is too large"
    if key == "too_early":
        if earlier is not None:
            return (
                f"{answer} must be the same as or after your answer to "
                f"\u2018{earlier.strip()}\u2019"
            )
        return f"{answer} is too early"
    if max_length is not None:
        return f"{answer} must be {format_number(max_length)} characters or fewer"
    return f"{answer} is too long"


def default_messages(
    *,
    type: str,
    text: str,
    min: float | None = None,
    max: float | None = None,
    integer: bool = True,
    max_length: int | None = None,
    accept: Sequence[str] = (),
    earlier: str | None = None,
) -> dict[str, str]:
    """Every message key with its default for a question of this kind."""
    return {
        key: default_message(
            key,
            type=type,
            text=text,
            min=min,
            max=max,
            integer=integer,
            max_length=max_length,
            accept=accept,
            earlier=earlier,
        )
        for key in MESSAGE_KEYS
    }


def applicable_message_keys(type: str) -> frozenset[MessageKey]:
    """The message keys a question of this type can use (others are a mistake in the file)."""
    keys: set[MessageKey] = {"required", "invalid"}
    if type == "number":
        keys |= {"too_small", "too_large"}
    if type == "file":
        keys.add("too_large")
    if type in _TEXT_TYPES:
        keys.add("too_long")
    if type == "date":
        keys |= {"year", "year_range", "too_early"}
    return frozenset(keys)
