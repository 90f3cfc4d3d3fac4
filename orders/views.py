"""Portal pages of orders: the list, the order form with its live quote, the detail and actions.

Every order is read through ``orders.selectors``, so another member's order or
shipment is a 404 on every page. Viewers look; administrators and dispatchers
of the member place and change orders; alliance staff see every order here but
act in the admin. The rules live in ``orders.services``; these views parse the
input, call one service and say what happened.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_ratelimit.decorators import ratelimit

from alliance.constants import UserRole
from alliance.views import PAGE_SIZE, MemberRequiredMixin
from config.pagination import query_without_page
from orders import notes, quotes, selectors, services
from orders.exceptions import InvalidTransition
from orders.forms import (
    CARGO_PREFIX,
    AmendForm,
    CancelForm,
    OrderEntry,
    OrderFilterForm,
    QuoteForm,
    cargo_line_form,
    quote_input_from_order,
    readable_errors,
)
from orders.models import Order, Shipment
from orders.services import MAX_CARGO_LINES
from orders.templatetags.order_portal import money, signed_money
from scheduling.models import TripStop

BEFORE_PICKUP = (Shipment.Status.BOOKED, Shipment.Status.CANCELLED)
CANCELLABLE = (Order.Status.DRAFT, Order.Status.CONFIRMED)


def may_order(user) -> bool:
    """Administrators and dispatchers of a member place and change orders; viewers only look."""
    return bool(user.member_id) and user.role != UserRole.VIEWER


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _detail_url(order: Order) -> str:
    return reverse("orders:detail", kwargs={"reference": order.reference})


def _edit_url(order: Order) -> str:
    return reverse("orders:edit", kwargs={"reference": order.reference})


class OrderPageMixin(MemberRequiredMixin):
    """Pages to look at: every person of a member, and alliance staff."""

    allow_staff = True


class OrderWriteMixin(MemberRequiredMixin):
    """Pages that change orders: the member's administrators and dispatchers only."""

    def test_func(self):
        return may_order(self.request.user)

    def own_order(self, reference: str, *, detail: bool = False) -> Order:
        """The member's own order; anyone else's does not exist (404)."""
        member = self.request.user.member
        rows = (
            selectors.order_detail(member=member)
            if detail
            else selectors.orders_visible_to(member=member)
        )
        return get_object_or_404(rows, reference=reference)


def _submit(request, order: Order):
    """Submit (which confirms) and say how it went; a refusal sends the person to fix the draft."""
    try:
        order = services.order_submit(order=order, actor=request.user)
    except InvalidTransition as error:
        messages.error(request, error.message)
        return redirect(_detail_url(order))
    except ValidationError as error:
        messages.error(
            request,
            _("Order %(reference)s is saved as a draft but could not be submitted: %(errors)s")
            % {"reference": order.reference, "errors": " ".join(readable_errors(error))},
        )
        return redirect(_edit_url(order))
    messages.success(
        request,
        _("Order %(reference)s is confirmed: its shipments are booked.")
        % {"reference": order.reference},
    )
    return redirect(_detail_url(order))


# --- The list -----------------------------------------------------------------------------


class OrderListView(OrderPageMixin, TemplateView):
    template_name = "orders/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = OrderFilterForm(self.request.GET or None)
        rows = form.filter(selectors.orders_visible_to(member=user.member, is_staff=user.is_staff))
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            form=form,
            page=page,
            orders=page.object_list,
            query=query_without_page(self.request),
            filtered=form.is_bound,
            may_order=may_order(user),
            show_member=user.is_staff,
            **kwargs,
        )


# --- The order form: create and edit a draft --------------------------------------------------


class OrderEntryView(OrderWriteMixin, View):
    template_name = "orders/form.html"

    def get_order(self) -> Order | None:
        return None

    def save(self, entry: OrderEntry, order: Order | None) -> Order:
        raise NotImplementedError

    def render(self, entry: OrderEntry, order: Order | None, *, status: int = 200):
        return render(
            self.request,
            self.template_name,
            {
                "order": order,
                "form": entry.form,
                "formset": entry.formset,
                "max_lines": MAX_CARGO_LINES,
            },
            status=status,
        )

    def get(self, request, **kwargs):
        order = self.get_order()
        return self.render(OrderEntry(order=order), order)

    def post(self, request, **kwargs):
        order = self.get_order()
        if "add_line" in request.POST:  # without JavaScript: the same form, one line more
            return self.render(OrderEntry(request.POST, add_line=True), order)
        entry = OrderEntry(request.POST, order=order)
        if not entry.is_valid():
            return self.render(entry, order, status=400)
        try:
            order = self.save(entry, order)
        except ValidationError as error:
            entry.add_service_errors(error)
            return self.render(entry, order, status=400)
        except InvalidTransition as error:
            messages.error(request, error.message)
            return redirect(_detail_url(order))
        if request.POST.get("action") == "submit":
            return _submit(request, order)
        messages.success(
            request,
            _("Draft %(reference)s is saved. Submit it to book space.")
            % {"reference": order.reference},
        )
        return redirect(_detail_url(order))


class OrderCreateView(OrderEntryView):
    def save(self, entry, order):
        return services.order_create(
            member=self.request.user.member,
            actor=self.request.user,
            cargo_lines=entry.cargo_lines(),
            **entry.order_values(),
        )


class OrderEditView(OrderEntryView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.test_func():
            return super().dispatch(request, *args, **kwargs)
        self.order = self.own_order(kwargs["reference"], detail=True)
        if self.order.status not in Order.EDITABLE:
            messages.error(
                request, _("Only a draft can be edited; amend a confirmed order instead.")
            )
            return redirect(_detail_url(self.order))
        return super().dispatch(request, *args, **kwargs)

    def get_order(self):
        return self.order

    def save(self, entry, order):
        return services.order_update(
            order=order,
            actor=self.request.user,
            cargo_lines=entry.cargo_lines(),
            **entry.order_values(),
        )


class CargoLineView(OrderWriteMixin, View):
    """One more empty cargo line for the order form, asked for by htmx.

    The request carries the formset's current TOTAL_FORMS; the answer is the new
    line plus that counter raised by one (an out-of-band swap).
    """

    def get(self, request):
        try:
            index = int(request.GET.get(f"{CARGO_PREFIX}-TOTAL_FORMS", ""))
        except ValueError:
            index = -1
        if not 0 <= index < MAX_CARGO_LINES:
            return render(
                request, "orders/_cargo_line_refused.html", {"max_lines": MAX_CARGO_LINES}
            )
        return render(
            request,
            "orders/_cargo_line_added.html",
            {"line_form": cargo_line_form(index), "number": index + 1, "total": index + 1},
        )


# --- Quotes ---------------------------------------------------------------------------------


def _quote_context(inputs: dict | None, missing: list[str]) -> dict:
    """What the quote panel shows: the options, or why there are none yet."""
    if inputs is None:
        return {"missing": missing}
    try:
        result = quotes.quote(**inputs)
    except ValidationError as error:
        return {"problems": readable_errors(error)}
    return {"quote": result, "currency": inputs["currency"]}


class QuoteView(OrderPageMixin, View):
    """The quote page, and the panel the order form and this page refresh through htmx.

    GET reads the quote page's own form; POST reads either that form or the
    whole order form (recognised by its cargo lines), as the order form sends it.
    """

    template_name = "orders/quote.html"
    panel_template = "orders/_quote.html"

    def get(self, request):
        form = QuoteForm(request.GET or None)
        return self.answer(form, self.from_quote_form(form))

    def post(self, request):
        if f"{CARGO_PREFIX}-TOTAL_FORMS" in request.POST:
            context = _quote_context(*quote_input_from_order(request.POST))
            return render(request, self.panel_template, {**context, "in_form": True})
        form = QuoteForm(request.POST)
        return self.answer(form, self.from_quote_form(form))

    @staticmethod
    def from_quote_form(form: QuoteForm) -> dict:
        if not form.is_bound:
            return {"intro": True}
        if not form.is_valid():
            return {"missing": form.missing()}
        return _quote_context(form.quote_input(), [])

    def answer(self, form: QuoteForm, context: dict):
        if is_htmx(self.request):
            return render(self.request, self.panel_template, context)
        return render(self.request, self.template_name, {"form": form, **context})


# --- The detail -------------------------------------------------------------------------------


def _stops_of(shipment: Shipment) -> tuple[TripStop | None, TripStop | None]:
    """Where the shipment's trip leaves its origin and reaches its destination."""
    booking = shipment.booking
    if booking.trip_id is None:
        return None, None
    stops = list(booking.trip.stops.all())
    departure = next((stop for stop in stops if stop.location_id == booking.origin_id), None)
    arrival = next(
        (
            stop
            for stop in stops
            if stop.location_id == booking.destination_id
            and (departure is None or stop.sequence > departure.sequence)
        ),
        None,
    )
    return departure, arrival


class OrderDetailView(OrderPageMixin, TemplateView):
    template_name = "orders/detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        rows = selectors.order_detail(member=user.member, is_staff=user.is_staff)
        order = get_object_or_404(rows, reference=self.kwargs["reference"])
        shipments = list(order.shipments.all())
        for shipment in shipments:
            shipment.departure_stop, shipment.arrival_stop = _stops_of(shipment)
        before_pickup = all(shipment.status in BEFORE_PICKUP for shipment in shipments)
        acts = may_order(user) and order.member_id == user.member_id
        draft = order.status == Order.Status.DRAFT
        amendable = order.status in Order.AMENDABLE and before_pickup
        return super().get_context_data(
            order=order,
            cargo_lines=order.cargo_lines.all(),
            shipments=shipments,
            events=order.events.all(),
            show_prices=selectors.sees_order_prices(
                order=order, member=user.member, is_staff=user.is_staff
            ),
            may_submit=acts and draft,
            may_edit=acts and order.status in Order.EDITABLE,
            may_cancel=acts and (draft or amendable),
            may_amend=acts and amendable,
            **kwargs,
        )


def _document_rate(group, request) -> str:
    return settings.DOCUMENT_RATE


@method_decorator(
    ratelimit(key="user_or_ip", rate=_document_rate, method="GET", block=True), name="get"
)
class ConsignmentNoteView(OrderPageMixin, View):
    """The consignment note of one shipment as a PDF, for whoever may see the shipment."""

    def get(self, request, tracking_number: str):
        user = request.user
        shipment = get_object_or_404(
            selectors.shipments_visible_to(member=user.member, is_staff=user.is_staff),
            tracking_number=tracking_number,
        )
        return notes.consignment_note_response(shipment, request=request)


# --- Actions: submit, cancel, amend -------------------------------------------------------------


class OrderSubmitView(OrderWriteMixin, View):
    def post(self, request, reference: str):
        return _submit(request, self.own_order(reference))


class OrderCancelView(OrderWriteMixin, View):
    template_name = "orders/cancel.html"

    def get(self, request, reference: str, form=None):
        order = self.own_order(reference)
        if order.status not in CANCELLABLE:
            messages.error(
                request,
                _("A %(status)s order can no longer be cancelled.")
                % {"status": order.get_status_display().lower()},
            )
            return redirect(_detail_url(order))
        return render(
            request,
            self.template_name,
            {"order": order, "form": form or CancelForm()},
            status=400 if form is not None else 200,
        )

    def post(self, request, reference: str):
        order = self.own_order(reference)
        form = CancelForm(request.POST)
        if not form.is_valid():
            return self.get(request, reference, form=form)
        try:
            services.order_cancel(
                order=order, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except InvalidTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Order %(reference)s is cancelled; its space on the lorries is released.")
                % {"reference": order.reference},
            )
        return redirect(_detail_url(order))


class OrderAmendView(OrderWriteMixin, View):
    template_name = "orders/amend.html"

    def render(self, order: Order, form: AmendForm, *, status: int = 200):
        return render(
            self.request, self.template_name, {"order": order, "form": form}, status=status
        )

    def get(self, request, reference: str):
        order = self.own_order(reference, detail=True)
        if order.status not in Order.AMENDABLE:
            messages.error(
                request,
                _("Only a confirmed order can be amended; this one is %(status)s.")
                % {"status": order.get_status_display().lower()},
            )
            return redirect(_detail_url(order))
        return self.render(order, AmendForm(order=order))

    def post(self, request, reference: str):
        order = self.own_order(reference, detail=True)
        form = AmendForm(request.POST, order=order)
        if not form.is_valid():
            return self.render(order, form, status=400)
        previous = order.price_total
        try:
            amended = services.order_amend(order=order, actor=request.user, **form.amendment())
        except InvalidTransition as error:
            messages.error(request, error.message)
            return redirect(_detail_url(order))
        except ValidationError as error:
            form.add_service_errors(error)
            return self.render(order, form, status=400)
        messages.success(request, _amended_message(amended, previous))
        return redirect(_detail_url(order))


def _amended_message(order: Order, previous) -> str:
    difference = (order.price_total or 0) - (previous or 0)
    return _(
        "Order %(reference)s is amended. New price %(price)s (was %(previous)s, "
        "difference %(difference)s)."
    ) % {
        "reference": order.reference,
        "price": money(order.price_total, order.currency),
        "previous": money(previous, order.currency),
        "difference": signed_money(difference, order.currency),
    }
