from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = _("Cargo tracking")

    def ready(self):
        from tracking.notifications import receivers  # noqa: F401 — connects the receivers
        from tracking.portal import dashboard  # noqa: F401 — registers the shipments card
