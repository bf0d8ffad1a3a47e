"""Respondent codes: link baseline and follow-up answers without knowing who answered.

A code is either issued (derived from the response's secret resume key, so it can be shown
again on the confirmation page without storing it), typed in from an earlier survey, or
made from memorable answers. Only an HMAC of the code under the contract's salt is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

# Crockford's base 32: no I, L, O or U, so codes survive being read aloud or written down.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_LENGTH = 9


def issued_code(secret_key: str, resume_key: str) -> str:
    digest = hmac.new(secret_key.encode(), b"code:" + resume_key.encode(), "sha256").digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, 32)
        chars.append(ALPHABET[index])
    code = "".join(chars)
    return f"{code[0:3]}-{code[3:6]}-{code[6:9]}"


def normalise_code(text: str) -> str | None:
    """Canonical form of a typed code, or None if it cannot be a code we issued."""
    cleaned = re.sub(r"[\s\-–—_.]", "", text.upper()).translate(CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def memorable_code(parent_initials: str, birth_day: str, town_letters: str) -> str | None:
    """Canonical self-generated code, or None if the parts are not in the expected form."""
    # NFC first: "Ŵ" typed as W plus a combining circumflex is the same letter
    initials = re.sub(r"\s", "", unicodedata.normalize("NFC", parent_initials)).upper()
    town = re.sub(r"\s", "", unicodedata.normalize("NFC", town_letters)).upper()
    day_text = birth_day.strip()
    if not (initials.isalpha() and len(initials) == 2 and town.isalpha() and len(town) == 2):
        return None
    # isdecimal, not isdigit: "²" is a digit that int() cannot read
    if not day_text.isdecimal() or not 1 <= int(day_text) <= 31:
        return None
    return f"M:{initials}{int(day_text):02d}{town}"


def hash_code(contract_salt: str, canonical: str) -> str:
    return hmac.new(contract_salt.encode(), canonical.encode(), hashlib.sha256).hexdigest()
