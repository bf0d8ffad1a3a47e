"""Credentials: email addresses and passwords (rules, argon2id hashing, timing-safe checks)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from flask_babel import ngettext

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256
EMAIL_MAX_LENGTH = 254
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

# Very common passwords of 12 characters or more (shorter ones fail the length rule anyway).
COMMON_PASSWORDS = frozenset(
    """
    123456789012 1234567890123 12345678901234 123456789123 111111111111 000000000000 123123123123
    121212121212 112233445566 987654321098 qwertyuiopas qwertyuiop123 qwerty123456 qwerty1234567
    1qaz2wsx3edc 1q2w3e4r5t6y q1w2e3r4t5y6 zaq12wsxcde3 qwertyqwerty asdfghjkl123 zxcvbnm12345
    abcdefghijkl abc123abc123 abcd1234abcd password1234 password12345 password123! password1234!
    passwordpassword password2024 password2025 password2026 passw0rd1234 p@ssw0rd1234 p@ssword1234
    letmein12345 letmeinletmein welcome12345 welcome123456 welcome2024! welcome2025! iloveyou1234
    iloveyou12345 sunshine1234 football1234 baseball1234 superman1234 princess1234 administrator
    admin1234567 adminadmin12 changeme1234 changemenow! trustno1trustno1 monkey123456 dragon123456
    starwars1234 whatever1234 computer1234 internet1234
    """.split()  # noqa: SIM905 (one word per line would be 60 lines)
)


_HASHER = PasswordHasher()  # argon2id with argon2-cffi's current recommended parameters


def password_problem(password: str, email: str | None = None) -> str | None:
    """The first rule the password breaks, as a message for the person, or None."""
    if not password:
        return _("Enter a password")
    if len(password) < PASSWORD_MIN_LENGTH:
        return ngettext(
            "Password must be %(num)d character or more",
            "Password must be %(num)d characters or more",
            PASSWORD_MIN_LENGTH,
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        return ngettext(
            "Password must be %(num)d character or fewer",
            "Password must be %(num)d characters or fewer",
            PASSWORD_MAX_LENGTH,
        )
    folded = password.strip().casefold()
    if email and folded == normalise_email(email).casefold():
        return _("Password must not be your email address")
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        return _("Choose a password that is harder to guess")
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    return _HASHER.check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    # Checked when there is no real hash to check, so that failures take as long as a
    # wrong password and do not reveal which accounts exist.
    return _HASHER.hash(secrets.token_urlsafe(24))


def normalise_email(raw: str) -> str:
    return unicodedata.normalize("NFC", raw).strip().lower()


def email_problem(email: str) -> str | None:
    if not email:
        return _("Enter an email address")
    if len(email) > EMAIL_MAX_LENGTH or not _EMAIL_SHAPE.match(email):
        return _("Enter an email address in the correct format, like name@example.com")
    return None
