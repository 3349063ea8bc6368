from django.contrib.auth import views as auth_views
from django.urls import path

from perno.web.accounts import admin_views, views

app_name = "accounts"

urlpatterns = [
    path("login/verify/", views.verify, name="verify"),
    path("account/security/", views.security, name="security"),
    path("account/two-factor/", views.two_factor, name="twofactor"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("settings/users/", admin_views.user_list, name="user_list"),
    path("settings/users/new/", admin_views.user_edit, name="user_create"),
    path("settings/users/<int:pk>/", admin_views.user_edit, name="user_edit"),
    path("settings/roles/", admin_views.role_list, name="role_list"),
    path("settings/roles/new/", admin_views.role_edit, name="role_create"),
    path("settings/roles/<int:pk>/", admin_views.role_edit, name="role_edit"),
    path("settings/teams/", admin_views.team_list, name="team_list"),
    path("settings/confidential/", admin_views.confidential, name="confidential"),
    path("settings/encryption/", admin_views.encryption, name="encryption"),
    path("settings/exports/", admin_views.export_log, name="export_log"),
    path("settings/lockouts/", admin_views.lockouts, name="lockouts"),
]
