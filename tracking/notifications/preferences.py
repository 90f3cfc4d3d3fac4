"""Which topics each member hears about on each channel."""

from tracking.notifications.models import DEFAULT_TOPICS, ChannelPreference


def topics_by_member(member_ids, channel: str) -> dict[int, set[str]]:
    """The topics each member hears about on the channel; defaults where it has not chosen."""
    chosen = dict(
        ChannelPreference.objects.filter(
            member_id__in=list(member_ids), channel=channel
        ).values_list("member_id", "topics")
    )
    default = set(DEFAULT_TOPICS[channel])
    return {member_id: set(chosen.get(member_id, default)) for member_id in member_ids}
