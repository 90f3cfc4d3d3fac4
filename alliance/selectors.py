"""Every read of the alliance app, scoped to what the caller may see."""

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.models import ApiKey, Member, MembershipApplication, MembershipEvent, User


def email_in_use(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def member_directory(*, search: str = "", country: str = "", role: str = "") -> QuerySet[Member]:
    """Active members, as every member may see them."""
    members = Member.objects.filter(status=Member.Status.ACTIVE)
    if search:
        members = members.filter(
            Q(legal_name__icontains=search)
            | Q(local_name__icontains=search)
            | Q(contact_name__icontains=search)
        )
    if country:
        members = members.filter(country=country)
    if role:
        members = members.filter(business_roles__contains=[role])
    return members.order_by("legal_name")


def with_two_factor(users: QuerySet[User]) -> QuerySet[User]:
    """Each person with ``has_two_factor``: a confirmed authenticator, as sign-in asks for."""
    confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    return users.annotate(has_two_factor=Exists(confirmed))


def member_colleagues(*, member: Member) -> QuerySet[User]:
    return with_two_factor(User.objects.filter(member=member)).order_by(
        "-is_active", "full_name", "email"
    )


def member_colleague(*, member: Member, pk: int) -> User:
    """One colleague of the member; anyone else's account is a 404."""
    return member_colleagues(member=member).get(pk=pk)


def member_activity(*, member: Member, action: str = "") -> QuerySet[MembershipEvent]:
    """What was done to and within the member, newest first: its own audit trail."""
    events = MembershipEvent.objects.filter(member=member)
    if action:
        events = events.filter(action=action)
    return events.select_related("actor", "subject_user").order_by("-created_at", "-pk")


def member_api_keys(*, member: Member) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(member=member).select_related("created_by", "revoked_by")


def _fields(model, *, leave_out=()) -> list:
    return [f for f in model._meta.concrete_fields if f.name not in leave_out]


# The member's phone is left to load on first use: parsing it costs more than the lookup.
_KEY_FIELDS = _fields(ApiKey)
_MEMBER_FIELDS = _fields(Member, leave_out={"phone"})


# Written out once: this runs on every API request, and composing the query through the
# ORM each time cost ten times what PostgreSQL spends on the indexed lookup.
_ACTIVE_KEY_SQL = (
    "SELECT "  # noqa: S608 — column names from the models; the prefix is a parameter
    + ", ".join(
        [f"k.{connection.ops.quote_name(f.column)}" for f in _KEY_FIELDS]
        + [f"m.{connection.ops.quote_name(f.column)}" for f in _MEMBER_FIELDS]
    )
    + " FROM alliance_apikey k JOIN alliance_member m ON m.id = k.member_id"
    " WHERE k.prefix = %s AND k.revoked_at IS NULL"
)


def api_key_by_prefix(*, prefix: str) -> ApiKey | None:
    """The unrevoked key with this prefix (unique), its member loaded with it."""
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVE_KEY_SQL, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_KEY_FIELDS)
    api_key = ApiKey.from_db(connection.alias, [f.attname for f in _KEY_FIELDS], row[:split])
    member = Member.from_db(connection.alias, [f.attname for f in _MEMBER_FIELDS], row[split:])
    ApiKey.member.field.set_cached_value(api_key, member)
    return api_key


def pending_applications() -> QuerySet[MembershipApplication]:
    return MembershipApplication.objects.filter(status=MembershipApplication.Status.PENDING)
