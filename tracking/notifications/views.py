"""Portal pages of webhooks, for a member's administrators: endpoints, secrets, deliveries.

A secret is shown on the first page after it is made (creating an endpoint,
rotating): post/redirect/get like the API keys page, the secret waiting in the
session for that one page view. Every endpoint and delivery is read for the
person's member only; another member's answer 404.
"""

import json
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from alliance.views import PAGE_SIZE, MemberAdminRequiredMixin
from config.exceptions import ApplicationError
from tracking.notifications import webhooks
from tracking.notifications.forms import (
    RotateSecretForm,
    WebhookEndpointEditForm,
    WebhookEndpointForm,
)
from tracking.notifications.models import WebhookDelivery, WebhookEndpoint
from tracking.notifications.titles import title_of

NEW_SECRET_SESSION_KEY = "webhooks:new-secret"  # noqa: S105 — a session key


def _endpoint(request, pk: int) -> WebhookEndpoint:
    try:
        return webhooks.endpoints_of(member=request.user.member).get(pk=pk)
    except WebhookEndpoint.DoesNotExist as missing:
        raise Http404 from missing


def _delivery(request, pk: int) -> WebhookDelivery:
    try:
        return webhooks.deliveries_of(member=request.user.member).get(pk=pk)
    except WebhookDelivery.DoesNotExist as missing:
        raise Http404 from missing


def _keep_secret_for_one_view(request, endpoint: WebhookEndpoint, secret: str) -> None:
    # Post/redirect/get: a reload makes nothing twice, and the secret is shown once.
    request.session[NEW_SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": secret}


@method_decorator(never_cache, name="dispatch")
class WebhookListView(MemberAdminRequiredMixin, View):
    template_name = "tracking/webhooks/list.html"

    def get(self, request, form=None):
        request.session.pop(NEW_SECRET_SESSION_KEY, None)
        return render(
            request,
            self.template_name,
            {
                "endpoints": webhooks.endpoints_of(member=request.user.member),
                "form": form or WebhookEndpointForm(),
                "limit": webhooks.MAX_ENDPOINTS_PER_MEMBER,
            },
            status=400 if form is not None and form.errors else 200,
        )

    def post(self, request):
        form = WebhookEndpointForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            endpoint, secret = webhooks.endpoint_create(
                member=request.user.member, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_error(error.field, error.message)
            return self.get(request, form=form)
        _keep_secret_for_one_view(request, endpoint, secret)
        return redirect("webhooks:detail", pk=endpoint.pk)


@method_decorator(never_cache, name="dispatch")
class WebhookDetailView(MemberAdminRequiredMixin, View):
    """One endpoint: its settings, its secret's rotation, and its deliveries with attempts."""

    template_name = "tracking/webhooks/detail.html"

    def get(self, request, pk: int, form=None, rotate_form=None):
        endpoint = _endpoint(request, pk)
        refused_rotation = rotate_form is not None and bool(rotate_form.errors)
        shown = request.session.pop(NEW_SECRET_SESSION_KEY, None)
        new_secret = shown["secret"] if shown and shown.get("endpoint") == endpoint.pk else None
        wanted = request.GET.get("status", "")
        if wanted not in WebhookDelivery.Status.values:
            wanted = ""
        deliveries = webhooks.deliveries_of(
            member=request.user.member, endpoint=endpoint, status=wanted
        )
        page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
        form = form or WebhookEndpointEditForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "topics": endpoint.topics,
                "language": endpoint.language,
                "is_active": endpoint.is_active,
            }
        )
        return render(
            request,
            self.template_name,
            {
                "endpoint": endpoint,
                "new_secret": new_secret,
                "form": form,
                "rotate_form": rotate_form or RotateSecretForm(),
                "page": page,
                # Each with its title in the reader's language.
                "deliveries": [
                    (delivery, title_of(delivery.notification)) for delivery in page.object_list
                ],
                "status": wanted,
                "statuses": WebhookDelivery.Status.choices,
                "query": f"status={wanted}" if wanted else "",
            },
            status=400 if form.errors or refused_rotation else 200,
        )

    def post(self, request, pk: int):
        endpoint = _endpoint(request, pk)
        form = WebhookEndpointEditForm(request.POST)
        if not form.is_valid():
            return self.get(request, pk, form=form)
        try:
            webhooks.endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
            return self.get(request, pk, form=form)
        messages.success(request, _("The endpoint was saved."))
        return redirect("webhooks:detail", pk=endpoint.pk)


class WebhookRotateSecretView(MemberAdminRequiredMixin, View):
    def post(self, request, pk: int):
        endpoint = _endpoint(request, pk)
        form = RotateSecretForm(request.POST)
        if not form.is_valid():
            page = WebhookDetailView()
            page.setup(request, pk=pk)
            return page.get(request, pk, rotate_form=form)
        endpoint, secret = webhooks.endpoint_rotate_secret(
            endpoint=endpoint, overlap=timedelta(hours=form.cleaned_data["overlap_hours"])
        )
        _keep_secret_for_one_view(request, endpoint, secret)
        return redirect("webhooks:detail", pk=endpoint.pk)


class WebhookDeleteView(MemberAdminRequiredMixin, View):
    def post(self, request, pk: int):
        endpoint = _endpoint(request, pk)
        webhooks.endpoint_delete(endpoint=endpoint)
        messages.success(request, _("The endpoint %(url)s was removed.") % {"url": endpoint.url})
        return redirect("webhooks:list")


@method_decorator(never_cache, name="dispatch")
class WebhookDeliveryView(MemberAdminRequiredMixin, View):
    """One delivery: the envelope it POSTs and every attempt's answer."""

    template_name = "tracking/webhooks/delivery.html"

    def get(self, request, pk: int):
        delivery = _delivery(request, pk)
        # As POSTed: its title in the endpoint's language, whoever reads the page.
        payload = json.dumps(webhooks.delivery_envelope(delivery), indent=2, ensure_ascii=False)
        return render(
            request,
            self.template_name,
            {"delivery": delivery, "endpoint": delivery.endpoint, "payload": payload},
        )


class WebhookReplayView(MemberAdminRequiredMixin, View):
    def post(self, request, pk: int):
        delivery = _delivery(request, pk)
        try:
            webhooks.delivery_replay(delivery=delivery)
            messages.success(
                request, _("Delivery %(id)s is being sent again.") % {"id": delivery.pk}
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("webhooks:delivery", pk=delivery.pk)
