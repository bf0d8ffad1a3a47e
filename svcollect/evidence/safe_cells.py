"""Spreadsheet cell text that can never run as a formula (CSV/formula injection, OWASP).

The choice, for .xlsx files: every piece of text is written as a *string cell* (openpyxl
data type "s", an inline string in the file), so Excel stores it as text and never parses
it. Text starting with a character a spreadsheet treats as the start of a formula
(= + - @ tab, carriage return, and their full-width forms) also gets Excel's own
"quote prefix" flag: the cell then behaves exactly as if it had been typed with a leading
apostrophe, so it stays text even if someone edits it and presses Enter, or copies it
to a CSV. The text itself is not changed (no apostrophe is added to the value), so an
auditor reads exactly what the person wrote.

The only other changes: characters XML 1.0 cannot hold (most control characters) become
U+FFFD, and text longer than Excel's 32,767-character cell limit is cut with a visible
note. (On the small sheets written by openpyxl a carriage return is read back as a line
feed, as XML normalises line ends; the large streamed sheets keep it.) Pure: no Flask,
no openpyxl.
"""

from __future__ import annotations

import re

#: OWASP CSV injection prefixes, plus the full-width forms some spreadsheet locales accept
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
EXCEL_CELL_LIMIT = 32_767
CUT_NOTE = " … [cut at Excel's 32,767-character cell limit]"
# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def needs_quote_prefix(text: str) -> bool:
    """Whether a spreadsheet would read this text as the start of a formula."""
    return text.startswith(FORMULA_PREFIXES)


def clean_text(text: str) -> str:
    """Text a worksheet can hold: XML-illegal characters replaced, over-long text cut visibly."""
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("\ufffd", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(CUT_NOTE)] + CUT_NOTE
    return text


def safe_text(text: str) -> tuple[str, bool]:
    """(text to store, whether the cell needs the quote prefix)."""
    text = clean_text(text)
    return text, needs_quote_prefix(text)
