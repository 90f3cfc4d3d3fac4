"""App configs that fit packages' admin sections to the alliance.

Django's admin runs on the site that asks staff for their two-factor code; django-axes'
section gets a name staff recognise ("Axes" is the package's name, not what it holds).
"""

from axes.apps import AppConfig as AxesConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class AllianceAdminConfig(AdminConfig):
    default_site = "config.admin_site.AllianceAdminSite"


class SignInLockoutsConfig(AxesConfig):
    verbose_name = _("Sign-in lockouts")
