"""The Django admin shows the audit trail and the suppression list read-only: the audit trail
is append-only, and suppressions are added through the portal's page (which audits them)."""

from django.contrib import admin

from privacy.models import AuditEvent, RetentionRun, Suppression


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "summary", "list_id", "job_id")
    list_filter = ("action",)


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "value", "source", "note")
    list_filter = ("kind", "source")


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ("ran_at", "keep_days", "emails_purged", "phones_purged")
