from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import LushaConnection, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Portal", {"fields": ("role",)}))


@admin.register(LushaConnection)
class LushaConnectionAdmin(admin.ModelAdmin):
    """Read-only, and never the key: set it on the portal's own connection page."""

    fields = ("key_mask", "base_url", "key_set_by", "key_set_at", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
