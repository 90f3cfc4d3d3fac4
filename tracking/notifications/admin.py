"""The operations console for webhooks: endpoints, deliveries with every attempt, replays.

Everything here is a record of what was sent and answered, so it is read-only;
staff act through actions that call the webhook services (replay a delivery,
disable or enable an endpoint). Secrets are never shown.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy

from config.admin_actions import ReadOnlyAdmin, ReadOnlyInline, ask_first, run_for_each
from tracking.notifications import webhooks
from tracking.notifications.forms import LanguageField
from tracking.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EndpointLanguageForm(forms.Form):
    language = LanguageField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = [
        "url",
        "member",
        "language",
        "is_active",
        "failing_since",
        "disabled_reason",
        "created_at",
    ]
    list_filter = ["is_active", ("failing_since", admin.EmptyFieldListFilter), "language"]
    search_fields = ["url", "description", "member__legal_name"]
    list_select_related = ["member"]
    fields = [
        "member",
        "url",
        "description",
        "topics",
        "language",
        "is_active",
        "failing_since",
        "disabled_reason",
        "previous_secret_until",
        "created_at",
    ]
    actions = ["disable", "enable", "set_language"]

    @admin.action(description=gettext_lazy("Disable the selected endpoints"))
    def disable(self, request, queryset):
        run_for_each(
            request,
            queryset,
            lambda endpoint: webhooks.endpoint_update(endpoint=endpoint, is_active=False),
            gettext_lazy("%(count)d endpoint(s) disabled."),
        )

    @admin.action(description=gettext_lazy("Enable the selected endpoints"))
    def enable(self, request, queryset):
        run_for_each(
            request,
            queryset,
            lambda endpoint: webhooks.endpoint_update(endpoint=endpoint, is_active=True),
            gettext_lazy("%(count)d endpoint(s) enabled."),
        )

    @admin.action(description=gettext_lazy("Change the language of the selected endpoints"))
    def set_language(self, request, queryset):
        """Ask for the language first (again, with its error, if it is missing or unknown)."""
        form = EndpointLanguageForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return ask_first(
                self,
                request,
                queryset,
                form=form,
                action="set_language",
                title=gettext_lazy("Change the language of the selected endpoints"),
                intro=gettext_lazy(
                    "The titles of the events POSTed to these endpoints will be written in "
                    "the language chosen:"
                ),
            )
        language = form.cleaned_data["language"]
        run_for_each(
            request,
            queryset,
            lambda endpoint: webhooks.endpoint_update(endpoint=endpoint, language=language),
            gettext_lazy("%(count)d endpoint(s) changed."),
        )
        return None


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["attempted_at", "status_code", "latency_ms", "response_excerpt", "error"]
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["endpoint__url", "endpoint__member__legal_name", "=notification__id"]
    list_select_related = ["endpoint", "notification"]
    date_hierarchy = "created_at"
    fields = [
        "endpoint",
        "notification",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["replay"]

    @admin.display(description=gettext_lazy("type"), ordering="notification__kind")
    def event_type(self, delivery):
        return delivery.notification.kind

    @admin.action(description=gettext_lazy("Replay the selected deliveries"))
    def replay(self, request, queryset):
        run_for_each(
            request,
            queryset.select_related("endpoint"),
            lambda delivery: webhooks.delivery_replay(delivery=delivery),
            gettext_lazy("%(count)d delivery(ies) queued to be sent again."),
        )
