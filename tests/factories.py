import time

import factory
from django.core.files.base import ContentFile
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance import services
from alliance.constants import ApiScope, BusinessRole, UserRole
from alliance.models import Member, MembershipApplication, User

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    legal_name = factory.Sequence(lambda n: f"Mekong Lorry Line {n} Co., Ltd.")
    country = "TH"
    registration_number = factory.Sequence(lambda n: f"REG-{n:06d}")
    business_roles = factory.LazyFunction(lambda: [BusinessRole.CARRIER])
    fleet_size = 12
    contact_name = "Somchai W."
    email = factory.Sequence(lambda n: f"contact{n}@member.example")
    phone = "+6622345678"
    address = "99 Rama IV Road, Bangkok"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@member.example")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    member = factory.SubFactory(MemberFactory)
    role = UserRole.ADMIN
    language = "en"  # people of the suite read English unless a test says otherwise
    password = factory.PostGenerationMethodCall("set_password", "a-long-password-1")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    """Alliance staff, with the authenticator staff must have (``two_factor=False``: none).

    The device rides on the instance as ``otp_device``, so ``client.force_login(staff)``
    gives a session verified with two factors, as signing in with a code would.
    """

    member = None
    is_staff = True
    is_superuser = True
    email = factory.Sequence(lambda n: f"staff{n}@lorry-alliance.example")

    @factory.post_generation
    def two_factor(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            obj.otp_device = TOTPDevice.objects.create(user=obj, name="authenticator")


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding the device's key shows, now or steps ahead.

    A code is accepted once: a second sign-in within the same 30 seconds uses the next step's
    code, which the device accepts (one step of tolerance for clock drift). The drift the
    device has learnt is the app's, so it is applied here as the app's clock would.
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + (steps_ahead + device.drift) * device.step
    return f"{totp.token():0{device.digits}d}"


def application_data(**overrides) -> dict:
    """Valid input for ``services.application_submit``: a Chongqing carrier."""
    data = {
        "legal_name": "Chongqing Yuxin Cross-Border Logistics Co., Ltd.",
        "local_name": "重庆渝新跨境物流有限公司",
        "country": "CN",
        "registration_number": "91500000MA5U7K3L28",
        "business_roles": [BusinessRole.CARRIER, BusinessRole.FORWARDER],
        "fleet_size": 120,
        "contact_name": "Li Wei",
        "email": "li.wei@yuxin.example",
        "phone": "+862363001234",
        "address": "18 Tuzhu Road, Shapingba District, Chongqing",
        "business_licence": ContentFile(PDF_BYTES, name="licence.pdf"),
        "language": "en",
    }
    data.update(overrides)
    return data


def submit_application(**overrides) -> MembershipApplication:
    return services.application_submit(**application_data(**overrides))


def api_key_for(member: Member, *, scopes=None, actor: User | None = None):
    actor = actor or UserFactory(member=member)
    return services.api_key_create(
        member=member,
        actor=actor,
        name="Telematics gateway",
        scopes=scopes or [ApiScope.MEMBERS_READ],
    )
