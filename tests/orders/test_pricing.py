from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from orders.models import Tariff
from orders.money import round_money
from orders.pricing import price_for
from orders.tracking_numbers import is_valid_tracking_number, new_tracking_number
from scheduling.models import ServiceKind
from tests.orders.helpers import make_tariff


def test_round_money_uses_each_currency_minor_unit():
    assert round_money(Decimal("12.345"), "CNY") == Decimal("12.35")
    assert round_money(Decimal("12345.5"), "VND") == Decimal("12346")
    assert round_money(Decimal("0.005"), "USD") == Decimal("0.01")


def test_price_charges_volume_weight_when_cargo_is_light_and_bulky(tariff):
    # 2 m³ × 333 = 666 kg chargeable, more than the 100 kg actual.
    price = price_for(tariff, weight_kg=Decimal(100), volume_m3=Decimal(2), dangerous_goods=False)
    assert price.chargeable_kg == Decimal("666.00")
    # 666 kg × 1.20 = 799.20 beats 2 m³ × 300 = 600.
    assert (price.basis, price.freight) == ("weight", Decimal("799.20"))


def test_price_takes_the_highest_of_weight_volume_and_minimum(tariff):
    heavy = price_for(tariff, weight_kg=Decimal(5000), volume_m3=Decimal(4), dangerous_goods=False)
    assert (heavy.basis, heavy.freight) == ("weight", Decimal("6000.00"))
    bulky = price_for(tariff, weight_kg=Decimal(100), volume_m3=Decimal(10), dangerous_goods=False)
    # 10 m³ × 333 = 3,330 kg × 1.20 = 3,996 against 10 × 300 = 3,000.
    assert (bulky.basis, bulky.freight) == ("weight", Decimal("3996.00"))
    small = price_for(
        tariff, weight_kg=Decimal(10), volume_m3=Decimal("0.1"), dangerous_goods=False
    )
    assert (small.basis, small.total) == ("minimum", Decimal("500.00"))


def test_price_adds_cold_chain_percentage_and_dangerous_goods_fee(line):
    tariff = make_tariff(
        line,
        service_kind=ServiceKind.COLD_CHAIN,
        currency="USD",
        rate_per_kg=Decimal("0.333"),
        minimum_charge=Decimal(0),
    )
    price = price_for(tariff, weight_kg=Decimal(1000), volume_m3=Decimal(1), dangerous_goods=True)
    assert price.freight == Decimal("333.00")
    assert price.cold_chain_surcharge == Decimal("83.25")  # 25 % of 333.00
    assert price.dangerous_goods_fee == Decimal("800.00")
    assert price.total == Decimal("1216.25")


def test_price_in_dong_has_no_minor_unit(line):
    tariff = make_tariff(
        line, currency="VND", rate_per_kg=Decimal("3999.5"), minimum_charge=Decimal(0)
    )
    price = price_for(
        tariff, weight_kg=Decimal("1.5"), volume_m3=Decimal("0.001"), dangerous_goods=False
    )
    assert price.total == Decimal("5999")


def test_tariffs_for_one_line_service_and_currency_cannot_overlap(line, tariff):
    with pytest.raises(ValidationError, match="Another tariff for this line"):
        make_tariff(line, valid_from=timezone.localdate() + timedelta(days=5))
    overlapping = Tariff(**{**model_to_dict(tariff, exclude=["id", "line"]), "line": line})
    with pytest.raises(IntegrityError), transaction.atomic():
        overlapping.save()
    make_tariff(line, currency="USD")  # another currency may run beside it


def test_tracking_numbers_are_random_with_a_check_digit():
    numbers = {new_tracking_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(is_valid_tracking_number(number) for number in numbers)
    number = numbers.pop()
    typo = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
    assert not is_valid_tracking_number(typo)
    assert is_valid_tracking_number(number.lower()[:6] + " " + number[6:])
