"""The audit trail in the admin: read-only for everyone, superusers included; scoped like the
pages. Nobody can add, change or delete an entry here."""

from django.contrib import admin

from org.admin import ReadOnly, ScopedAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, ScopedAdmin):
    list_display = ("created_at", "actor_name", "action", "model_label", "object_id",
                    "object_repr", "org_unit", "period", "batch_id", "request_id")
    list_filter = ("action", "model_label")
    search_fields = ("actor_name", "object_repr", "object_id", "request_id")
    date_hierarchy = "created_at"
    list_select_related = ("org_unit",)
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = None
    change_form_template = None  # an entry has no history of its own to link to
