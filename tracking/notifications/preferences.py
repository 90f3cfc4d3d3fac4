"""Which topics each member hears about on each channel."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from alliance.constants import UserRole
from config.exceptions import ApplicationError
from tracking.notifications.models import (
    DEFAULT_TOPICS,
    Channel,
    ChannelPreference,
    EmailRecipient,
    Topic,
)


def topics_by_member(member_ids, channel: str) -> dict[int, set[str]]:
    """The topics each member hears about on the channel; defaults where it has not chosen."""
    chosen = dict(
        ChannelPreference.objects.filter(
            member_id__in=list(member_ids), channel=channel
        ).values_list("member_id", "topics")
    )
    default = set(DEFAULT_TOPICS[channel])
    return {member_id: set(chosen.get(member_id, default)) for member_id in member_ids}


# --- Reading and changing a member's choices ---------------------------------------------------


def topics_of(member, channel: str) -> list[str]:
    """The topics the member hears about on the channel, in ``Topic`` order (defaults if unset)."""
    chosen = topics_by_member([member.pk], channel)[member.pk]
    return [topic for topic in Topic.values if topic in chosen]


def email_recipients_of(member) -> list:
    """Who receives the member's notification emails: its chosen active colleagues, else its
    active administrators."""
    # With their member: each one's language may be its country's (``language_of``).
    people = (
        get_user_model()
        .objects.filter(member=member, is_active=True)
        .select_related("member")
        .order_by("email")
    )
    chosen = list(
        people.filter(pk__in=EmailRecipient.objects.filter(member=member).values("user_id"))
    )
    return chosen or list(people.filter(role=UserRole.ADMIN))


def chosen_email_recipient_ids(member) -> set[int]:
    return set(EmailRecipient.objects.filter(member=member).values_list("user_id", flat=True))


@transaction.atomic
def preferences_save(*, member, channel: str, topics) -> ChannelPreference:
    """Choose the topics the member hears about on one channel (an empty list: none)."""
    if channel not in Channel.values:
        raise ApplicationError(_("Unknown channel: %(channel)s.") % {"channel": channel})
    unknown = set(topics) - set(Topic.values)
    if unknown:
        raise ApplicationError(
            _("Unknown topics: %(topics)s.") % {"topics": ", ".join(sorted(unknown))},
            field="topics",
        )
    preference, _created = ChannelPreference.objects.update_or_create(
        member=member,
        channel=channel,
        defaults={"topics": [topic for topic in Topic.values if topic in set(topics)]},
    )
    return preference


@transaction.atomic
def email_recipients_set(*, member, users) -> list:
    """Choose which colleagues receive the member's emails (none: its administrators).

    Only active people of the member may be chosen. Returns the chosen people.
    """
    users = list(users)
    wrong = [user for user in users if user.member_id != member.pk or not user.is_active]
    if wrong:
        raise ApplicationError(
            _("Only active colleagues of your company can receive its emails."),
            field="recipients",
        )
    keep = {user.pk for user in users}
    EmailRecipient.objects.filter(member=member).exclude(user_id__in=keep).delete()
    EmailRecipient.objects.bulk_create(
        [EmailRecipient(member=member, user_id=pk) for pk in sorted(keep)], ignore_conflicts=True
    )
    return users


@transaction.atomic(durable=True)
def notification_settings_save(*, member, topics_by_channel: dict[str, list[str]], recipients):
    """The settings page: every channel's topics and the email recipients, at once.

    A channel whose topics are what the member already hears about is left alone,
    so a member that never changed a channel keeps following the defaults.
    """
    for channel, topics in topics_by_channel.items():
        if topics_of(member, channel) != [topic for topic in Topic.values if topic in topics]:
            preferences_save(member=member, channel=channel, topics=topics)
    email_recipients_set(member=member, users=recipients)
