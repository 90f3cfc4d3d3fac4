import pytest
from django.core.management import call_command

from alliance.models import Member, MembershipApplication, User
from scheduling.models import BorderCrossing, Location

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_alliance_and_is_idempotent():
    call_command("seed_demo", password="demo-password-1")
    counts = (
        Member.objects.count(),
        User.objects.count(),
        Location.objects.count(),
        BorderCrossing.objects.count(),
        MembershipApplication.objects.count(),
    )

    call_command("seed_demo", password="demo-password-1")

    assert counts == (
        Member.objects.count(),
        User.objects.count(),
        Location.objects.count(),
        BorderCrossing.objects.count(),
        MembershipApplication.objects.count(),
    )
    assert set(Member.objects.values_list("country", flat=True)) == {
        "CN",
        "VN",
        "LA",
        "TH",
        "MY",
        "MM",
        "BN",
    }
    assert {crossing.name for crossing in BorderCrossing.objects.all()} >= {
        "Youyiguan – Huu Nghi",
        "Hekou – Lao Cai",
        "Mohan – Boten",
        "Dongxing – Mong Cai",
        "Ruili – Muse",
    }
    assert Location.objects.get(unlocode="CNCKG").name == "Chongqing"
    assert MembershipApplication.objects.filter(status="pending").count() == 1
    assert User.objects.get(email="ops@yuxin-logistics.example").check_password("demo-password-1")
    assert User.objects.get(email="admin@lorry-alliance.example").is_superuser
