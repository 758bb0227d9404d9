from django.contrib import admin

from rapport.contacts.models import Company, Contact, CustomFieldDefinition, Tag
from rapport.core.admin import AuditedAdmin


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ["__str__", "email", "phone", "lifecycle_stage", "workspace", "updated_at"]
    list_filter = ["lifecycle_stage", "workspace"]
    search_fields = ["search_name", "email"]
    raw_id_fields = ["primary_company", "owner", "workspace"]
    exclude = ["tags", "email", "phone"]


@admin.register(Company)
class CompanyAdmin(AuditedAdmin):
    list_display = ["name", "domain", "industry", "workspace", "updated_at"]
    list_filter = ["workspace"]
    search_fields = ["name_key", "domain"]
    raw_id_fields = ["parent", "owner", "workspace"]
    exclude = ["tags"]


@admin.register(Tag)
class TagAdmin(AuditedAdmin):
    list_display = ["name", "color", "workspace"]
    list_filter = ["workspace"]


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(AuditedAdmin):
    list_display = ["label", "entity", "key", "field_type", "workspace"]
    list_filter = ["entity", "workspace"]
