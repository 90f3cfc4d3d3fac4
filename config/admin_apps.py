"""Django's admin app, on the site that asks staff for their two-factor code."""

from django.contrib.admin.apps import AdminConfig


class AllianceAdminConfig(AdminConfig):
    default_site = "config.admin_site.AllianceAdminSite"
