"""Respondent codes: issued codes read back, typed codes normalise, only HMACs are stored."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from svcollect.services.respondent_codes import (
    ALPHABET,
    hash_code,
    issued_code,
    memorable_code,
    normalise_code,
)


@given(st.text(min_size=10, max_size=60))
def test_issued_codes_normalise_to_themselves(resume_key):
    code = issued_code("secret", resume_key)
    assert len(code) == 11 and code[3] == code[7] == "-"
    canonical = normalise_code(code)
    assert canonical == code.replace("-", "")
    assert all(c in ALPHABET for c in canonical)


def test_typed_codes_tolerate_case_spaces_and_confusable_letters():
    assert normalise_code(" 7kq-2mx 9pd ") == "7KQ2MX9PD"
    assert normalise_code("7KQ-2MX-9PO") == "7KQ2MX9P0"
    assert normalise_code("7KQ-2MX-9PI") == "7KQ2MX9P1"
    assert normalise_code("7KQ2MX9") is None
    assert normalise_code("7KQ-2MX-9PU") is None  # U is not in the alphabet


def test_memorable_codes_are_canonical_and_checked():
    assert memorable_code("ma", "7", "ds") == memorable_code("MA", "07", " DS ")
    assert memorable_code("M", "7", "DS") is None
    assert memorable_code("MA", "32", "DS") is None
    assert memorable_code("M1", "7", "DS") is None
    assert memorable_code("MA", "²", "DS") is None  # a digit int() cannot read: no crash
    assert memorable_code("MA", "٠٧", "DS") == memorable_code("MA", "07", "DS")


def test_welsh_letters_make_one_code_however_they_were_typed():
    composed = memorable_code("ŵe", "31", "ôn")
    decomposed = memorable_code("w\u0302e", "31", "o\u0302n")  # letter + combining accent
    assert composed == decomposed == "M:ŴE31ÔN"
    # a paper return or a withdrawal request written the same way finds the same code
    from svcollect.services.imports import read_paper_code

    assert read_paper_code("M:ŴE31ÔN") == ("M:ŴE31ÔN", "memorable")
    assert read_paper_code("m: ŵe 31 ôn") == ("M:ŴE31ÔN", "memorable")
    assert read_paper_code("M:W\u0302E31O\u0302N") == ("M:ŴE31ÔN", "memorable")
    assert read_paper_code("M:WE31ON") == ("M:WE31ON", "memorable")  # a different code
    assert read_paper_code("M:Ŵ131ÔN") is None


def test_code_hash_depends_on_the_contract_salt():
    assert hash_code("salt-a", "7KQ2MX9PD") == hash_code("salt-a", "7KQ2MX9PD")
    assert hash_code("salt-a", "7KQ2MX9PD") != hash_code("salt-b", "7KQ2MX9PD")
    assert "7KQ2MX9PD" not in hash_code("salt-a", "7KQ2MX9PD")
