"""Vocabularies of the alliance: who may join, what members do, what API keys may do."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# China and the ten ASEAN member states (ISO 3166-1 alpha-2).
ALLIANCE_COUNTRIES = ("CN", "BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN")


class BusinessRole(models.TextChoices):
    CARRIER = "carrier", _("Carrier")
    FORWARDER = "forwarder", _("Freight forwarder")
    WAREHOUSE = "warehouse", _("Warehouse operator")
    SHIPPER = "shipper", _("Shipper")
    CUSTOMS_BROKER = "customs_broker", _("Customs broker")


class UserRole(models.TextChoices):
    """What a person may do for their member company in the portal."""

    ADMIN = "admin", _("Administrator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    VIEWER = "viewer", _("Viewer")


class ApiScope(models.TextChoices):
    MEMBERS_READ = "members:read", _("Read the member directory")
    TRIPS_READ = "trips:read", _("Read trips")
    TRIPS_WRITE = "trips:write", _("Update trips")
    EVENTS_WRITE = "events:write", _("Post tracking events and positions")
    ORDERS_READ = "orders:read", _("Read orders and shipments")
    ORDERS_WRITE = "orders:write", _("Place and change orders")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage webhooks")


READ_SCOPES = frozenset({ApiScope.MEMBERS_READ, ApiScope.TRIPS_READ, ApiScope.ORDERS_READ})

# A person signed in to the portal acts with the scopes of their role; an API
# key carries the scopes it was created with.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    UserRole.ADMIN: frozenset(ApiScope.values),
    UserRole.DISPATCHER: frozenset(ApiScope.values) - {ApiScope.WEBHOOKS_MANAGE},
    UserRole.VIEWER: READ_SCOPES,
}
