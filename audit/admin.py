"""The audit trail in the admin: read-only for everyone, superusers included; scoped like the
pages. Nobody can add, change or delete an entry here."""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext as _

from skills_portal.access import Scope

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_name", "action", "model_label", "object_id",
                    "object_repr", "org_unit", "period", "batch_id", "request_id")
    list_filter = ("action", "model_label")
    search_fields = ("actor_name", "object_repr", "object_id", "request_id")
    date_hierarchy = "created_at"
    list_select_related = ("org_unit",)
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = None

    def get_queryset(self, request):
        return AuditEntry.objects.for_user(request.user).select_related("org_unit")

    def has_module_permission(self, request):
        return Scope.of(request.user).is_member

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return Scope.of(request.user).is_member
        return AuditEntry.objects.for_user(request.user).filter(pk=obj.pk).exists()

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("This record does not exist or is outside your scope."))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
