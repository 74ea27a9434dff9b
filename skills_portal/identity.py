"""Mainland resident identity numbers (公民身份号码, GB 11643-1999).

An ID number is personal data: the functions here never put the number into an error message,
and `mask_id_number` is what every page shows outside the holder's own unit. Never log one.

Layout: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit sequence, and a check
character computed with ISO 7064 MOD 11-2 over the first 17 digits (0-9 or X for 10).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_NUMBER_LENGTH = 18
# ISO 7064 MOD 11-2 weights: 2^(17-i) mod 11 for positions 1..17.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character by (weighted sum mod 11).
_CHECK_CHARS = "10X98765432"
# Keep the address code (6) and the last four; mask the birth date and the rest.
MASK_KEEP_HEAD = 6
MASK_KEEP_TAIL = 4
MASK_CHAR = "*"


def normalise_id_number(value) -> str:
    """Strip spaces and upper-case a trailing x; anything else is left for the validator."""
    if value is None:
        return ""
    return str(value).strip().replace(" ", "").upper()


def id_number_check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_id_number(value) -> None:
    """Raise ValidationError unless `value` is a well-formed 18-character resident ID number.

    Lower-case x is accepted (use `normalise_id_number` before storing). Messages say what is
    wrong without repeating the number."""
    number = normalise_id_number(value)
    if (
        len(number) != ID_NUMBER_LENGTH
        or not number[:17].isascii()
        or not number[:17].isdigit()
        or number[17] not in "0123456789X"
    ):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."),
            code="id_number_format",
        )
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > timezone.localdate():
        raise ValidationError(
            _("The date of birth in this ID number (characters 7 to 14) is not a valid date."),
            code="id_number_birth_date",
        )
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check character of this ID number does not match: please check every digit."),
            code="id_number_checksum",
        )


def mask_id_number(value) -> str:
    """530523********1234: the first 6 and last 4 characters kept, the rest masked. Values too
    short to keep both ends are masked entirely; an empty value stays empty."""
    number = normalise_id_number(value)
    if not number:
        return ""
    if len(number) <= MASK_KEEP_HEAD + MASK_KEEP_TAIL:
        return MASK_CHAR * len(number)
    hidden = len(number) - MASK_KEEP_HEAD - MASK_KEEP_TAIL
    return number[:MASK_KEEP_HEAD] + MASK_CHAR * hidden + number[-MASK_KEEP_TAIL:]
