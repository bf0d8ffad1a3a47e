"""Password rules and argon2id hashing for staff accounts."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st

from svcollect.services.credentials import (
    COMMON_PASSWORDS,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

GOOD = "violet kettle marathon"


def test_a_long_uncommon_password_is_accepted():
    assert password_problem(GOOD, "someone@example.org") is None
    assert password_problem("x7Q!" * 3) is None  # exactly 12 characters
    assert password_problem("abc" + "d" * 253) is None  # exactly 256 characters


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter a password"),
        ("short pass!", "Password must be 12 characters or more"),
        ("x" * 200 + "y" * 57, "Password must be 256 characters or fewer"),
        ("Password1234", "Choose a password that is harder to guess"),
        ("QWERTY123456", "Choose a password that is harder to guess"),
        ("aaaaaaaaaaaaaaaa", "Choose a password that is harder to guess"),
        ("abababababababab", "Choose a password that is harder to guess"),
    ],
)
def test_each_rule_has_its_own_message(password, message):
    assert password_problem(password, "someone@example.org") == message


def test_the_email_address_is_not_a_password():
    message = "Password must not be your email address"
    assert password_problem("someone@example.org", "someone@example.org") == message
    assert password_problem(" SomeOne@Example.ORG ", "someone@example.org") == message
    assert password_problem("someone@example.org", "Someone@Example.org ") == message
    assert password_problem("someone@example.org", "other@example.org") is None


def test_common_list_only_holds_passwords_the_length_rule_lets_through():
    assert all(len(p) >= 12 and p == p.casefold() for p in COMMON_PASSWORDS)


@given(st.text(max_size=11))
def test_anything_shorter_than_12_characters_is_refused(password):
    assert password_problem(password) is not None


@given(st.text(min_size=12, max_size=300))
def test_rules_always_answer_with_a_message_or_none(password):
    problem = password_problem(password, "someone@example.org")
    assert problem is None or problem.strip() == problem != ""


def test_hashes_are_argon2id_salted_and_verify():
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$")
    assert first != second  # a new salt each time
    assert verify_password(first, GOOD)
    assert not verify_password(first, GOOD + " ")
    assert GOOD not in first


def test_a_malformed_hash_does_not_verify_or_raise():
    assert not verify_password("not-a-hash", GOOD)
    assert not verify_password("", GOOD)


def test_hashes_made_with_other_parameters_need_rehashing():
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD)
    assert verify_password(weak, GOOD)  # still accepted, then rehashed on sign-in
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password(GOOD))
