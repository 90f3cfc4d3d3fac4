from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "alliance"
    verbose_name = _("Alliance and members")

    def ready(self) -> None:
        from alliance import two_factor  # noqa: F401  (forgets cached answers on device changes)
        from alliance.api import schema  # noqa: F401  (registers the OpenAPI extension)
