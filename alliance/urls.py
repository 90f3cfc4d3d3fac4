from django.urls import path

from alliance import sign_in, views

app_name = "alliance"

urlpatterns = [
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("apply/thanks/", views.ApplyDoneView.as_view(), name="apply_done"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("account/", views.PreferencesView.as_view(), name="preferences"),
    path("account/two-factor/", sign_in.TwoFactorView.as_view(), name="two_factor"),
    path(
        "account/two-factor/<slug:action>/",
        sign_in.TwoFactorView.as_view(),
        name="two_factor_action",
    ),
    path("members/", views.DirectoryView.as_view(), name="directory"),
    path("team/", views.ColleaguesView.as_view(), name="colleagues"),
    path("team/activity/", views.ActivityView.as_view(), name="activity"),
    path(
        "team/<int:pk>/<slug:action>/",
        views.ColleagueActionView.as_view(),
        name="colleague_action",
    ),
    path("api-keys/", views.ApiKeysView.as_view(), name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
    path(
        "applications/<int:pk>/licence/",
        views.application_licence,
        name="application_licence",
    ),
]
