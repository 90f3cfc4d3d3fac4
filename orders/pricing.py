"""Prices from tariffs: chargeable weight, freight, surcharges, rounded per currency.

Freight is the highest of chargeable weight × rate per kg, volume × rate per m³
and the minimum charge; chargeable weight is the actual weight or the volume ×
the tariff's volumetric factor, whichever is more. A cold-chain surcharge is a
percentage of the freight; dangerous goods add a fixed fee per shipment. Every
amount is a Decimal; only the parts shown to people are rounded, to the
currency's minor unit.
"""

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from orders.models import Tariff
from orders.money import round_money
from scheduling.models import ServiceKind


@dataclass(frozen=True)
class Price:
    currency: str
    chargeable_kg: Decimal
    basis: str  # "weight", "volume" or "minimum": what set the freight
    freight: Decimal
    cold_chain_surcharge: Decimal
    dangerous_goods_fee: Decimal
    total: Decimal

    def as_json(self) -> dict:
        return {key: str(value) for key, value in asdict(self).items()}


def price_for(
    tariff: Tariff,
    *,
    weight_kg: Decimal,
    volume_m3: Decimal,
    dangerous_goods: bool,
) -> Price:
    currency = tariff.currency
    chargeable_kg = max(weight_kg, volume_m3 * tariff.volumetric_factor)
    by_weight = chargeable_kg * tariff.rate_per_kg
    by_volume = volume_m3 * tariff.rate_per_m3
    freight, basis = max((by_weight, "weight"), (by_volume, "volume"), key=lambda pair: pair[0])
    if freight < tariff.minimum_charge:
        freight, basis = tariff.minimum_charge, "minimum"
    freight = round_money(freight, currency)
    surcharge = Decimal(0)
    if tariff.service_kind == ServiceKind.COLD_CHAIN:
        surcharge = round_money(freight * tariff.cold_chain_surcharge_pct / 100, currency)
    fee = round_money(tariff.dangerous_goods_fee, currency) if dangerous_goods else Decimal(0)
    return Price(
        currency=currency,
        chargeable_kg=chargeable_kg.quantize(Decimal("0.01")),
        basis=basis,
        freight=freight,
        cold_chain_surcharge=surcharge,
        dangerous_goods_fee=fee,
        total=freight + surcharge + fee,
    )


def combined(prices: list[Price]) -> Price:
    """The price of several shipments under one tariff: each part summed."""
    first = prices[0]
    return Price(
        currency=first.currency,
        chargeable_kg=sum((price.chargeable_kg for price in prices), Decimal(0)),
        basis=first.basis if len({price.basis for price in prices}) == 1 else "mixed",
        freight=sum((price.freight for price in prices), Decimal(0)),
        cold_chain_surcharge=sum((price.cold_chain_surcharge for price in prices), Decimal(0)),
        dangerous_goods_fee=sum((price.dangerous_goods_fee for price in prices), Decimal(0)),
        total=sum((price.total for price in prices), Decimal(0)),
    )


def tariffs_in_force(
    *, line_ids, service_kind: str, on: date, currency: str | None = None
) -> QuerySet[Tariff]:
    rows = Tariff.objects.filter(
        line_id__in=line_ids,
        service_kind=service_kind,
        valid_from__lte=on,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    if currency:
        rows = rows.filter(currency=currency)
    return rows.select_related("line")
