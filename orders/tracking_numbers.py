"""Public tracking numbers: random, never sequential, with a Luhn check digit.

``LA`` + 11 random digits + 1 check digit. Random so a number says nothing about
how many shipments exist and its neighbours cannot be guessed; the check digit
catches a mistyped digit or two swapped neighbours before any lookup.
"""

import secrets

from stdnum import luhn

PREFIX = "LA"
RANDOM_DIGITS = 11
LENGTH = len(PREFIX) + RANDOM_DIGITS + 1


def new_tracking_number() -> str:
    body = "".join(str(secrets.randbelow(10)) for _ in range(RANDOM_DIGITS))
    return f"{PREFIX}{body}{luhn.calc_check_digit(body)}"


def normalise(value: str) -> str:
    """What people type or scan: any case, with spaces or dashes."""
    return "".join(value.split()).replace("-", "").upper()


def is_valid_tracking_number(value: str) -> bool:
    value = normalise(value)
    return (
        len(value) == LENGTH
        and value.startswith(PREFIX)
        and value[len(PREFIX) :].isdigit()
        and luhn.is_valid(value[len(PREFIX) :])
    )
