from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.permissions import EVERYONE, role_required

app_name = "accounts"

urlpatterns = [
    path("setup/", views.first_run, name="first_run"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/oidc/start/", views.oidc_start, name="oidc_start"),
    path("accounts/oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path(
        "accounts/password/",
        role_required(*EVERYONE)(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        role_required(*EVERYONE)(
            auth_views.PasswordChangeDoneView.as_view(
                template_name="accounts/password_change_done.html"
            )
        ),
        name="password_change_done",
    ),
    # The link's token follows "#", so it never reaches this URL (or any access log).
    path("accounts/set-password/", views.set_password, name="set_password"),
    path("accounts/set-password/done/", views.set_password_done, name="set_password_done"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/users/", views.users, name="users"),
    path("settings/users/<int:user_id>/role/", views.user_role, name="user_role"),
    path("settings/users/<int:user_id>/active/", views.user_active, name="user_active"),
    path(
        "settings/users/<int:user_id>/password-link/",
        views.user_password_link,
        name="user_password_link",
    ),
    path("settings/lusha/", views.lusha_connection, name="lusha_connection"),
]
