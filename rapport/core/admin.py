"""The base for every admin page over customer data: edits land in the audit trail."""

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record, diff, snapshot


def _audited_fields(obj: models.Model) -> list[str]:
    return [
        f.name
        for f in obj._meta.concrete_fields
        if f.name not in ("id", "workspace", "created_at", "updated_at") and f.editable
    ]


class AuditedAdmin(admin.ModelAdmin):
    """Superusers edit across workspaces here; each save or delete is audited like any other."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = _audited_fields(obj)
        before = snapshot(type(obj).unscoped.get(pk=obj.pk), fields) if change else {}
        if hasattr(obj, "set_derived_fields"):
            obj.set_derived_fields()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                workspace_id=obj.workspace_id,
                actor=request.user,
                action=AuditAction.UPDATE if change else AuditAction.CREATE,
                instance=obj,
                changes=diff(before, snapshot(obj, fields)),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                workspace_id=obj.workspace_id,
                actor=request.user,
                action=AuditAction.DELETE,
                instance=obj,
                changes=diff(snapshot(obj, _audited_fields(obj)), {}),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
