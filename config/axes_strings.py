"""The words django-axes shows staff in the admin, marked so that our catalogues keep them.

The package ships no catalogue for any of the alliance's languages, so its column
headings, model names and filters would stay English on a Vietnamese or Chinese admin.
Django looks in LOCALE_PATHS before a package's own catalogues, so translating the
package's own msgids in ours is enough. Nothing imports this module: ``make messages``
reads it like any other source file. Strings the package builds with an f-string
(the clean-up action's confirmation) cannot be translated anywhere and are left out.
"""

from django.utils.translation import gettext_noop

AXES_ADMIN_STRINGS = (
    # Models
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    # Fields, filters and list columns
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("IP Address"),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
    gettext_noop("Path"),
    gettext_noop("HTTP Accept"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access lock out"),
    gettext_noop("Locked Out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Not set"),
    # Sections of a record's page, and the list's action
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
)
