"""Portal forms of webhooks: an endpoint, and a secret rotation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tracking.notifications import webhooks
from tracking.notifications.models import Topic


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


class WebhookEndpointEditForm(WebhookEndpointForm):
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
