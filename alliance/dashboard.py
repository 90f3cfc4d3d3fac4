"""The dashboard's panels, which the apps above alliance contribute.

Dependencies point one way (tracking → orders → scheduling → alliance), so the
dashboard cannot read orders, trips or shipments itself. Each of those apps
registers its providers in its own ``dashboard`` module, imported from its
``AppConfig.ready()`` the way receivers connect to signals; the dashboard shows
whatever the registered providers answer for the person signed in.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    """One card of the dashboard: ``template`` is included with ``context`` as ``data``."""

    key: str  # unique on the page: the card's heading has the id "<key>-heading"
    position: int  # cards come by increasing position
    title: str
    template: str
    context: dict = field(default_factory=dict)

    @property
    def heading_id(self) -> str:
        return f"{self.key}-heading"


PanelProvider = Callable[[HttpRequest], Panel | None]

_providers: dict[str, PanelProvider] = {}


def register(provider: PanelProvider) -> PanelProvider:
    """Add a provider; keyed by its dotted name so that importing its module again is harmless."""
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = provider
    return provider


def member_or_staff(user) -> bool:
    """Who gets the figure cards: a person of a member, or alliance staff (network-wide).

    The same people as the member pages with staff allowed (``MemberRequiredMixin``).
    """
    return bool(user.member_id) or user.is_staff


def panels_for(request: HttpRequest) -> list[Panel]:
    """The cards the person signed in sees, in order; a provider answering None adds none."""
    answers = (provider(request) for provider in _providers.values())
    panels = [panel for panel in answers if panel is not None]
    return sorted(panels, key=lambda panel: (panel.position, panel.key))
