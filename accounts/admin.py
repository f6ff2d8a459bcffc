"""The Django admin, read-only for users, roles and the Lusha connection.

Changing who may use the portal goes through the portal's own pages and services, which audit
every change and keep the last admin (accounts.services); the Django admin would do neither.
Its sign-in form would also be a second door beside the throttled one, so it sends people to
the portal's."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import LushaConnection, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class PortalUserAdmin(ReadOnlyAdmin, UserAdmin):
    """Read-only: users are added, given a role and deactivated under Settings → Users."""

    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Portal", {"fields": ("role",)}))


@admin.register(LushaConnection)
class LushaConnectionAdmin(ReadOnlyAdmin):
    """Read-only, and never the key: set it on the portal's own connection page."""

    fields = ("key_mask", "base_url", "key_set_by", "key_set_at", "updated_at")
    readonly_fields = fields


# The portal's roles are its own (User.role); Django's groups and permissions grant nothing
# here, so the admin offers no page to edit them.
admin.site.unregister(Group)


def _sign_in_on_the_portal(request, extra_context=None):
    """The admin's sign-in page: the portal's (throttled) one instead."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(next_url)
        raise PermissionDenied("The Django admin is for the portal's admins.")
    return redirect_to_login(next_url, login_url=reverse("accounts:login"))


admin.site.login = _sign_in_on_the_portal
