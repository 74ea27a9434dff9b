"""The audit trail in the admin: read-only for everyone, superusers included; scoped like the
pages. Nobody can add, change or delete an entry here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from org.admin import ReadOnly, ScopedAdmin

from .filters import model_choices
from .models import AuditEntry, labels_of


class RecordTypeFilter(admin.SimpleListFilter):
    """The record types by name, not by their model labels."""

    title = _("record type")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return model_choices()

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(model_label__in=labels_of(value)) if value else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, ScopedAdmin):
    list_display = ("created_at", "actor_name", "action_text", "record_type", "object_id",
                    "object_repr", "org_unit", "period", "import_batch", "request_id")
    list_filter = ("action", RecordTypeFilter)
    search_fields = ("actor_name", "object_repr", "object_id", "request_id")
    date_hierarchy = "created_at"
    list_select_related = ("org_unit",)
    readonly_fields = [f.name if f.name != "action" else "action_text"
                       for f in AuditEntry._meta.fields]
    actions = None
    change_form_template = None  # an entry has no history of its own to link to

    @admin.display(description=_("action"), ordering="action")
    def action_text(self, entry):
        return entry.action_label

    @admin.display(description=_("record type"), ordering="model_label")
    def record_type(self, entry):
        return entry.model_name

    @admin.display(description=_("import batch"))
    def import_batch(self, entry):
        return entry.batch_id or "—"
