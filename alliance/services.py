"""Every write of the alliance app: onboarding, members, colleagues, their sign-in and API keys.

Each public function is one durable transaction that writes its audit row and
schedules its emails for after the commit.
"""

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import languages, sessions, tasks, two_factor
from alliance.api import key_cache
from alliance.audit import after_commit, membership_event_record
from alliance.constants import ApiScope, UserRole
from alliance.exceptions import (
    DuplicateApplication,
    EmailTaken,
    InvalidTransition,
    LastAdministrator,
)
from alliance.models import ApiKey, Member, MembershipApplication, MembershipEvent, User
from alliance.selectors import email_in_use
from alliance.validators import licence_extension
from config.exceptions import ApplicationError

API_KEY_PREFIX = "lak_"
# Recording every request's use would write on every call; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


# --- Onboarding -------------------------------------------------------------


@transaction.atomic(durable=True)
def application_submit(
    *,
    legal_name: str,
    local_name: str = "",
    country: str,
    registration_number: str,
    business_roles: list[str],
    fleet_size: int | None,
    contact_name: str,
    email: str,
    phone: str,
    address: str,
    business_licence,
    language: str = "en",
) -> MembershipApplication:
    """Record a company's application and acknowledge it by email."""
    if MembershipApplication.objects.filter(
        country=country,
        registration_number=registration_number,
        status=MembershipApplication.Status.PENDING,
    ).exists():
        raise DuplicateApplication(
            _("An application for this registration number is already under review."),
            field="registration_number",
        )
    if Member.objects.filter(country=country, registration_number=registration_number).exists():
        raise DuplicateApplication(
            _("A company with this registration number is already a member of the alliance."),
            field="registration_number",
        )
    # The applicant's file name is never reused: a random name with the extension of
    # the detected type keeps an uploaded page from ever being served as HTML.
    business_licence.name = f"{uuid.uuid4().hex}.{licence_extension(business_licence)}"
    application = MembershipApplication(
        legal_name=legal_name,
        local_name=local_name,
        country=country,
        registration_number=registration_number,
        business_roles=business_roles,
        fleet_size=fleet_size,
        contact_name=contact_name,
        email=email.lower(),
        phone=phone,
        address=address,
        business_licence=business_licence,
        language=language,
        terms_accepted_at=timezone.now(),
    )
    application.full_clean()
    try:
        # The partial unique index settles a race between two identical submissions.
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        raise DuplicateApplication(
            _("An application for this registration number is already under review."),
            field="registration_number",
        ) from error
    membership_event_record(
        action=MembershipEvent.Action.APPLICATION_SUBMITTED, application=application
    )
    after_commit(tasks.send_application_received, application_id=application.pk)
    return application


def _lock_pending(application: MembershipApplication, target: str) -> MembershipApplication:
    locked = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if target not in MembershipApplication.TRANSITIONS[locked.status]:
        raise InvalidTransition(
            _("This application was already %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


@transaction.atomic(durable=True)
def application_approve(*, application: MembershipApplication, actor: User) -> Member:
    """Admit the company: create its member and first admin, and invite that admin."""
    application = _lock_pending(application, MembershipApplication.Status.APPROVED)
    if email_in_use(email=application.email):
        raise EmailTaken(
            _("%(email)s already has an account, so it cannot become this member's admin.")
            % {"email": application.email}
        )
    member = Member.objects.create(
        legal_name=application.legal_name,
        local_name=application.local_name,
        country=application.country,
        registration_number=application.registration_number,
        business_roles=application.business_roles,
        fleet_size=application.fleet_size,
        contact_name=application.contact_name,
        email=application.email,
        phone=application.phone,
        address=application.address,
    )
    admin = User.objects.create_user(
        email=application.email,
        full_name=application.contact_name,
        member=member,
        role=UserRole.ADMIN,
        language=application.language,
    )
    application.status = MembershipApplication.Status.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.member = member
    application.save(update_fields=["status", "decided_at", "decided_by", "member"])
    membership_event_record(
        action=MembershipEvent.Action.APPLICATION_APPROVED,
        actor=actor,
        application=application,
        member=member,
        subject_user=admin,
    )
    after_commit(tasks.send_invitation, user_id=admin.pk)
    return member


@transaction.atomic(durable=True)
def application_reject(
    *, application: MembershipApplication, actor: User, reason: str
) -> MembershipApplication:
    """Turn the application down, telling the applicant why."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the applicant a reason for the rejection."), field="reason")
    application = _lock_pending(application, MembershipApplication.Status.REJECTED)
    application.status = MembershipApplication.Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.rejection_reason = reason
    application.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
    membership_event_record(
        action=MembershipEvent.Action.APPLICATION_REJECTED,
        actor=actor,
        application=application,
        reason=reason,
    )
    after_commit(tasks.send_application_rejected, application_id=application.pk)
    return application


# --- Members ----------------------------------------------------------------


@transaction.atomic(durable=True)
def member_suspend(*, member: Member, actor: User, reason: str) -> Member:
    """Shut a member out: its people cannot sign in and its API keys stop working."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Record why the member is suspended."), field="reason")
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.SUSPENDED:
        raise InvalidTransition(_("%(member)s is already suspended.") % {"member": member})
    member.status = Member.Status.SUSPENDED
    member.suspension_reason = reason
    member.save(update_fields=["status", "suspension_reason"])
    membership_event_record(
        action=MembershipEvent.Action.MEMBER_SUSPENDED, actor=actor, member=member, reason=reason
    )
    key_cache.forget_keys()
    return member


@transaction.atomic(durable=True)
def member_reactivate(*, member: Member, actor: User) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.ACTIVE:
        raise InvalidTransition(_("%(member)s is already active.") % {"member": member})
    member.status = Member.Status.ACTIVE
    member.suspension_reason = ""
    member.save(update_fields=["status", "suspension_reason"])
    membership_event_record(
        action=MembershipEvent.Action.MEMBER_REACTIVATED, actor=actor, member=member
    )
    key_cache.forget_keys()
    return member


# --- A person's own settings ------------------------------------------------


def user_preferences_update(*, user: User, language: str, time_zone: str) -> User:
    """The language and time zone someone reads in; empty means follow the defaults
    (``alliance.languages``)."""
    if language and language not in languages.SUPPORTED:
        raise ApplicationError(_("Choose one of the offered languages."), field="language")
    if time_zone and time_zone not in languages.OWN_ZONES:
        raise ApplicationError(_("Choose one of the offered time zones."), field="time_zone")
    user.language, user.time_zone = language, time_zone
    user.save(update_fields=["language", "time_zone"])
    return user


def user_language_choose(*, user: User, language: str) -> None:
    """The language switcher's choice, remembered in the profile of someone signed in."""
    if language in languages.SUPPORTED and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# --- Colleagues -------------------------------------------------------------


@transaction.atomic(durable=True)
def user_invite(
    *, member: Member, actor: User, email: str, full_name: str, role: str, language: str = ""
) -> User:
    """Give a colleague an account and email them a link to choose a password."""
    if email_in_use(email=email):
        raise EmailTaken(_("Someone already has an account with this email."), field="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, full_name=full_name, member=member, role=role, language=language
            )
    except IntegrityError as error:  # the same address invited twice at once
        raise EmailTaken(
            _("Someone already has an account with this email."), field="email"
        ) from error
    membership_event_record(
        action=MembershipEvent.Action.USER_INVITED,
        actor=actor,
        member=member,
        subject_user=user,
        details={"role": role},
    )
    after_commit(tasks.send_invitation, user_id=user.pk)
    return user


def _other_active_admins(user: User):
    """Other administrators who can act: active and with a password (invitation accepted)."""
    return (
        User.objects.filter(member_id=user.member_id, role=UserRole.ADMIN, is_active=True)
        .exclude(pk=user.pk)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )


@transaction.atomic(durable=True)
def user_invitation_resend(*, user: User, actor: User) -> User:
    """Send a fresh invitation link to someone who has not chosen a password yet."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise InvalidTransition(_("%(user)s is deactivated.") % {"user": user.get_full_name()})
    if user.has_usable_password():
        raise InvalidTransition(
            _("%(user)s has already accepted; they can reset their password if it is lost.")
            % {"user": user.get_full_name()}
        )
    membership_event_record(
        action=MembershipEvent.Action.USER_INVITED,
        actor=actor,
        member_id=user.member_id,
        subject_user=user,
        details={"resent": True},
    )
    after_commit(tasks.send_invitation, user_id=user.pk)
    return user


@transaction.atomic(durable=True)
def user_two_factor_reset(*, user: User, actor: User, reason: str) -> User:
    """An alliance admin turns someone's two-factor sign-in off: a lost phone, no backup code.

    The person then signs in with the password alone (staff are asked to enrol again), every
    browser they were signed in on is signed out, they are told by email, and the reset is
    recorded with the admin's reason. Nobody resets their own, and only a superuser resets a
    superuser: otherwise a stolen staff session, or the right to change users, would be
    enough to drop a stronger account's second factor.
    """
    if user.pk == actor.pk:
        raise InvalidTransition(
            _("Ask another alliance admin to reset your own two-factor sign-in.")
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_superuser and not actor.is_superuser:
        raise InvalidTransition(
            _("Only a superuser may reset the two-factor sign-in of %(user)s.")
            % {"user": user.get_full_name()}
        )
    if not two_factor.devices_remove(user=user):
        raise InvalidTransition(
            _("%(user)s has no two-factor sign-in to reset.") % {"user": user.get_full_name()}
        )
    sessions.sign_out_everywhere(user=user)
    membership_event_record(
        action=MembershipEvent.Action.TWO_FACTOR_RESET,
        actor=actor,
        member_id=user.member_id,
        subject_user=user,
        reason=reason,
    )
    after_commit(tasks.send_two_factor_changed, user_id=user.pk, change="reset")
    return user


def _lock_colleague(user: User) -> User:
    # Locking every admin of the member serialises concurrent demotions, so
    # two admins cannot demote each other and leave the member with none.
    list(User.objects.select_for_update().filter(member_id=user.member_id, role=UserRole.ADMIN))
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic(durable=True)
def user_change_role(*, user: User, actor: User, role: str) -> User:
    user = _lock_colleague(user)
    if user.role == role:
        return user
    if user.role == UserRole.ADMIN and user.is_active and not _other_active_admins(user).exists():
        raise LastAdministrator(
            _(
                "%(user)s is the member's only administrator; make someone else an administrator first."  # noqa: E501
            )
            % {"user": user.get_full_name()}
        )
    previous = user.role
    user.role = role
    user.save(update_fields=["role"])
    membership_event_record(
        action=MembershipEvent.Action.USER_ROLE_CHANGED,
        actor=actor,
        member_id=user.member_id,
        subject_user=user,
        details={"from": previous, "to": role},
    )
    return user


@transaction.atomic(durable=True)
def user_deactivate(*, user: User, actor: User) -> User:
    user = _lock_colleague(user)
    if not user.is_active:
        raise InvalidTransition(
            _("%(user)s is already deactivated.") % {"user": user.get_full_name()}
        )
    if user.pk == actor.pk:
        raise ApplicationError(_("You cannot deactivate your own account."))
    if user.role == UserRole.ADMIN and not _other_active_admins(user).exists():
        raise LastAdministrator(
            _("%(user)s is the member's only administrator and cannot be deactivated.")
            % {"user": user.get_full_name()}
        )
    user.is_active = False
    user.save(update_fields=["is_active"])
    membership_event_record(
        action=MembershipEvent.Action.USER_DEACTIVATED,
        actor=actor,
        member_id=user.member_id,
        subject_user=user,
    )
    return user


@transaction.atomic(durable=True)
def user_reactivate(*, user: User, actor: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise InvalidTransition(_("%(user)s is already active.") % {"user": user.get_full_name()})
    user.is_active = True
    user.save(update_fields=["is_active"])
    membership_event_record(
        action=MembershipEvent.Action.USER_REACTIVATED,
        actor=actor,
        member_id=user.member_id,
        subject_user=user,
    )
    return user


# --- API keys ---------------------------------------------------------------


def hash_api_secret(secret: str) -> str:
    # Keys carry 256 bits of randomness, so a plain SHA-256 resists guessing;
    # a slow password hash would only slow down every API call.
    return hashlib.sha256(secret.encode()).hexdigest()


def split_api_key(raw_key: str) -> tuple[str, str] | None:
    """Return (prefix, full key) for a well-formed key, else None."""
    if not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) < len(API_KEY_PREFIX) + 20:
        return None
    prefix = raw_key[len(API_KEY_PREFIX) : len(API_KEY_PREFIX) + 8]
    return prefix, raw_key


def api_key_matches(api_key: ApiKey, raw_key: str) -> bool:
    return hmac.compare_digest(api_key.hashed_secret, hash_api_secret(raw_key))


@transaction.atomic(durable=True)
def api_key_create(
    *, member: Member, actor: User, name: str, scopes: list[str]
) -> tuple[ApiKey, str]:
    """Create a key; the raw key is returned once and never stored."""
    unknown = set(scopes) - set(ApiScope.values)
    if not scopes or unknown:
        raise ApplicationError(_("Choose at least one valid scope."), field="scopes")
    for attempt in range(3):
        prefix = secrets.token_hex(4)
        raw_key = f"{API_KEY_PREFIX}{prefix}{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    member=member,
                    name=name.strip(),
                    prefix=prefix,
                    hashed_secret=hash_api_secret(raw_key),
                    scopes=sorted(set(scopes)),
                    created_by=actor,
                )
            break
        except IntegrityError:  # two keys drew the same 32-bit prefix: draw again
            if attempt == 2:
                raise
    membership_event_record(
        action=MembershipEvent.Action.API_KEY_CREATED,
        actor=actor,
        member=member,
        details={"api_key": prefix, "name": api_key.name, "scopes": api_key.scopes},
    )
    return api_key, raw_key


@transaction.atomic(durable=True)
def api_key_revoke(*, api_key: ApiKey, actor: User) -> ApiKey:
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.is_revoked:
        raise InvalidTransition(_("This API key was already revoked."))
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = actor
    api_key.save(update_fields=["revoked_at", "revoked_by"])
    key_cache.forget_keys()
    membership_event_record(
        action=MembershipEvent.Action.API_KEY_REVOKED,
        actor=actor,
        member_id=api_key.member_id,
        details={"api_key": api_key.prefix, "name": api_key.name},
    )
    return api_key


def api_key_record_use(*, api_key: ApiKey) -> None:
    """Note that the key was used, at most once a minute (a conditional update, no lock)."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_PRECISION:
        return
    ApiKey.objects.filter(pk=api_key.pk).exclude(last_used_at__gt=now - LAST_USED_PRECISION).update(
        last_used_at=now
    )
    api_key.last_used_at = now
