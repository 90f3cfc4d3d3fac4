from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from alliance import sign_in
from alliance import views as alliance_views
from config import views
from config.observability.views import metrics_view

admin.site.site_header = _("Lorry Alliance operations")
admin.site.site_title = _("Lorry Alliance admin")

# Swagger UI's init script is a file of its own (the split view), so scripts stay 'self';
# its React components set style attributes, so this page alone allows inline styles.
api_docs = csp_update({"style-src": [SELF, UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

# A failed request answers 503 with Retry-After when the database is out, else 500; JSON to /api/.
handler500 = "config.views.server_error"
handler400 = "config.exceptions.bad_request"

urlpatterns = [
    # First: Django tries patterns in order, and carriers' event posts are the busiest path.
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    # The switcher remembers a signed-in person's choice in their profile.
    path("i18n/setlang/", alliance_views.language_choose, name="set_language"),
    path("admin/login/", sign_in.limit_sign_in(admin.site.login), name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/login/", sign_in.SignInView.as_view(), name="login"),
    path("accounts/login/code/", sign_in.SignInCodeView.as_view(), name="sign_in_code"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        alliance_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        alliance_views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("", include("alliance.urls")),
    path("schedule/", include("scheduling.urls")),
    path("orders/", include("orders.urls")),
    path("shipments/", include("tracking.portal.urls")),
    path("track/", include("tracking.urls")),
    path("webhooks/", include("tracking.notifications.urls")),
    path("notifications/", include("tracking.notifications.portal_urls")),
    path("operations/", include("tracking.operations.urls")),
]

# Under /api/ a missing route answers the API's JSON error shape, not an HTML page.
handler404 = "config.exceptions.page_not_found"
