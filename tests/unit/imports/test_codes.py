"""Respondent codes on paper returns are read as the web journey reads typed codes."""

from __future__ import annotations

import pytest

from svcollect.services.imports import read_paper_code
from svcollect.services.respondent_codes import memorable_code, normalise_code


@pytest.mark.parametrize("typed", ["7KQ-2MX-9PD", "7kq 2mx 9pd", "7KQ2MX9PD", "7KQ-2MX-9PO"])
def test_issued_codes_are_normalised_as_when_typed_online(typed):
    assert read_paper_code(typed) == (normalise_code(typed), "entered")


@pytest.mark.parametrize("typed", ["M:MA07DS", "m: ma 7 ds", "MMA07DS"])
def test_memorable_codes_match_the_online_form(typed):
    assert read_paper_code(typed) == (memorable_code("MA", "07", "DS"), "memorable")


@pytest.mark.parametrize("typed", ["hello", "M:MA32DS", "M:M107DS", "7KQ-2MX", ""])
def test_anything_else_is_not_a_code(typed):
    assert read_paper_code(typed) is None
