"""Demo network and schedule: the alliance's gates, warehouses, lines, fleet and trips.

The demo is laid out at the alliance's real scale: 24 border gates paired into 12 road
crossings, 37 overseas warehouses, and 11 regular lines over three corridors, each run
southbound (out of Chongqing) and northbound (back into Chongqing), 22 lines in all.
The two demo carriers, Chongqing Yuxin (CN) and Huu Nghi Transport (VN), get a small
fleet with cross-border permits and drivers, and trips are generated for the horizon.

Everything is keyed on a natural key and written through the scheduling services (or
``update_or_create`` for the fleet, which has no service yet), so running the seed again
creates nothing new. ``seed_network_and_schedule()`` is the entry point; the
``seed_demo`` management command calls it once the demo members exist.

Coordinates are approximate. A UN/LOCODE is set only where the published code is known;
everything else leaves it blank.
"""

import random
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from alliance.models import Member
from scheduling.allocation import booking_create
from scheduling.models import (
    Booking,
    BorderCrossing,
    Driver,
    Line,
    Location,
    ServiceKind,
    Timetable,
    Vehicle,
    VehiclePermit,
    VehicleType,
)
from scheduling.services import (
    PlannedStop,
    border_crossing_upsert,
    line_upsert,
    location_upsert,
    timetable_upsert,
    trips_generate,
)

# --- Data -------------------------------------------------------------------

CN, VN, LA, MM, TH, MY = "CN", "VN", "LA", "MM", "TH", "MY"
ZONES = {
    CN: "Asia/Shanghai",
    VN: "Asia/Ho_Chi_Minh",
    LA: "Asia/Vientiane",
    MM: "Asia/Yangon",
    TH: "Asia/Bangkok",
    MY: "Asia/Kuala_Lumpur",
}

# The demo carriers of alliance.demo, by (country, registration number).
YUXIN = (CN, "91500000MA5U7K3L28")  # Chongqing Yuxin Cross-Border Logistics Co., Ltd.
HUU_NGHI = (VN, "0101234565")  # Huu Nghi Transport Joint Stock Company

TIMETABLES_VALID_FROM = date(2026, 1, 1)
PERMITS_VALID_FROM = date(2026, 1, 1)
PERMITS_VALID_UNTIL = date(2027, 12, 31)

# Default capacity of each vehicle type: (kg, m³).
CAPACITY = {
    VehicleType.TRACTOR_TRAILER: (Decimal("24000"), Decimal("86")),
    VehicleType.REEFER: (Decimal("20000"), Decimal("67")),
}

# Hubs and cities: name, local name, kind, UN/LOCODE (only where one is published), country, lat, lon
PLACES = [
    ("Chongqing", "重庆", "hub", "CNCKG", CN, "29.56301", "106.55156"),
    ("Nanning", "南宁", "hub", "CNNNG", CN, "22.81673", "108.36660"),
    ("Kunming", "昆明", "hub", "CNKMG", CN, "25.03889", "102.71833"),
    ("Hanoi", "Hà Nội", "city", "VNHAN", VN, "21.02850", "105.85420"),
    ("Haiphong", "Hải Phòng", "city", "VNHPH", VN, "20.84490", "106.68810"),
    ("Ho Chi Minh City", "Thành phố Hồ Chí Minh", "city", "VNSGN", VN, "10.82310", "106.62970"),
    ("Vientiane", "ວຽງຈັນ", "city", "LAVTE", LA, "17.97570", "102.63310"),
    ("Luang Namtha", "ຫຼວງນ້ຳທາ", "city", "", LA, "20.94860", "101.40170"),
    ("Bangkok", "กรุงเทพมหานคร", "city", "THBKK", TH, "13.75630", "100.50180"),
    ("Kuala Lumpur", "", "city", "MYKUL", MY, "3.13900", "101.68690"),
    ("Yangon", "ရန်ကုန်", "city", "MMRGN", MM, "16.84090", "96.17350"),
    ("Mandalay", "မန္တလေး", "city", "MMMDL", MM, "21.95880", "96.08910"),
]

# Border gates (24): name, local name, country, lat, lon. No gate gets a UN/LOCODE.
GATES = [
    # China – Vietnam (Guangxi)
    ("Youyiguan (Pingxiang)", "友谊关（凭祥）", CN, "22.01280", "106.74870"),
    ("Huu Nghi (Lang Son)", "Cửa khẩu Hữu Nghị", VN, "21.99970", "106.74200"),
    ("Dongxing", "东兴", CN, "21.54700", "107.97200"),
    ("Mong Cai", "Cửa khẩu Móng Cái", VN, "21.52700", "107.96600"),
    ("Shuikou (Longzhou)", "水口（龙州）", CN, "22.48900", "106.60300"),
    ("Ta Lung", "Cửa khẩu Tà Lùng", VN, "22.48500", "106.59500"),
    ("Longbang (Jingxi)", "龙邦（靖西）", CN, "22.87600", "106.33100"),
    ("Tra Linh", "Cửa khẩu Trà Lĩnh", VN, "22.86600", "106.32700"),
    # China – Vietnam (Yunnan)
    ("Hekou", "河口", CN, "22.50700", "103.95900"),
    ("Lao Cai", "Cửa khẩu Lào Cai", VN, "22.50500", "103.96500"),
    ("Tianbao (Malipo)", "天保（麻栗坡）", CN, "22.92800", "104.84300"),
    ("Thanh Thuy", "Cửa khẩu Thanh Thủy", VN, "22.91900", "104.84000"),
    # China – Laos
    ("Mohan", "磨憨", CN, "21.18000", "101.69000"),
    ("Boten", "ບໍ່ເຕັນ", LA, "21.18400", "101.67700"),
    # China – Myanmar
    ("Ruili", "瑞丽", CN, "24.01300", "97.85200"),
    ("Muse", "မူဆယ်", MM, "23.99300", "97.90300"),
    ("Qingshuihe (Gengma)", "清水河（耿马）", CN, "23.55300", "98.86700"),
    ("Chinshwehaw", "ချင်းရွှေဟော်", MM, "23.54500", "98.85700"),
    # Laos – Thailand
    ("Thanaleng", "ທ່ານາແລ້ງ", LA, "17.88100", "102.71300"),
    ("Friendship Bridge Nong Khai", "สะพานมิตรภาพไทย-ลาว หนองคาย", TH, "17.86600", "102.72400"),
    ("Huay Xai (4th Friendship Bridge)", "ຫ້ວຍຊາຍ", LA, "20.21300", "100.44600"),
    ("Chiang Khong (4th Friendship Bridge)", "เชียงของ", TH, "20.20900", "100.45400"),
    # Thailand – Malaysia
    ("Sadao (Dan Nok)", "สะเดา (ด่านนอก)", TH, "6.52300", "100.42200"),
    ("Bukit Kayu Hitam", "", MY, "6.51000", "100.42000"),
]

# Border crossings (12): name, gate A, gate B (gate names as above).
YYG = "Youyiguan – Huu Nghi"
DXG = "Dongxing – Mong Cai"
SKO = "Shuikou – Ta Lung"
LBG = "Longbang – Tra Linh"
HKO = "Hekou – Lao Cai"
TBO = "Tianbao – Thanh Thuy"
MHN = "Mohan – Boten"
RLI = "Ruili – Muse"
QSH = "Qingshuihe – Chinshwehaw"
TNL = "Thanaleng – Nong Khai"
HXI = "Huay Xai – Chiang Khong"
SDO = "Bukit Kayu Hitam – Sadao"
BORDER_CROSSINGS = [
    (YYG, "Youyiguan (Pingxiang)", "Huu Nghi (Lang Son)"),
    (DXG, "Dongxing", "Mong Cai"),
    (SKO, "Shuikou (Longzhou)", "Ta Lung"),
    (LBG, "Longbang (Jingxi)", "Tra Linh"),
    (HKO, "Hekou", "Lao Cai"),
    (TBO, "Tianbao (Malipo)", "Thanh Thuy"),
    (MHN, "Mohan", "Boten"),
    (RLI, "Ruili", "Muse"),
    (QSH, "Qingshuihe (Gengma)", "Chinshwehaw"),
    (TNL, "Thanaleng", "Friendship Bridge Nong Khai"),
    (HXI, "Huay Xai (4th Friendship Bridge)", "Chiang Khong (4th Friendship Bridge)"),
    (SDO, "Bukit Kayu Hitam", "Sadao (Dan Nok)"),
]

# Overseas warehouses (37): name, country, lat, lon.
# The names are illustrative: they stand for member warehouses and are not real
# facilities; each is saved with WAREHOUSE_NOTE so nobody mistakes them for one.
WAREHOUSE_NOTE = "Illustrative demo warehouse"
WAREHOUSES = [
    ("Hanoi Gia Lam Warehouse", VN, "21.02800", "105.93800"),
    ("Hanoi Dong Anh Bonded Warehouse", VN, "21.13900", "105.84900"),
    ("Hanoi Thang Long Warehouse", VN, "21.10900", "105.78300"),
    ("Hanoi Long Bien Cold Store", VN, "21.04700", "105.89300"),
    ("Hanoi Hoang Mai Distribution Centre", VN, "20.97600", "105.86300"),
    ("Haiphong Dinh Vu Warehouse", VN, "20.84400", "106.77600"),
    ("Haiphong Hai An Cold Store", VN, "20.83900", "106.73200"),
    ("Haiphong An Duong Warehouse", VN, "20.88600", "106.58000"),
    ("Haiphong Thuy Nguyen Distribution Centre", VN, "20.91600", "106.64000"),
    ("Ho Chi Minh City Tan Binh Warehouse", VN, "10.81200", "106.66500"),
    ("Ho Chi Minh City Thu Duc Warehouse", VN, "10.85000", "106.77200"),
    ("Ho Chi Minh City Cat Lai Bonded Warehouse", VN, "10.76000", "106.78800"),
    ("Ho Chi Minh City District 7 Cold Store", VN, "10.74900", "106.73000"),
    ("Ho Chi Minh City Binh Chanh Distribution Centre", VN, "10.68800", "106.59400"),
    ("Lang Son Dong Dang Warehouse", VN, "21.94500", "106.70000"),
    ("Lao Cai Kim Thanh Warehouse", VN, "22.49500", "103.97000"),
    ("Vientiane Thanaleng Warehouse", LA, "17.90000", "102.69000"),
    ("Vientiane Xaythany Warehouse", LA, "18.06000", "102.65000"),
    ("Vientiane Sikhottabong Cold Store", LA, "17.97500", "102.57000"),
    ("Vientiane Hadxaifong Distribution Centre", LA, "17.93000", "102.72000"),
    ("Luang Prabang Warehouse", LA, "19.88000", "102.14000"),
    ("Bangkok Lat Krabang Warehouse", TH, "13.72300", "100.74700"),
    ("Bangkok Bang Na Bonded Warehouse", TH, "13.66800", "100.60500"),
    ("Bangkok Bang Phli Cold Store", TH, "13.60900", "100.70700"),
    ("Bangkok Talad Thai Fruit Cold Store", TH, "14.08100", "100.62000"),
    ("Bangkok Bang Sue Distribution Centre", TH, "13.80300", "100.53600"),
    ("Nong Khai Warehouse", TH, "17.87000", "102.74000"),
    ("Hat Yai Warehouse", TH, "7.00800", "100.47500"),
    ("Kuala Lumpur Shah Alam Warehouse", MY, "3.07300", "101.51800"),
    ("Kuala Lumpur Port Klang Bonded Warehouse", MY, "3.00000", "101.39200"),
    ("Kuala Lumpur Sepang Cold Store", MY, "2.74600", "101.71000"),
    ("Kuala Lumpur Petaling Jaya Distribution Centre", MY, "3.10700", "101.60700"),
    ("Yangon Hlaing Tharyar Warehouse", MM, "16.87000", "96.06000"),
    ("Yangon Mingaladon Warehouse", MM, "16.95000", "96.13000"),
    ("Yangon Thilawa Bonded Warehouse", MM, "16.66000", "96.27000"),
    ("Mandalay Pyigyitagun Warehouse", MM, "21.92800", "96.10500"),
    ("Mandalay Amarapura Cold Store", MM, "21.90000", "96.05000"),
]

# Lines (11 routes, each run southbound "-S" and northbound "-N").
# A route is written southbound as (place, hours driving from the previous stop, dwell hours);
# the northbound line is the same route reversed, with the same driving times and dwells.
# A border is always crossed gate → gate, e.g. Youyiguan → Huu Nghi.
# Departures: (weekdays, local time at the first stop), Monday = 0.
LTL_FTL = [ServiceKind.LTL, ServiceKind.FTL]
WITH_COLD_CHAIN = [ServiceKind.LTL, ServiceKind.FTL, ServiceKind.COLD_CHAIN]
EAST, CENTRAL, WEST = Line.Corridor.EAST, Line.Corridor.CENTRAL, Line.Corridor.WEST

CKG_KMG = [("Chongqing", 0, 0), ("Kunming", 14, 2)]
CKG_NNG = [("Chongqing", 0, 0), ("Nanning", 14, 2)]
VIA_MOHAN = [*CKG_KMG, ("Mohan", 10, 4), ("Boten", 1, 3)]
VIA_YOUYIGUAN = [*CKG_NNG, ("Youyiguan (Pingxiang)", 4, 4), ("Huu Nghi (Lang Son)", 1, 2)]
VIA_VIENTIANE_NONG_KHAI = [
    *VIA_MOHAN,
    ("Vientiane", 13, 3),
    ("Thanaleng", 1, 3),
    ("Friendship Bridge Nong Khai", 1, 3),
]

ROUTES = [
    # East corridor (via Guangxi)
    {
        "code": "CKG-HAN-YYG",
        "via": "Youyiguan",
        "corridor": EAST,
        "services": WITH_COLD_CHAIN,
        "stops": [*VIA_YOUYIGUAN, ("Hanoi", 4, 0)],
        "southbound": ([0, 2, 4], time(8, 0)),
        "northbound": ([1, 3, 5], time(10, 0)),
    },
    {
        "code": "CKG-HPH-DXG",
        "via": "Dongxing",
        "corridor": EAST,
        "services": LTL_FTL,
        "stops": [*CKG_NNG, ("Dongxing", 4, 4), ("Mong Cai", 1, 3), ("Haiphong", 5, 0)],
        "southbound": ([1, 4], time(9, 0)),
        "northbound": ([2, 5], time(8, 0)),
    },
    {
        "code": "CKG-SGN-YYG",
        "via": "Youyiguan and Hanoi",
        "corridor": EAST,
        "services": LTL_FTL,
        "stops": [*VIA_YOUYIGUAN, ("Hanoi", 4, 4), ("Ho Chi Minh City", 36, 0)],
        "southbound": ([1, 5], time(8, 0)),
        "northbound": ([0, 3], time(6, 0)),
    },
    {
        "code": "CKG-HAN-SKO",
        "via": "Shuikou",
        "corridor": EAST,
        "services": LTL_FTL,
        "stops": [*CKG_NNG, ("Shuikou (Longzhou)", 4, 4), ("Ta Lung", 1, 2), ("Hanoi", 7, 0)],
        "southbound": ([3, 6], time(8, 0)),
        "northbound": ([0, 4], time(8, 0)),
    },
    # Central corridor (via Hekou)
    {
        "code": "CKG-HAN-HKO",
        "via": "Hekou",
        "corridor": CENTRAL,
        "services": WITH_COLD_CHAIN,
        "stops": [*CKG_KMG, ("Hekou", 6, 4), ("Lao Cai", 1, 2), ("Hanoi", 5, 0)],
        "southbound": ([0, 2, 4], time(20, 0)),
        "northbound": ([1, 3, 5], time(18, 0)),
    },
    {
        "code": "CKG-HPH-TBO",
        "via": "Tianbao",
        "corridor": CENTRAL,
        "services": LTL_FTL,
        "stops": [*CKG_KMG, ("Tianbao (Malipo)", 7, 4), ("Thanh Thuy", 1, 2), ("Haiphong", 10, 0)],
        "southbound": ([1, 4], time(20, 0)),
        "northbound": ([2, 5], time(18, 0)),
    },
    # West corridor (via Mohan or Ruili)
    {
        "code": "CKG-VTE-MHN",
        "via": "Mohan",
        "corridor": WEST,
        "services": LTL_FTL,
        "stops": [*VIA_MOHAN, ("Vientiane", 13, 0)],
        "southbound": ([0, 3], time(10, 0)),
        "northbound": ([2, 5], time(8, 0)),
    },
    {
        "code": "CKG-BKK-TNL",
        "via": "Mohan, Vientiane and Nong Khai",
        "corridor": WEST,
        "services": WITH_COLD_CHAIN,
        "stops": [*VIA_VIENTIANE_NONG_KHAI, ("Bangkok", 10, 0)],
        "southbound": ([1, 4], time(10, 0)),
        "northbound": ([0, 3], time(12, 0)),
    },
    {
        "code": "CKG-BKK-HXI",
        "via": "Mohan and Chiang Khong (R3A)",
        "corridor": WEST,
        "services": WITH_COLD_CHAIN,
        "stops": [
            *VIA_MOHAN,
            ("Luang Namtha", 2, 1),
            ("Huay Xai (4th Friendship Bridge)", 4, 3),
            ("Chiang Khong (4th Friendship Bridge)", 1, 3),
            ("Bangkok", 13, 0),
        ],
        "southbound": ([0, 2, 5], time(10, 0)),
        "northbound": ([1, 3, 6], time(14, 0)),
    },
    {
        "code": "CKG-KUL-SDO",
        "via": "Mohan, Bangkok and Sadao",
        "corridor": WEST,
        "services": LTL_FTL,
        "stops": [
            *VIA_VIENTIANE_NONG_KHAI,
            ("Bangkok", 10, 6),
            ("Sadao (Dan Nok)", 14, 4),
            ("Bukit Kayu Hitam", 1, 3),
            ("Kuala Lumpur", 7, 0),
        ],
        "southbound": ([2, 5], time(10, 0)),
        "northbound": ([0, 3], time(9, 0)),
    },
    {
        "code": "CKG-RGN-RLI",
        "via": "Ruili and Mandalay",
        "corridor": WEST,
        "services": LTL_FTL,
        "stops": [
            *CKG_KMG,
            ("Ruili", 10, 4),
            ("Muse", 1, 3),
            ("Mandalay", 12, 3),
            ("Yangon", 10, 0),
        ],
        "southbound": ([1, 4], time(10, 0)),
        "northbound": ([0, 3], time(8, 0)),
    },
]

# Vehicles: carrier, plate, type, permit kind, permit number, crossings the permit covers.
# Chinese and Vietnamese lorries cross on bilateral road transport permits; the
# Chongqing–Laos–Thailand lorries on GMS CBTA permits. The Thailand–Malaysia leg of
# CKG-KUL is run by partner tractors that pick the trailer up in Bangkok, so no demo
# vehicle holds a permit for Bukit Kayu Hitam – Sadao. Plates and numbers are made up.
TRACTOR, REEFER = VehicleType.TRACTOR_TRAILER, VehicleType.REEFER
BILATERAL, GMS_CBTA = VehiclePermit.Kind.BILATERAL, VehiclePermit.Kind.GMS_CBTA
CN_VN_EAST = [YYG, DXG, SKO, LBG]
CN_VN_CENTRAL = [HKO, TBO]
CN_LA_TH = [MHN, TNL, HXI]
CN_MM = [RLI, QSH]
VEHICLES = [
    (YUXIN, "渝D·31207", TRACTOR, BILATERAL, "CNVN-2026-000311", CN_VN_EAST),
    (YUXIN, "渝D·31208", TRACTOR, BILATERAL, "CNVN-2026-000312", CN_VN_EAST),
    (YUXIN, "渝D·31562", TRACTOR, BILATERAL, "CNVN-2026-000313", CN_VN_EAST),
    (YUXIN, "渝D·35810", REEFER, BILATERAL, "CNVN-2026-000314", CN_VN_EAST),
    (YUXIN, "渝D·32019", TRACTOR, BILATERAL, "CNVN-2026-000315", CN_VN_CENTRAL),
    (YUXIN, "渝D·35876", REEFER, BILATERAL, "CNVN-2026-000316", CN_VN_CENTRAL),
    (YUXIN, "渝D·32144", TRACTOR, GMS_CBTA, "GMS-CN-2026-00071", CN_LA_TH),
    (YUXIN, "渝D·32145", TRACTOR, GMS_CBTA, "GMS-CN-2026-00072", CN_LA_TH),
    (YUXIN, "渝D·35912", REEFER, GMS_CBTA, "GMS-CN-2026-00073", CN_LA_TH),
    (YUXIN, "渝D·35913", REEFER, GMS_CBTA, "GMS-CN-2026-00074", CN_LA_TH),
    (YUXIN, "渝D·32588", TRACTOR, BILATERAL, "CNMM-2026-000201", CN_MM),
    (YUXIN, "渝D·32589", TRACTOR, BILATERAL, "CNMM-2026-000202", CN_MM),
    (HUU_NGHI, "12C-158.36", TRACTOR, BILATERAL, "VNCN-2026-001041", CN_VN_EAST),
    (HUU_NGHI, "12C-158.37", TRACTOR, BILATERAL, "VNCN-2026-001042", CN_VN_EAST),
    (HUU_NGHI, "12C-204.91", REEFER, BILATERAL, "VNCN-2026-001043", CN_VN_EAST),
    (HUU_NGHI, "29C-612.48", TRACTOR, BILATERAL, "VNCN-2026-001044", CN_VN_EAST),
    (HUU_NGHI, "29C-612.49", TRACTOR, BILATERAL, "VNCN-2026-001045", CN_VN_CENTRAL),
    (HUU_NGHI, "24C-091.27", TRACTOR, BILATERAL, "VNCN-2026-001046", CN_VN_CENTRAL),
    (HUU_NGHI, "24C-091.28", REEFER, BILATERAL, "VNCN-2026-001047", CN_VN_CENTRAL),
    (HUU_NGHI, "29C-733.05", REEFER, BILATERAL, "VNCN-2026-001048", CN_VN_EAST + CN_VN_CENTRAL),
]

# Drivers: carrier, full name, nationality, licence number, phone (E.164). Made-up numbers.
DRIVERS = [
    (YUXIN, "Zhang Jianguo (张建国)", CN, "500100000000000101", "+8613800000101"),
    (YUXIN, "Wang Haitao (王海涛)", CN, "500100000000000102", "+8613800000102"),
    (YUXIN, "Li Qiang (李强)", CN, "500100000000000103", "+8613800000103"),
    (YUXIN, "Liu Yang (刘洋)", CN, "500100000000000104", "+8613800000104"),
    (YUXIN, "Chen Zhiming (陈志明)", CN, "500100000000000105", "+8613800000105"),
    (YUXIN, "Yang Fan (杨帆)", CN, "500100000000000106", "+8613800000106"),
    (YUXIN, "Zhao Lei (赵磊)", CN, "500100000000000107", "+8613800000107"),
    (HUU_NGHI, "Nguyễn Văn Hùng", VN, "010000000201", "+84912000201"),
    (HUU_NGHI, "Trần Minh Tuấn", VN, "010000000202", "+84912000202"),
    (HUU_NGHI, "Lê Quang Hải", VN, "010000000203", "+84912000203"),
    (HUU_NGHI, "Phạm Đức Long", VN, "010000000204", "+84912000204"),
    (HUU_NGHI, "Hoàng Văn Nam", VN, "010000000205", "+84912000205"),
]


# --- Network ----------------------------------------------------------------


def _place(name, local_name, kind, unlocode, country, lat, lon, **extra) -> Location:
    return location_upsert(
        country=country,
        name=name,
        local_name=local_name,
        kind=kind,
        unlocode=unlocode,
        timezone=ZONES[country],
        latitude=Decimal(lat),
        longitude=Decimal(lon),
        **extra,
    )


def seed_network() -> dict[str, Location]:
    """Hubs, cities, gates, crossings and warehouses; returns the places by name."""
    places = {}
    for name, local_name, kind, unlocode, country, lat, lon in PLACES:
        places[name] = _place(name, local_name, kind, unlocode, country, lat, lon)
    for name, local_name, country, lat, lon in GATES:
        places[name] = _place(name, local_name, Location.Kind.BORDER_GATE, "", country, lat, lon)
    for name, gate_a, gate_b in BORDER_CROSSINGS:
        border_crossing_upsert(name=name, gate_a=places[gate_a], gate_b=places[gate_b])
    for name, country, lat, lon in WAREHOUSES:
        places[name] = _place(
            name, "", Location.Kind.WAREHOUSE, "", country, lat, lon, notes=WAREHOUSE_NOTE
        )
    return places


# --- Lines and timetables ----------------------------------------------------


def planned_stops(route: list[tuple], places: dict[str, Location]) -> list[PlannedStop]:
    """(place, driving hours from the previous stop, dwell) → stops with arrival offsets."""
    stops, leaves_previous = [], Decimal(0)
    for number, (name, driving, dwell) in enumerate(route):
        arrival = leaves_previous + driving if number else Decimal(0)
        dwell = Decimal(dwell) if 0 < number < len(route) - 1 else Decimal(0)
        stops.append(PlannedStop(places[name], Decimal(arrival), dwell))
        leaves_previous = arrival + dwell
    return stops


def reversed_route(route: list[tuple]) -> list[tuple]:
    """The same route driven the other way: each leg keeps its driving time, each stop its dwell."""
    backwards = list(reversed(route))
    return [
        (name, route[len(route) - number][1] if number else 0, dwell)
        for number, (name, _driving, dwell) in enumerate(backwards)
    ]


def _timetable(line: Line, departures: tuple[list[int], time], services: list[str]) -> Timetable:
    weekdays, departure_time = departures
    vehicle_type = REEFER if ServiceKind.COLD_CHAIN in services else TRACTOR
    capacity_kg, capacity_m3 = CAPACITY[vehicle_type]
    return timetable_upsert(
        line=line,
        valid_from=TIMETABLES_VALID_FROM,
        weekdays=weekdays,
        departure_time=departure_time,
        vehicle_type=vehicle_type,
        capacity_kg=capacity_kg,
        capacity_m3=capacity_m3,
    )


def seed_lines(places: dict[str, Location], carriers: dict[tuple, Member]) -> list[Line]:
    """Both directions of every route, with their weekly timetables."""
    lines = []
    for route in ROUTES:
        for suffix, direction, stop_table in (
            ("S", Line.Direction.SOUTHBOUND, route["stops"]),
            ("N", Line.Direction.NORTHBOUND, reversed_route(route["stops"])),
        ):
            stops = planned_stops(stop_table, places)
            countries = {str(stop.location.country) for stop in stops}
            operators = [carriers[YUXIN]] + ([carriers[HUU_NGHI]] if VN in countries else [])
            line = line_upsert(
                code=f"{route['code']}-{suffix}",
                name=f"{stop_table[0][0]} – {stop_table[-1][0]} via {route['via']}",
                corridor=route["corridor"],
                direction=direction,
                service_kinds=route["services"],
                stops=stops,
                carriers=operators,
                booking_cutoff_hours=24,
            )
            _timetable(line, route[direction.value], route["services"])
            lines.append(line)
    return lines


# --- Fleet (no service yet: small idempotent helpers) ------------------------


def vehicle_upsert(
    *, carrier: Member, registration_country: str, plate: str, vehicle_type: str
) -> Vehicle:
    capacity_kg, capacity_m3 = CAPACITY[vehicle_type]
    vehicle, _created = Vehicle.objects.update_or_create(
        registration_country=registration_country,
        plate=plate,
        defaults={
            "carrier": carrier,
            "vehicle_type": vehicle_type,
            "capacity_kg": capacity_kg,
            "capacity_m3": capacity_m3,
        },
    )
    vehicle.full_clean()
    return vehicle


def permit_upsert(*, vehicle: Vehicle, number: str, kind: str, crossings: list) -> VehiclePermit:
    permit, _created = VehiclePermit.objects.update_or_create(
        vehicle=vehicle,
        number=number,
        defaults={
            "kind": kind,
            "valid_from": PERMITS_VALID_FROM,
            "valid_until": PERMITS_VALID_UNTIL,
        },
    )
    permit.full_clean()
    permit.crossings.set(crossings)
    return permit


def driver_upsert(
    *, carrier: Member, full_name: str, nationality: str, licence_number: str, phone: str
) -> Driver:
    driver, _created = Driver.objects.update_or_create(
        nationality=nationality,
        licence_number=licence_number,
        defaults={"carrier": carrier, "full_name": full_name, "phone": phone},
    )
    driver.full_clean()
    return driver


def seed_fleet(carriers: dict[tuple, Member]) -> None:
    crossings = {crossing.name: crossing for crossing in BorderCrossing.objects.all()}
    for carrier, plate, vehicle_type, kind, number, crossing_names in VEHICLES:
        vehicle = vehicle_upsert(
            carrier=carriers[carrier],
            registration_country=carrier[0],
            plate=plate,
            vehicle_type=vehicle_type,
        )
        permit_upsert(
            vehicle=vehicle,
            number=number,
            kind=kind,
            crossings=[crossings[name] for name in crossing_names],
        )
    for carrier, full_name, nationality, licence_number, phone in DRIVERS:
        driver_upsert(
            carrier=carriers[carrier],
            full_name=full_name,
            nationality=nationality,
            licence_number=licence_number,
            phone=phone,
        )


# --- Entry point --------------------------------------------------------------


def demo_carriers() -> dict[tuple, Member]:
    return {
        key: Member.objects.get(country=key[0], registration_number=key[1])
        for key in (YUXIN, HUU_NGHI)
    }


DEMO_BOOKINGS = 120


def seed_bookings() -> None:
    """Bookings of the demo members on random routes, so schedule boards show real loads.

    Made once: their references are fixed, and a second run finds them.
    """
    if Booking.objects.filter(reference__startswith="DEMO-").exists():
        return
    rng = random.Random(2026)
    members = list(Member.objects.order_by("pk"))
    routes = []
    for line in Line.objects.prefetch_related("stops__location"):
        stops = sorted(line.stops.all(), key=lambda stop: stop.sequence)
        routes += [(stops[0].location, stop.location) for stop in stops[1:]]
    for number in range(DEMO_BOOKINGS):
        origin, destination = rng.choice(routes)
        booking_create(
            member=rng.choice(members),
            reference=f"DEMO-{number:04d}",
            origin=origin,
            destination=destination,
            ready_date=timezone.localdate() + timedelta(days=rng.randint(0, 14)),
            weight_kg=Decimal(rng.choice([800, 1500, 3000, 6000, 9000])),
            volume_m3=Decimal(rng.choice([3, 6, 12, 20, 30])),
            service_kind=ServiceKind.LTL,
        )


def seed_network_and_schedule() -> None:
    """The whole demo network, schedule and fleet, trips for four weeks, and some bookings."""
    with transaction.atomic():
        places = seed_network()
        carriers = demo_carriers()
        seed_lines(places, carriers)
        seed_fleet(carriers)
        trips_generate()
    seed_bookings()
