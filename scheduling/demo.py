"""Demo network and schedule: the alliance's gates, warehouses, lines, fleet and trips."""

from decimal import Decimal

from django.db import transaction

from scheduling.models import Location
from scheduling.services import border_crossing_upsert, location_upsert

# name, local name, kind, UN/LOCODE (only where one is published), country, zone, lat, lon
LOCATIONS = [
    ("Chongqing", "重庆", "hub", "CNCKG", "CN", "Asia/Shanghai", "29.56301", "106.55156"),
    ("Nanning", "南宁", "hub", "CNNNG", "CN", "Asia/Shanghai", "22.81673", "108.36660"),
    ("Kunming", "昆明", "hub", "CNKMG", "CN", "Asia/Shanghai", "25.03889", "102.71833"),
    (
        "Youyiguan (Pingxiang)",
        "友谊关（凭祥）",
        "border_gate",
        "",
        "CN",
        "Asia/Shanghai",
        "22.01280",
        "106.74870",
    ),
    (
        "Huu Nghi (Lang Son)",
        "Cửa khẩu Hữu Nghị",
        "border_gate",
        "",
        "VN",
        "Asia/Ho_Chi_Minh",
        "21.99970",
        "106.74200",
    ),
    ("Hekou", "河口", "border_gate", "", "CN", "Asia/Shanghai", "22.50700", "103.95900"),
    (
        "Lao Cai",
        "Cửa khẩu Lào Cai",
        "border_gate",
        "",
        "VN",
        "Asia/Ho_Chi_Minh",
        "22.50500",
        "103.96500",
    ),
    ("Mohan", "磨憨", "border_gate", "", "CN", "Asia/Shanghai", "21.18000", "101.69000"),
    ("Boten", "ບໍ່ເຕັນ", "border_gate", "", "LA", "Asia/Vientiane", "21.18400", "101.67700"),
    ("Dongxing", "东兴", "border_gate", "", "CN", "Asia/Shanghai", "21.54700", "107.97200"),
    (
        "Mong Cai",
        "Cửa khẩu Móng Cái",
        "border_gate",
        "",
        "VN",
        "Asia/Ho_Chi_Minh",
        "21.52700",
        "107.96600",
    ),
    ("Ruili", "瑞丽", "border_gate", "", "CN", "Asia/Shanghai", "24.01300", "97.85200"),
    ("Muse", "မူဆယ်", "border_gate", "", "MM", "Asia/Yangon", "23.99300", "97.90300"),
    ("Hanoi", "Hà Nội", "city", "VNHAN", "VN", "Asia/Ho_Chi_Minh", "21.02850", "105.85420"),
    ("Vientiane", "ວຽງຈັນ", "city", "LAVTE", "LA", "Asia/Vientiane", "17.97570", "102.63310"),
    ("Bangkok", "กรุงเทพมหานคร", "city", "THBKK", "TH", "Asia/Bangkok", "13.75630", "100.50180"),
    ("Kuala Lumpur", "", "city", "MYKUL", "MY", "Asia/Kuala_Lumpur", "3.13900", "101.68690"),
    ("Yangon", "ရန်ကုန်", "city", "MMRGN", "MM", "Asia/Yangon", "16.84090", "96.17350"),
]

BORDER_CROSSINGS = [
    ("Youyiguan – Huu Nghi", ("CN", "Youyiguan (Pingxiang)"), ("VN", "Huu Nghi (Lang Son)")),
    ("Hekou – Lao Cai", ("CN", "Hekou"), ("VN", "Lao Cai")),
    ("Mohan – Boten", ("CN", "Mohan"), ("LA", "Boten")),
    ("Dongxing – Mong Cai", ("CN", "Dongxing"), ("VN", "Mong Cai")),
    ("Ruili – Muse", ("CN", "Ruili"), ("MM", "Muse")),
]


def seed_network() -> None:
    for name, local_name, kind, unlocode, country, zone, lat, lon in LOCATIONS:
        location_upsert(
            country=country,
            name=name,
            local_name=local_name,
            kind=kind,
            unlocode=unlocode,
            timezone=zone,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
        )
    for name, (country_a, name_a), (country_b, name_b) in BORDER_CROSSINGS:
        border_crossing_upsert(
            name=name,
            gate_a=Location.objects.get(country=country_a, name=name_a),
            gate_b=Location.objects.get(country=country_b, name=name_b),
        )


def seed_network_and_schedule() -> None:
    with transaction.atomic():
        seed_network()
