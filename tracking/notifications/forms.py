"""Portal forms of webhooks: an endpoint, and a secret rotation."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tracking.notifications import webhooks
from tracking.notifications.models import Topic, WebhookEndpoint


class LanguageField(forms.TypedChoiceField):
    """One of the platform's languages, refused with the message the service gives; none
    chosen is None, left to the service (the country's language, or the one kept)."""

    def __init__(self, **kwargs):
        super().__init__(empty_value=None, **kwargs)

    def validate(self, value):
        if value and not self.valid_value(value):
            raise forms.ValidationError(
                webhooks.unknown_language_message(value), code="invalid_choice"
            )
        super().validate(value)


LANGUAGE_HELP = WebhookEndpoint._meta.get_field("language").help_text


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where to POST events: a public HTTPS address of your company's system."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=Topic.values,
        error_messages={"required": _("Choose at least one topic.")},
    )
    language = LanguageField(
        label=_("Language"),
        # Not chosen: the service picks the usual language of the member's country.
        choices=[("", _("Your company's country's language")), *settings.LANGUAGES],
        required=False,
        help_text=LANGUAGE_HELP,
    )


class WebhookEndpointEditForm(WebhookEndpointForm):
    # Left out of a post: the endpoint keeps its language.
    language = LanguageField(
        label=_("Language"), choices=settings.LANGUAGES, required=False, help_text=LANGUAGE_HELP
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Unticked, nothing is sent and pending deliveries are given up."),
    )


class RotateSecretForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label=_("Keep the old secret valid for (hours)"),
        min_value=0,
        max_value=int(webhooks.LONGEST_OVERLAP.total_seconds() // 3600),
        initial=int(webhooks.DEFAULT_OVERLAP.total_seconds() // 3600),
        help_text=_("Meanwhile every delivery carries a signature with each secret."),
    )
