"""Who hears about what, what was told, and how each channel delivered it."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    MILESTONES = "milestones", _("Status milestones")
    EXCEPTIONS = "exceptions", _("Exceptions")
    DELAYS = "delays", _("Delays")
    ETA_CHANGES = "eta_changes", _("ETA changes")
    ORDERS = "orders", _("Order confirmations")
    ALLOCATION = "allocation", _("Allocation changes")
    ACCOUNT = "account", _("Platform notices")  # e.g. a webhook endpoint disabled


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhooks")
    IN_APP = "in_app", _("In the portal")


# What a member hears about until it chooses: everything in the portal and by
# webhook, and by email only what needs a person to act.
DEFAULT_TOPICS = {
    Channel.IN_APP: list(Topic.values),
    Channel.WEBHOOK: list(Topic.values),
    Channel.EMAIL: [
        Topic.EXCEPTIONS,
        Topic.DELAYS,
        Topic.ORDERS,
        Topic.ALLOCATION,
        Topic.ACCOUNT,
    ],
}


class ChannelPreference(models.Model):
    """The topics a member hears about on one channel (absent: ``DEFAULT_TOPICS``)."""

    member = models.ForeignKey(
        "alliance.Member", on_delete=models.CASCADE, related_name="channel_preferences"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    topics = ArrayField(
        models.CharField(max_length=16, choices=Topic.choices),
        verbose_name=_("topics"),
        default=list,
        blank=True,
    )

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "channel"], name="%(app_label)s_%(class)s_one_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.channel}"


class EmailRecipient(models.Model):
    """A colleague chosen to receive the member's notification emails (none: its admins)."""

    member = models.ForeignKey(
        "alliance.Member", on_delete=models.CASCADE, related_name="email_recipients"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("email recipient")
        verbose_name_plural = _("email recipients")
        constraints = [
            models.UniqueConstraint(fields=["member", "user"], name="%(app_label)s_%(class)s_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.user_id}"


class NextValue(models.Func):
    """``nextval()`` of a PostgreSQL sequence, as a column default."""

    function = "nextval"
    output_field = models.BigIntegerField()

    def __init__(self, sequence: str):
        super().__init__(models.Value(sequence))


class Notification(models.Model):
    """One thing one member is told, whatever the channels; its id is the webhook event id.

    ``dedupe_key`` says what caused it (e.g. the timeline entry), so applying the
    same event twice tells nobody twice. ``sequence`` grows with every
    notification: receivers order one shipment's notifications by it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sequence = models.BigIntegerField(
        _("sequence"), unique=True, db_default=NextValue("tracking_notification_seq")
    )
    # Indexed first in both the feed's index and the once-per-cause constraint.
    member = models.ForeignKey(
        "alliance.Member", on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    kind = models.CharField(_("type"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    shipment = models.ForeignKey(
        "orders.Shipment", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    data = models.JSONField(_("data"), default=dict)
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "dedupe_key"], name="%(app_label)s_%(class)s_once_per_cause"
            )
        ]
        indexes = [models.Index(fields=["member", "-sequence"], name="notification_member_idx")]

    def __str__(self) -> str:
        # Imported here: the wording needs the orders and scheduling models.
        from tracking.notifications.titles import title_of

        return title_of(self)


class InAppNotification(models.Model):
    """A notification in one person's bell, read or not."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="in_app")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal notification")
        verbose_name_plural = _("portal notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "user"], name="%(app_label)s_%(class)s_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["user"], name="inapp_unread_idx", condition=Q(read_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.notification_id}"


class EmailDigest(models.Model):
    """The notifications one member gets about one shipment within a short window, sent once."""

    member = models.ForeignKey("alliance.Member", on_delete=models.CASCADE, related_name="+")
    shipment = models.ForeignKey(
        "orders.Shipment", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    notifications = models.ManyToManyField(Notification, related_name="digests")
    due_at = models.DateTimeField(_("due"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("email digest")
        verbose_name_plural = _("email digests")
        constraints = [
            # On the expression the open-digest lookup joins on, so it finds each pair in
            # the index instead of filtering every open digest of the member.
            models.UniqueConstraint(
                F("member"),
                Coalesce(F("shipment"), Value(0), output_field=models.BigIntegerField()),
                condition=Q(sent_at__isnull=True),
                name="%(app_label)s_%(class)s_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.shipment_id} due {self.due_at}"


class WebhookEndpoint(models.Model):
    """Where a member wants notifications POSTed, signed with its secret."""

    member = models.ForeignKey(
        "alliance.Member", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("secret"), max_length=80)
    previous_secret = models.CharField(max_length=80, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    topics = ArrayField(
        models.CharField(max_length=16, choices=Topic.choices),
        verbose_name=_("event types"),
        default=list,
    )
    # What its human-readable fields (the title) are written in; the member's country's
    # language unless chosen (``webhooks.endpoint_create``).
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the titles in the events POSTed to it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["member", "created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One notification to one endpoint, tried until it is delivered or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")

    id = models.BigAutoField(primary_key=True)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "notification"], name="%(app_label)s_%(class)s_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due_idx",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}/{self.notification_id}: {self.status}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: when, what came back, how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(_("when"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "attempted_at"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code}"
