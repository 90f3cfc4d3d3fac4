"""Onboarding and account-security emails, each rendered in its recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alliance.languages import language_of
from alliance.models import MembershipApplication, User
from alliance.tokens import invitation_token_generator


def _send(*, template: str, to: str, language: str, context: dict) -> None:
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = render_to_string(f"alliance/emails/{template}_subject.txt", context)
        body = render_to_string(f"alliance/emails/{template}.txt", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, to=[to])
    message.send()


def invitation_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_token_generator.make_token(user)
    path = reverse("invitation_accept", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


def send_application_received(*, application_id: int) -> None:
    application = MembershipApplication.objects.get(pk=application_id)
    _send(
        template="application_received",
        to=application.email,
        language=application.language,
        context={"application": application},
    )


def send_application_rejected(*, application_id: int) -> None:
    application = MembershipApplication.objects.get(pk=application_id)
    _send(
        template="application_rejected",
        to=application.email,
        language=application.language,
        context={"application": application},
    )


def send_invitation(*, user_id: int) -> None:
    user = User.objects.select_related("member").get(pk=user_id)
    if not user.is_active or user.has_usable_password():
        return  # already accepted, or deactivated since: nothing to send
    _send(
        template="invitation",
        to=user.email,
        language=language_of(user),
        context={"user": user, "member": user.member, "url": invitation_url(user)},
    )


# What happened to a person's second factor, and the email that tells them.
TWO_FACTOR_CHANGE_TEMPLATES = {"off": "two_factor_off", "reset": "two_factor_reset"}


def send_two_factor_changed(*, user_id: int, change: str) -> None:
    """Tells a person their second factor was turned off or reset by an admin."""
    template = TWO_FACTOR_CHANGE_TEMPLATES[change]
    user = User.objects.get(pk=user_id)
    if not user.is_active:
        return
    _send(
        template=template,
        to=user.email,
        language=language_of(user),
        context={"user": user, "url": f"{settings.SITE_URL}{reverse('alliance:two_factor')}"},
    )
