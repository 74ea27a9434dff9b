"""Resident ID numbers (GB 11643-1999): format, birth date, MOD 11-2 check character, masking."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from skills_portal.identity import (
    id_number_check_char,
    mask_id_number,
    normalise_id_number,
    validate_id_number,
)

pytestmark = pytest.mark.django_db

# The example printed in GB 11643-1999.
STANDARD_EXAMPLE = "11010519491231002X"


def make_id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def error_code(value) -> str:
    with pytest.raises(ValidationError) as info:
        validate_id_number(value)
    return info.value.error_list[0].code


@pytest.mark.parametrize("number", [
    STANDARD_EXAMPLE,
    make_id("53052319900101123"),
    make_id("33030219851231001"),
    make_id("64010420000229002"),  # 2000 is a leap year
])
def test_valid_numbers_pass(number):
    validate_id_number(number)


def test_check_character_follows_iso_7064_mod_11_2():
    assert id_number_check_char("11010519491231002") == "X"
    # Weighted sum 0 mod 11 gives 1; 1 gives 0; 2 gives X.
    assert id_number_check_char("00000000000000000") == "1"


def test_lower_case_x_is_accepted_and_normalised():
    lower = STANDARD_EXAMPLE.lower()
    validate_id_number(lower)
    assert normalise_id_number(lower) == STANDARD_EXAMPLE
    assert normalise_id_number(" 110105 19491231002x ") == STANDARD_EXAMPLE


def test_wrong_check_character_is_refused():
    number = make_id("53052319900101123")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert error_code(wrong) == "id_number_checksum"
    assert error_code("110105194912310021") == "id_number_checksum"


@pytest.mark.parametrize("first17", [
    "53052319900230123",  # 30 February
    "53052319901301123",  # month 13
    "53052319900100123",  # day 0
    "53052318991231123",  # before 1900
    "53052319010229123",  # 1901 is not a leap year
])
def test_invalid_birth_dates_are_refused_even_with_a_right_check_character(first17):
    assert error_code(make_id(first17)) == "id_number_birth_date"


def test_birth_date_in_the_future_is_refused():
    next_year = dt.date.today().year + 1
    assert error_code(make_id(f"530523{next_year}0101123")) == "id_number_birth_date"


@pytest.mark.parametrize("value", [
    "",
    "53052319900101123",  # 17 characters
    "5305231990010112345",  # 19 characters
    "530523199001011Y34",  # a letter inside
    "5305231990010112Y4",
    "53052319900101123Y",  # Y is not a check character
    "５３０５２３１９９００１０１１２３４",  # full-width digits
])
def test_wrong_length_or_characters_are_refused(value):
    assert error_code(value) == "id_number_format"


def test_messages_never_repeat_the_number():
    number = make_id("53052319900101123")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    for value in (wrong, make_id("53052319900230123"), number[:16]):
        with pytest.raises(ValidationError) as info:
            validate_id_number(value)
        text = " ".join(info.value.messages)
        assert value not in text
        assert "530523" not in text and "1990" not in text


def test_mask_keeps_the_first_six_and_last_four():
    assert mask_id_number("530523199001011234") == "530523********1234"
    assert mask_id_number(STANDARD_EXAMPLE.lower()) == "110105********002X"
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
    # Too short to keep both ends: nothing of it is shown.
    assert mask_id_number("1234567") == "*******"
