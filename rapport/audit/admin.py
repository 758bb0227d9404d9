from django.contrib import admin

from rapport.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is never edited, not even by a superuser."""

    list_display = ["at", "workspace", "actor", "source", "action", "entity", "object_id"]
    list_filter = ["source", "action", "entity"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
