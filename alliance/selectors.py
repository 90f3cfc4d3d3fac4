"""Every read of the alliance app, scoped to what the caller may see."""

from django.db.models import Q, QuerySet

from alliance.models import ApiKey, Member, MembershipApplication, User


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


def member_colleagues(*, member: Member) -> QuerySet[User]:
    return User.objects.filter(member=member).order_by("-is_active", "full_name", "email")


def member_colleague(*, member: Member, pk: int) -> User:
    """One colleague of the member; anyone else's account is a 404."""
    return member_colleagues(member=member).get(pk=pk)


def member_api_keys(*, member: Member) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(member=member).select_related("created_by", "revoked_by")


def api_key_by_prefix(*, prefix: str) -> ApiKey | None:
    """On every API request: one indexed lookup, no sorting (the prefix is unique)."""
    rows = ApiKey.objects.select_related("member").filter(prefix=prefix, revoked_at__isnull=True)
    return next(iter(rows.order_by()[:1]), None)


def pending_applications() -> QuerySet[MembershipApplication]:
    return MembershipApplication.objects.filter(status=MembershipApplication.Status.PENDING)
