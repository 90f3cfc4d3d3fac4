"""Two-factor sign-in: a TOTP device per person, with single-use backup codes.

The writes (enrol, confirm, turn off, new backup codes) and the one read every sign-in needs;
an admin's reset is a service of its own (``services.user_two_factor_reset``).
A TOTP device counts only once confirmed with a code from the person's app; backup codes
(django-otp's static device) come with it and go with it.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from redis.exceptions import RedisError

from alliance import tasks
from alliance.audit import after_commit, membership_event_record
from alliance.models import MembershipEvent
from config.exceptions import ApplicationError

User = get_user_model()
BACKUP_CODE_COUNT = 10
DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"


class WrongCode(ApplicationError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("This code is not right. Check your app and try again."))


class AlreadyOff(ApplicationError):
    """Turning off what is not on (a second tab, or an authenticator never confirmed)."""

    def __init__(self):
        super().__init__(_("Two-factor sign-in is already off."))


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a code: the device that accepted it, or why none did."""

    device: object | None
    wait_seconds: int = 0


def user_has_two_factor(*, user) -> bool:
    """True once the person has a confirmed authenticator: every sign-in then asks a code."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


logger = logging.getLogger(__name__)

CACHE_SECONDS = 300


def _cache_key(user_id) -> str:
    return f"alliance:two-factor:{user_id}"


def user_has_two_factor_cached(*, user) -> bool:
    """The same answer, remembered in the cache, for the check every signed-in request makes.

    Every change to a person's devices (here, in the admin, anywhere) forgets it at once.
    """
    key = _cache_key(user.pk)
    try:
        answer = cache.get(key)
        if answer is None:
            answer = user_has_two_factor(user=user)
            cache.set(key, answer, CACHE_SECONDS)
    except (RedisError, OSError):
        # The cache is down: ask the database, so signed-in people keep working.
        return user_has_two_factor(user=user)
    return answer


@receiver([post_save, post_delete], sender=TOTPDevice, dispatch_uid="two-factor-cache")
def _forget_cached_answer(sender, instance, **kwargs):
    user_id = instance.user_id
    # Now, and again once the change is committed: a request in between may have cached the
    # answer from before the change.
    transaction.on_commit(lambda: _forget(user_id), robust=True)
    _forget(user_id)


def _forget(user_id) -> None:
    try:
        cache.delete(_cache_key(user_id))
    except (RedisError, OSError) as error:
        logger.warning("two-factor answer not forgotten, cache unavailable: %s", error)


@receiver(user_logged_in, dispatch_uid="two-factor-cache-warm")
def _remember_at_sign_in(sender, request, user, **kwargs):
    # Answered once at sign-in, so the requests that follow ask the database nothing.
    try:
        cache.set(_cache_key(user.pk), user_has_two_factor(user=user), CACHE_SECONDS)
    except (RedisError, OSError) as error:
        logger.warning("two-factor answer not remembered, cache unavailable: %s", error)


def pending_device(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()


def backup_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk).count()


@transaction.atomic(durable=True)
def two_factor_enrol(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator with a fresh secret (any earlier unconfirmed one goes)."""
    if user_has_two_factor(user=user):
        raise ApplicationError(_("Two-factor sign-in is already on."))
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic(durable=True)
def two_factor_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirms the pending authenticator with a current code; returns it and new backup codes."""
    device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False).first()
    if device is None:
        raise ApplicationError(_("Start again: there is no authenticator waiting to be confirmed."))
    if not device.verify_token(_digits(code)):
        raise WrongCode()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _record(MembershipEvent.Action.TWO_FACTOR_ON, user=user)
    return device, _new_backup_codes(user=user)


@transaction.atomic(durable=True)
def two_factor_backup_codes_renew(*, user) -> list[str]:
    if not user_has_two_factor(user=user):
        raise ApplicationError(_("Turn on two-factor sign-in first."))
    return _new_backup_codes(user=user)


def _new_backup_codes(*, user) -> list[str]:
    """Replaces the person's backup codes; the codes are shown once and never again."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic(durable=True)
def two_factor_disable(*, user, code: str = "", password: str = "") -> None:
    """Turns two-factor sign-in off, given a current code (or backup code) or the password."""
    if user.is_staff:
        raise ApplicationError(_("Alliance staff must keep two-factor sign-in on."))
    if password:
        if not user.check_password(password):
            raise WrongCode(_("This password is not right."))
    elif not code or _verify(user=user, code=code).device is None:
        raise WrongCode()
    if not devices_remove(user=user):
        raise AlreadyOff()
    _record(MembershipEvent.Action.TWO_FACTOR_OFF, user=user)
    # Someone else with the password could have done it: the person hears of it either way.
    after_commit(tasks.send_two_factor_changed, user_id=user.pk, change="off")


def _record(action: str, *, user) -> None:
    membership_event_record(action=action, actor=user, member_id=user.member_id, subject_user=user)


def devices_remove(*, user) -> int:
    """Removes the person's authenticator and backup codes; how many confirmed ones there were.

    The caller's transaction holds the confirmed authenticator's row from the moment it is
    read, so a second removal running at once finds none instead of two reporting success.
    """
    confirmed = list(TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True))
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    return len(confirmed)


def two_factor_verify(*, user, code: str) -> Verification:
    """Checks a sign-in code: the authenticator's current code, else one backup code (used up)."""
    with transaction.atomic():
        return _verify(user=user, code=code)


def _verify(*, user, code: str) -> Verification:
    code = code.strip().replace(" ", "")
    wait = 0
    totp = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
    if totp is not None and code.isdigit():
        allowed, data = totp.verify_is_allowed()
        if allowed and totp.verify_token(code):
            return Verification(device=totp)
        if not allowed:
            wait = _seconds_until(data)
    backup = StaticDevice.objects.select_for_update().filter(user_id=user.pk).first()
    if backup is not None and not code.isdigit():
        allowed, data = backup.verify_is_allowed()
        if allowed and backup.verify_token(code.lower()):
            return Verification(device=backup)
        if not allowed:
            wait = _seconds_until(data)
    return Verification(device=None, wait_seconds=wait)


def _seconds_until(data) -> int:
    from django.utils import timezone

    until = (data or {}).get("locked_until")
    return max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1


def _digits(code: str) -> str:
    return (code or "").strip().replace(" ", "")
