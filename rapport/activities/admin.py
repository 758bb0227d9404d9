from django.contrib import admin

from rapport.activities.models import Activity
from rapport.core.admin import AuditedAdmin


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ["__str__", "kind", "occurred_at", "workspace"]
    list_filter = ["kind", "workspace"]
    raw_id_fields = ["author", "assignee", "workspace"]
    date_hierarchy = "occurred_at"
