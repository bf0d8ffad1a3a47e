"""Confirmation references: made from the code alphabet, and read back however typed."""

from __future__ import annotations

import pytest

from svcollect.services.responses import as_reference, new_reference


def test_a_new_reference_reads_back_as_itself():
    for _ in range(200):
        reference = new_reference()
        assert as_reference(reference) == reference


@pytest.mark.parametrize(
    "typed",
    ["SV-4K7Q2M9B", "sv-4k7q2m9b", "sv 4k7q 2m9b", " 4K7Q-2M9B ", "SV4K7Q2M9B"],
)
def test_a_reference_is_found_as_typed_or_read_out(typed):
    assert as_reference(typed) == "SV-4K7Q2M9B"


def test_letters_that_look_like_digits_are_read_as_the_digits():
    assert as_reference("SV-4K7Q2MOB") == "SV-4K7Q2M0B"  # O is not in the alphabet: 0
    assert as_reference("SV-4K7QLM9B") == "SV-4K7Q1M9B"


@pytest.mark.parametrize(
    "typed", ["", "SV-", "SV-4K7Q2M9", "SV-4K7Q2M9BX", "SV-4K7Q2M9U", "7KQ-2MB-9XD"]
)
def test_anything_else_is_not_a_reference(typed):
    assert as_reference(typed) is None
