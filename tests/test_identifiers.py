"""The identifiers of the standard: the 290 kommunkoder as data, personnummer, organisationsnummer."""

from __future__ import annotations

import re

import pytest

from conformance.dataset import luhn_digit
from spec.identifiers import (
    legal_sex,
    municipality_code_error,
    organisation_number_error,
    personal_identity_number_error,
    personal_identity_numbers_in,
)
from spec.reference_data import counties, municipalities


def _checked(first_eleven: str) -> str:
    """Twelve digits: the eleven given and the Luhn check digit over the last ten."""
    return first_eleven + str(luhn_digit(first_eleven[2:]))


def test_there_are_exactly_290_municipalities_in_21_counties() -> None:
    codes = municipalities()
    assert len(codes) == 290 and len(set(codes.values())) == 290
    assert len(counties()) == 21
    assert all(re.fullmatch(r"[0-9]{4}", code) for code in codes)
    assert {code[:2] for code in codes} == set(counties())


@pytest.mark.parametrize(
    ("code", "name"),
    [("0114", "Upplands Väsby"), ("0180", "Stockholm"), ("0980", "Gotland"), ("1480", "Göteborg"), ("2584", "Kiruna")],
)
def test_well_known_codes(code: str, name: str) -> None:
    assert municipalities()[code] == name
    assert municipality_code_error(code) is None


@pytest.mark.parametrize("code", ["0100", "0000", "9999", "0181x", "2599", "0200"])
def test_codes_that_are_no_municipality(code: str) -> None:
    assert municipality_code_error(code) is not None


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("201503122382", True),
        ("201503122383", False),  # check digit
        ("201513122380", False),  # month 13
        (_checked("20150372238"), True),  # samordningsnummer: 12 + 60
        (_checked("20150290238"), False),  # 30 + 60: no 30 February
        ("20150312238", False),
    ],
)
def test_personal_identity_numbers(number: str, valid: bool) -> None:
    assert (personal_identity_number_error(number) is None) is valid


def test_legal_sex_is_the_parity_of_the_ninth_digit() -> None:
    assert legal_sex("201503122382") == "female"
    assert legal_sex("198702113450") == "male"


@pytest.mark.parametrize(
    ("number", "valid"), [("8020001239", True), ("8020001234", False), ("8012345674", False), ("556036079", False)]
)
def test_organisation_numbers(number: str, valid: bool) -> None:
    assert (organisation_number_error(number) is None) is valid


def test_personal_identity_numbers_are_found_in_free_text() -> None:
    text = "Ring 201503122382 eller 150312-2382; inte 2015-03-12 eller 12345678901234."
    assert personal_identity_numbers_in(text) == ["201503122382", "150312-2382"]
