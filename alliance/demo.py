"""Demo members: a company from each of seven countries, admitted through real onboarding."""

from django.core.files.base import ContentFile
from django.test.utils import override_settings

from alliance import services
from alliance.constants import BusinessRole, UserRole
from alliance.models import Member, MembershipApplication, User

ADMIN_EMAIL = "admin@lorry-alliance.example"
DEMO_MEMBER_EMAIL = "ops@yuxin-logistics.example"

MEMBERS = [
    {
        "legal_name": "Chongqing Yuxin Cross-Border Logistics Co., Ltd.",
        "local_name": "重庆渝新跨境物流有限公司",
        "country": "CN",
        "registration_number": "91500000MA5U7K3L28",
        "business_roles": [BusinessRole.CARRIER, BusinessRole.FORWARDER],
        "fleet_size": 120,
        "contact_name": "Li Wei",
        "email": DEMO_MEMBER_EMAIL,
        "phone": "+862363001234",
        "address": "18 Tuzhu Road, Shapingba District, Chongqing",
        "language": "zh-hans",
    },
    {
        "legal_name": "Huu Nghi Transport Joint Stock Company",
        "local_name": "Công ty Cổ phần Vận tải Hữu Nghị",
        "country": "VN",
        "registration_number": "0101234565",
        "business_roles": [BusinessRole.CARRIER],
        "fleet_size": 45,
        "contact_name": "Nguyễn Văn An",
        "email": "dispatch@huunghi-transport.example",
        "phone": "+842439001234",
        "address": "25 Giải Phóng, Hai Bà Trưng, Hà Nội",
        "language": "vi",
    },
    {
        "legal_name": "Boten Vientiane Logistics Sole Co., Ltd.",
        "local_name": "",
        "country": "LA",
        "registration_number": "LA-0123-2019",
        "business_roles": [BusinessRole.FORWARDER, BusinessRole.WAREHOUSE],
        "fleet_size": None,
        "contact_name": "Souksavanh Phommachanh",
        "email": "info@boten-logistics.example",
        "phone": "+85621250123",
        "address": "Thadeua Road, Sisattanak District, Vientiane",
        "language": "en",
    },
    {
        "legal_name": "Mekong Freight Co., Ltd.",
        "local_name": "บริษัท แม่โขง เฟรท จำกัด",
        "country": "TH",
        "registration_number": "0105556123453",
        "business_roles": [BusinessRole.FORWARDER, BusinessRole.CUSTOMS_BROKER],
        "fleet_size": None,
        "contact_name": "Somchai Wongsuwan",
        "email": "ops@mekong-freight.example",
        "phone": "+6622345678",
        "address": "99 Rama IV Road, Khlong Toei, Bangkok 10110",
        "language": "en",
    },
    {
        "legal_name": "Klang Valley Cold Chain Sdn. Bhd.",
        "local_name": "",
        "country": "MY",
        "registration_number": "201901012345",
        "business_roles": [BusinessRole.WAREHOUSE, BusinessRole.SHIPPER],
        "fleet_size": None,
        "contact_name": "Tan Mei Ling",
        "email": "coldchain@klangvalley.example",
        "phone": "+60378001234",
        "address": "Lot 12, Jalan Kilang, Shah Alam, Selangor",
        "language": "en",
    },
    {
        "legal_name": "Muse Border Trading Co., Ltd.",
        "local_name": "မူဆယ် နယ်စပ်ကုန်သွယ်ရေး ကုမ္ပဏီ",
        "country": "MM",
        "registration_number": "112233445",
        "business_roles": [BusinessRole.CUSTOMS_BROKER],
        "fleet_size": None,
        "contact_name": "Aung Ko Ko",
        "email": "clearance@muse-trading.example",
        "phone": "+95822345678",
        "address": "105th Mile Trade Zone, Muse, Shan State",
        "language": "en",
    },
    {
        "legal_name": "Darussalam Halal Foods Sdn Bhd",
        "local_name": "",
        "country": "BN",
        "registration_number": "RC00012345",
        "business_roles": [BusinessRole.SHIPPER],
        "fleet_size": None,
        "contact_name": "Hajah Nurul Aini",
        "email": "export@darussalam-foods.example",
        "phone": "+6732223456",
        "address": "Jalan Gadong, Bandar Seri Begawan BE1118",
        "language": "en",
    },
]

PENDING_APPLICATION = {
    "legal_name": "Kunming Lancang Express Co., Ltd.",
    "local_name": "昆明澜沧快运有限公司",
    "country": "CN",
    "registration_number": "91530100MA6K8Q4R1Y",
    "business_roles": [BusinessRole.CARRIER],
    "fleet_size": 30,
    "contact_name": "Zhang Min",
    "email": "apply@lancang-express.example",
    "phone": "+8687163001234",
    "address": "88 Dianchi Road, Kunming, Yunnan",
    "language": "zh-hans",
}

# The smallest well-formed PDF: a stand-in for a scanned licence.
DEMO_LICENCE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _submit(data: dict) -> MembershipApplication:
    return services.application_submit(
        **data, business_licence=ContentFile(DEMO_LICENCE_PDF, name="licence.pdf")
    )


# Demo members are admitted through the real onboarding services; their
# invitation emails would only be noise, so they go nowhere.
@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def seed_members(*, password: str) -> User:
    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        admin = User.objects.create_superuser(
            email=ADMIN_EMAIL, password=password, full_name="Alliance Secretariat"
        )
    for data in MEMBERS:
        if Member.objects.filter(
            country=data["country"], registration_number=data["registration_number"]
        ).exists():
            continue
        application = _submit(data)
        member = services.application_approve(application=application, actor=admin)
        first_admin = member.users.get()
        first_admin.set_password(password)
        first_admin.save(update_fields=["password"])
    demo_member = Member.objects.get(registration_number=MEMBERS[0]["registration_number"])
    for email, name, role in [
        ("dispatch@yuxin-logistics.example", "Chen Jing", UserRole.DISPATCHER),
        ("viewer@yuxin-logistics.example", "Wang Fang", UserRole.VIEWER),
    ]:
        if not User.objects.filter(email=email).exists():
            colleague = services.user_invite(
                member=demo_member, actor=admin, email=email, full_name=name, role=role
            )
            colleague.set_password(password)
            colleague.save(update_fields=["password"])
    if not MembershipApplication.objects.filter(
        registration_number=PENDING_APPLICATION["registration_number"]
    ).exists():
        _submit(PENDING_APPLICATION)
    return admin
