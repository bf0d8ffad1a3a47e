"""A fake language for translation tests: each message's letters full-width ("Ｔｏｔａｌ").

Placeholders are kept, so filled messages still read; any plain ASCII letter left in
translated text (once the data a test put in is taken out) is English never marked.
"""

from __future__ import annotations

import re

from babel.dates import format_date

from svcollect import i18n

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
LETTER = re.compile(r"[A-Za-z]")
WIDE_LETTER = re.compile("[Ａ-Ｚａ-ｚ]")


def wide(text: str) -> str:
    """ASCII letters as their full-width forms, placeholders kept."""
    out, last = [], 0
    for match in PLACEHOLDER.finditer(text):
        out += [wide_letters(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*out, wide_letters(text[last:])])


def wide_letters(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in text)


#: the fake language as a translator for pure code (dates: English month names, full-width)
WIDE = i18n.Translator(
    wide,
    lambda singular, plural, num: wide(singular if num == 1 else plural),
    lambda day, pattern: wide_letters(format_date(day, pattern, locale="en")),
)


def english_left(text: str, data: tuple[str, ...] | list[str]) -> str:
    """The plain letters left in ``text`` once ``data`` is taken out ('' if none)."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return "".join(LETTER.findall(text))
