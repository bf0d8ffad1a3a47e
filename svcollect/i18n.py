"""Translatable text for pure code (charts, scoring): no Flask, English unless told otherwise.

Pure packages may not import Flask-Babel, so they mark their text with the functions here,
which `make translations-template` extracts like any other (``gettext``, ``ngettext`` and
``N_`` are Babel's default keywords). Each call looks its message up with the translator
of the current context: by default English (the message itself), and during a request
the catalogue of the request's language (`svcollect.web.translation`). A ContextVar, not
a global, so one request's language never reaches another's.

Messages use named placeholders, ``%(name)s``, never f-strings, so translators see whole
sentences. Like the templates' ``_()``, every message is %-formatted, so a per cent sign
is written ``%%`` ("95%% CI"); ``ngettext`` also fills ``%(num)d`` with the count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date as babel_format_date


def _english(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, num: int) -> str:
    return singular if num == 1 else plural


def _english_date(day: date, pattern: str) -> str:
    return str(babel_format_date(day, pattern, locale="en"))


@dataclass(frozen=True)
class Translator:
    """How to write text in one language: look a message up, pick a message's form for a
    count (``gettext.NullTranslations``'s gettext and ngettext: no placeholders filled),
    and write a date with a CLDR pattern ("d MMMM y") and the language's month names."""

    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]
    format_date: Callable[[date, str], str]


ENGLISH = Translator(_english, _english_plural, _english_date)

_current: ContextVar[Translator] = ContextVar("svcollect_translator", default=ENGLISH)


def gettext(message: str, **variables: object) -> str:
    """``message`` in the current language, its ``%(name)s`` placeholders filled."""
    return _current.get().gettext(message) % variables


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """The form of a message for ``num`` in the current language (``%(num)d`` is ``num``)."""
    return _current.get().ngettext(singular, plural, num) % {"num": num, **variables}


def N_(message: str) -> str:
    """Mark a message kept in a constant (Babel's keyword for "extract, do not translate yet"):
    it is translated where it is shown, with `translated`."""
    return message


def translated(message: str) -> str:
    """A message marked with `N_` (or content from a catalogue), in the current language.

    Nothing is %-formatted, so a per cent sign in it is written as it is (as `content()`
    does for questionnaire text in templates).
    """
    return _current.get().gettext(message) if message else message


def format_date(day: date, pattern: str) -> str:
    """A date in the current language, e.g. ``format_date(day, "d MMMM y")``: 2 March 2026."""
    return _current.get().format_date(day, pattern)


def current() -> Translator:
    return _current.get()


def install(translator: Translator) -> Token[Translator]:
    """Use ``translator`` in this context until `reset` with the token returned."""
    return _current.set(translator)


def reset(token: Token[Translator]) -> None:
    _current.reset(token)


@contextmanager
def translating(translator: Translator) -> Iterator[Translator]:
    """Use ``translator`` inside the block (tests, or a job writing in one language)."""
    token = install(translator)
    try:
        yield translator
    finally:
        reset(token)
