"""The member administrator's notification settings: topics per channel, email recipients."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tracking.notifications.models import Channel, Topic
from tracking.notifications.preferences import chosen_email_recipient_ids, topics_of

CHANNEL_HELP = {
    Channel.EMAIL: _(
        "Sent to the colleagues chosen below; what happens to one shipment within a few "
        "minutes arrives as one email."
    ),
    Channel.WEBHOOK: _("Posted to your company's webhook endpoints."),
    Channel.IN_APP: _("The bell at the top of the portal, for every colleague."),
}


class RecipientField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} <{obj.email}> · {obj.get_role_display()}"


class NotificationSettingsForm(forms.Form):
    """One set of topic checkboxes per channel, then the email recipients.

    Shows what the member hears about now: its choices, or the defaults.
    """

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        for channel in Channel:
            self.fields[self.field_name(channel)] = forms.MultipleChoiceField(
                label=channel.label,
                choices=Topic.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=topics_of(member, channel),
                help_text=CHANNEL_HELP[channel],
            )
        self.fields["recipients"] = RecipientField(
            label=_("Who receives the emails"),
            queryset=get_user_model()
            .objects.filter(member=member, is_active=True)
            .order_by("full_name", "email"),
            widget=forms.CheckboxSelectMultiple,
            required=False,
            initial=sorted(chosen_email_recipient_ids(member)),
            help_text=_("With nobody chosen, your company's administrators receive them."),
        )

    @staticmethod
    def field_name(channel: str) -> str:
        return f"topics_{channel}"

    def channel_fields(self):
        return [self[self.field_name(channel)] for channel in Channel]

    def topics_by_channel(self) -> dict[str, list[str]]:
        return {channel: self.cleaned_data[self.field_name(channel)] for channel in Channel.values}
