"""The operations console for notifications: what each member was told, whose bell it is in,
and the email digests; read-only (digests may be queued to be sent now)."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin_actions import ReadOnlyAdmin
from tracking.notifications.models import EmailDigest, InAppNotification, Notification
from tracking.notifications.titles import title_of


class InAppInline(admin.TabularInline):
    model = InAppNotification
    fields = ["user", "read_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = gettext_lazy("In the portal's bell of")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class DigestInline(admin.TabularInline):
    model = EmailDigest.notifications.through
    fields = ["emaildigest"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("email digest")
    verbose_name_plural = gettext_lazy("In the email digests")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("emaildigest")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "member", "topic", "kind", "shown_title", "shipment", "order"]
    list_filter = ["topic", "kind"]
    search_fields = [
        "title",
        "dedupe_key",
        "member__legal_name",
        "shipment__tracking_number",
        "order__reference",
    ]
    list_select_related = ["member", "shipment", "order"]
    date_hierarchy = "created_at"
    inlines = [InAppInline, DigestInline]

    @admin.display(description=gettext_lazy("title"), ordering="title")
    def shown_title(self, notification):
        # In the reader's language; the search looks in the stored English title.
        return title_of(notification)


@admin.register(EmailDigest)
class EmailDigestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "member", "shipment", "due_at", "sent_at", "size"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__legal_name", "shipment__tracking_number"]
    list_select_related = ["member", "shipment"]
    date_hierarchy = "due_at"
    fields = ["member", "shipment", "due_at", "sent_at", "notifications"]
    actions = ["send_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(size=Count("notifications"))

    @admin.display(description=gettext_lazy("notifications"), ordering="size")
    def size(self, obj):
        return obj.size

    @admin.action(description=gettext_lazy("Queue the selected unsent digests to be sent now"))
    def send_now(self, request, queryset):
        from tracking.notifications import email_tasks

        ids = list(queryset.filter(sent_at__isnull=True).values_list("pk", flat=True))
        for digest_id in ids:
            email_tasks.send_email_digest.delay(digest_id=digest_id)
        self.message_user(request, _("%(count)d unsent digest(s) queued.") % {"count": len(ids)})
