from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from alliance import views as alliance_views
from config import views

admin.site.site_header = _("Lorry Alliance operations")
admin.site.site_title = _("Lorry Alliance admin")

# A failed request answers 503 with Retry-After when the database is out, else 500; JSON to /api/.
handler500 = "config.views.server_error"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The switcher remembers a signed-in person's choice in their profile.
    path("i18n/setlang/", alliance_views.language_choose, name="set_language"),
    path("admin/login/", alliance_views.limit_sign_in(admin.site.login), name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/login/", alliance_views.LoginView.as_view(), name="login"),
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
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_router")),
]
