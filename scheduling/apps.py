from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Network and schedule")

    def ready(self) -> None:
        from scheduling import dashboard  # noqa: F401  (registers the departures card)
