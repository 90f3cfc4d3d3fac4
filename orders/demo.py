"""Demo tariffs for every line and a few orders of the demo member, in the scripts of the region.

Tariffs are keyed on (line, service, currency) and orders on their DEMO- customer
reference, so running the seed again creates nothing new. Rates are illustrative.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance.models import Member
from orders import services
from orders.models import Order, Tariff
from scheduling.models import Line, Location, ServiceKind

# Per service: rate per kg, per m³, minimum charge, in CNY; USD at about 7.1 CNY.
RATES_CNY = {
    ServiceKind.LTL: (Decimal("1.10"), Decimal("280"), Decimal("600")),
    ServiceKind.FTL: (Decimal("0.85"), Decimal("230"), Decimal("9000")),
    ServiceKind.COLD_CHAIN: (Decimal("1.60"), Decimal("420"), Decimal("900")),
}
USD_PER_CNY = Decimal("0.1408")


def seed_tariffs() -> int:
    created = 0
    since = timezone.localdate() - timedelta(days=90)
    for line in Line.objects.all():
        for service in line.service_kinds:
            per_kg, per_m3, minimum = RATES_CNY[service]
            for currency, factor in (("CNY", Decimal(1)), ("USD", USD_PER_CNY)):
                _tariff, made = Tariff.objects.get_or_create(
                    line=line,
                    service_kind=service,
                    currency=currency,
                    valid_from=since,
                    defaults={
                        "rate_per_kg": (per_kg * factor).quantize(Decimal("0.0001")),
                        "rate_per_m3": (per_m3 * factor).quantize(Decimal("0.0001")),
                        "minimum_charge": (minimum * factor).quantize(Decimal("0.01")),
                        "cold_chain_surcharge_pct": Decimal(20),
                        "dangerous_goods_fee": (Decimal(800) * factor).quantize(Decimal("0.01")),
                    },
                )
                created += made
    return created


def _line(description, hs_code, packages, package_type, kg, m3, value, **extra) -> dict:
    return {
        "description": description,
        "hs_code": hs_code,
        "package_count": packages,
        "package_type": package_type,
        "gross_kg": Decimal(str(kg)),
        "volume_m3": Decimal(str(m3)),
        "declared_value": Decimal(value),
        "declared_currency": "CNY",
        "dangerous_goods_un": extra.get("un", ""),
        "temperature_min_c": extra.get("low"),
        "temperature_max_c": extra.get("high"),
    }


SHIPPER = {
    "shipper_name": "重庆宗申机车工业制造有限公司",
    "shipper_address": "重庆市巴南区宗申工业园",
    "shipper_country": "CN",
    "shipper_contact": "张伟 +86 23 6648 0000",
}

# (destination, consignee, address, country, service, cargo lines, what happens to it)
DEMO_ORDERS = [
    (
        "Hanoi",
        "Công ty TNHH Thương mại Phụ tùng Việt",
        "Số 12 Nguyễn Văn Cừ, Long Biên, Hà Nội",
        "VN",
        ServiceKind.LTL,
        [
            _line("Motorcycle engines", "840732", 24, "crate", 2400, 9.6, 180000),
            _line("Helmets", "650610", 60, "carton", 420, 6, 24000),
        ],
        "submit",
    ),
    (
        "Vientiane",
        "ບໍລິສັດ ລາວ-ຈີນ ການຄ້າ ຈຳກັດ",
        "ບ້ານໂພນສະອາດ, ເມືອງໄຊເສດຖາ, ນະຄອນຫຼວງວຽງຈັນ",
        "LA",
        ServiceKind.LTL,
        [_line("Solar panels", "854143", 40, "pallet", 6800, 28, 320000)],
        "submit",
    ),
    (
        "Bangkok",
        "บริษัท สยาม ผลไม้สด จำกัด",
        "99 ถนนพหลโยธิน แขวงจตุจักร กรุงเทพมหานคร",
        "TH",
        ServiceKind.COLD_CHAIN,
        [
            _line(
                "Fresh apples",
                "080810",
                300,
                "carton",
                5400,
                18,
                96000,
                low=Decimal(1),
                high=Decimal(4),
            )
        ],
        "submit",
    ),
    (
        "Yangon",
        "မြန်မာ့ကုန်သွယ်ရေး ကုမ္ပဏီလီမိတက်",
        "အမှတ် ၁၂၊ ဗိုလ်ချုပ်လမ်း၊ ရန်ကုန်",
        "MM",
        ServiceKind.LTL,
        [_line("Textile machinery parts", "844849", 12, "crate", 3100, 11, 150000)],
        "submit",
    ),
    (
        "Hanoi",
        "Công ty Cổ phần Hóa chất Đông Á",
        "KCN Quế Võ, Bắc Ninh",
        "VN",
        ServiceKind.LTL,
        [_line("Paint, flammable", "320890", 20, "drum", 900, 2.4, 30000, un="UN1263")],
        "submit",
    ),
    (
        "Hanoi",
        "Công ty TNHH Điện tử Minh Anh",
        "Cầu Giấy, Hà Nội",
        "VN",
        ServiceKind.LTL,
        [_line("Laptop computers", "847130", 80, "carton", 640, 4.8, 560000)],
        "draft",
    ),
    (
        "Vientiane",
        "ບໍລິສັດ ສີສະຫວັດ ຂົນສົ່ງ",
        "ເມືອງສີສັດຕະນາກ, ນະຄອນຫຼວງວຽງຈັນ",
        "LA",
        ServiceKind.LTL,
        [_line("Ceramic tiles", "690721", 30, "pallet", 9000, 15, 60000)],
        "cancel",
    ),
]


def seed_orders() -> int:
    """A few orders of the demo member: confirmed, a draft, a cancelled one."""
    if Order.objects.filter(customer_reference__startswith="DEMO-").exists():
        return 0
    member = Member.objects.filter(status=Member.Status.ACTIVE).order_by("pk").first()
    origin = Location.objects.filter(unlocode="CNCKG").first()
    if member is None or origin is None:
        return 0
    actor = member.users.order_by("pk").first()
    made = 0
    ready = timezone.localdate() + timedelta(days=2)
    for number, (city, consignee, address, country, service, cargo, fate) in enumerate(
        DEMO_ORDERS, start=1
    ):
        destination = Location.objects.filter(name=city).first()
        if destination is None:
            continue
        order = services.order_create(
            member=member,
            actor=actor,
            cargo_lines=cargo,
            customer_reference=f"DEMO-{number:03d}",
            consignee_name=consignee,
            consignee_address=address,
            consignee_country=country,
            consignee_contact="",
            origin=origin,
            destination=destination,
            ready_date=ready + timedelta(days=number % 5),
            service_kind=service,
            incoterm="DAP",
            currency="CNY",
            **SHIPPER,
        )
        made += 1
        if fate == "draft":
            continue
        try:
            order = services.order_submit(order=order, actor=actor)
        except ValidationError:
            continue  # no line serves it in the demo network: it stays a draft
        if fate == "cancel":
            services.order_cancel(order=order, actor=actor, reason="Buyer postponed")
    return made
