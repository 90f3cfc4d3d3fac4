"""Money: ISO 4217 currencies of the alliance and rounding to each one's minor unit."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    VND = "VND", _("Vietnamese dong (VND)")
    THB = "THB", _("Thai baht (THB)")
    LAK = "LAK", _("Lao kip (LAK)")
    MMK = "MMK", _("Myanmar kyat (MMK)")
    KHR = "KHR", _("Cambodian riel (KHR)")
    MYR = "MYR", _("Malaysian ringgit (MYR)")
    SGD = "SGD", _("Singapore dollar (SGD)")
    IDR = "IDR", _("Indonesian rupiah (IDR)")
    PHP = "PHP", _("Philippine peso (PHP)")
    BND = "BND", _("Brunei dollar (BND)")


# Digits after the decimal point, as ISO 4217 lists them (the dong has none).
MINOR_UNITS: dict[str, int] = dict.fromkeys(Currency.values, 2) | {"VND": 0}


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit: 12.345 CNY → 12.35, 12345.5 VND → 12346."""
    return amount.quantize(Decimal(1).scaleb(-MINOR_UNITS[currency]), rounding=ROUND_HALF_UP)
