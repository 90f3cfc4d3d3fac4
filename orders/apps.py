from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders and shipments")

    def ready(self) -> None:
        from orders import dashboard  # noqa: F401  (registers the dashboard's orders card)
