"""Public tracking numbers: random, never sequential, with a Luhn check digit.

``LA`` + 13 random digits + 1 check digit (16 characters). The number is the only
secret guarding the public tracking page, so it has no sequential or dated part:
every digit comes from ``secrets``, 13 of them are 10^13 numbers (43 bits), and
with a million shipments issued a stranger's guess hits one in ten million tries.
The page and its JSON answer at most ``TRACKING_RATE`` lookups a minute per
address, hits and misses alike, so walking the space is out of reach. The check
digit catches a mistyped digit or two swapped neighbours before any lookup.

Numbers issued before the 13-digit form had 11 random digits (14 characters);
they stay valid so the labels already on parcels keep working.
"""

import math
import secrets

from stdnum import luhn

from config.text import without_what_postgresql_cannot_hold

PREFIX = "LA"
RANDOM_DIGITS = 13
LENGTH = len(PREFIX) + RANDOM_DIGITS + 1
LEGACY_LENGTH = len(PREFIX) + 11 + 1
RANDOM_BITS = RANDOM_DIGITS * math.log2(10)


def new_tracking_number() -> str:
    body = "".join(str(secrets.randbelow(10)) for _ in range(RANDOM_DIGITS))
    return f"{PREFIX}{body}{luhn.calc_check_digit(body)}"


def normalise(value: str) -> str:
    """What people type or scan: any case, with spaces or dashes (and none of what PostgreSQL
    cannot compare)."""
    return without_what_postgresql_cannot_hold("".join(value.split()).replace("-", "").upper())


def is_valid_tracking_number(value: str) -> bool:
    value = normalise(value)
    return (
        len(value) in (LENGTH, LEGACY_LENGTH)
        and value.startswith(PREFIX)
        and value[len(PREFIX) :].isdigit()
        and luhn.is_valid(value[len(PREFIX) :])
    )
