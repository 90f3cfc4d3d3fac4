"""Portal pages of notifications: the person's list (the bell's page) and the member's settings.

Each person sees only the notifications in their own bell: anyone else's answers
404, whether a colleague's or another member's. Opening one marks it read and
goes to the shipment or order it is about. Member administrators choose what the
company hears about on each channel and who receives its emails.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from alliance.views import PAGE_SIZE, MemberAdminRequiredMixin, MemberRequiredMixin
from config.exceptions import ApplicationError
from tracking.notifications.email import format_moment, link_path, local_moments
from tracking.notifications.forms_inbox import NotificationSettingsForm
from tracking.notifications.in_app import in_app_mark_read, in_app_of
from tracking.notifications.models import InAppNotification, Notification
from tracking.notifications.preferences import notification_settings_save
from tracking.notifications.titles import title_of


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@dataclass
class Row:
    item: InAppNotification
    notification: Notification
    title: str  # in the reader's language
    local: datetime
    when: str
    open_url: str  # marks read, then goes to the shipment or order; empty when about neither


def rows_of(items: list[InAppNotification]) -> list[Row]:
    moments = local_moments([item.notification for item in items])
    rows = []
    for item in items:
        notification = item.notification
        about = notification.shipment_id is not None or notification.order_id is not None
        rows.append(
            Row(
                item=item,
                notification=notification,
                title=title_of(notification),
                local=moments[notification.pk],
                when=format_moment(moments[notification.pk]),
                open_url=reverse("notifications:open", kwargs={"pk": item.pk}) if about else "",
            )
        )
    return rows


class NotificationListView(MemberRequiredMixin, TemplateView):
    template_name = "tracking/notifications/list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(in_app_of(self.request.user), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return super().get_context_data(page=page, rows=rows_of(list(page.object_list)), **kwargs)


class NotificationOpenView(MemberRequiredMixin, View):
    """A link in the list: marks the notification read and goes to what it is about."""

    def get(self, request, pk: int):
        item = get_object_or_404(in_app_of(request.user), pk=pk)
        in_app_mark_read(user=request.user, pk=item.pk)
        return redirect(link_path(item.notification))


class NotificationReadView(MemberRequiredMixin, View):
    """Marks one notification read; htmx gets the row back and the bell's new count."""

    def post(self, request, pk: int):
        item = get_object_or_404(in_app_of(request.user), pk=pk)
        in_app_mark_read(user=request.user, pk=item.pk)
        if is_htmx(request):
            item.refresh_from_db(fields=["read_at"])
            return render(
                request, "tracking/notifications/_row_read.html", {"row": rows_of([item])[0]}
            )
        return redirect("notifications:list")


class NotificationReadAllView(MemberRequiredMixin, View):
    def post(self, request):
        count = in_app_mark_read(user=request.user)
        messages.success(request, _("%(count)d notification(s) marked read.") % {"count": count})
        return redirect("notifications:list")


class NotificationSettingsView(MemberAdminRequiredMixin, FormView):
    """What the company hears about on each channel, and who receives its emails."""

    template_name = "tracking/notifications/settings.html"
    form_class = NotificationSettingsForm
    success_url = reverse_lazy("notifications:settings")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.request.user.member}

    def form_valid(self, form):
        try:
            notification_settings_save(
                member=self.request.user.member,
                topics_by_channel=form.topics_by_channel(),
                recipients=form.cleaned_data["recipients"],
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Notification settings saved."))
        return super().form_valid(form)
