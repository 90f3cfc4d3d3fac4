"""Orders for tests: tariffs, order fields and cargo lines with sensible defaults."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders import services
from orders.models import Tariff
from scheduling.models import ServiceKind


def make_tariff(line, **overrides) -> Tariff:
    values = {
        "line": line,
        "service_kind": ServiceKind.LTL,
        "currency": "CNY",
        "rate_per_kg": Decimal("1.20"),
        "rate_per_m3": Decimal("300"),
        "minimum_charge": Decimal("500"),
        "volumetric_factor": 333,
        "cold_chain_surcharge_pct": Decimal("25"),
        "dangerous_goods_fee": Decimal("800"),
        "valid_from": timezone.localdate() - timedelta(days=30),
    }
    values.update(overrides)
    tariff = Tariff(**values)
    tariff.full_clean()
    tariff.save()
    return tariff


def cargo(**overrides) -> dict:
    line = {
        "description": "Motorcycle spare parts",
        "hs_code": "871410",
        "package_count": 10,
        "package_type": "carton",
        "gross_kg": Decimal("1000"),
        "volume_m3": Decimal("4"),
        "declared_value": Decimal("50000"),
        "declared_currency": "CNY",
        "dangerous_goods_un": "",
        "temperature_min_c": None,
        "temperature_max_c": None,
    }
    line.update(overrides)
    return line


def order_fields(network, **overrides) -> dict:
    fields = {
        "shipper_name": "重庆宗申摩托车配件有限公司",
        "shipper_address": "Ba'nan District, Chongqing",
        "shipper_country": "CN",
        "shipper_contact": "+86 23 6666 0000",
        "consignee_name": "Công ty TNHH Phụ tùng Hà Nội",
        "consignee_address": "Long Biên, Hà Nội",
        "consignee_country": "VN",
        "consignee_contact": "+84 24 3333 0000",
        "origin": network.chongqing,
        "destination": network.hanoi,
        "ready_date": timezone.localdate() + timedelta(days=1),
        "service_kind": ServiceKind.LTL,
        "incoterm": "DAP",
        "currency": "CNY",
    }
    fields.update(overrides)
    return fields


def place_order(network, member, *, cargo_lines=None, actor=None, **overrides):
    return services.order_create(
        member=member,
        actor=actor,
        cargo_lines=cargo_lines if cargo_lines is not None else [cargo()],
        **order_fields(network, **overrides),
    )
