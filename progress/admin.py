from django.contrib import admin

from org.admin import ReadOnlyAdmin
from targets.models import Target

from .models import ProgressSnapshot, RollupRun


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyAdmin):
    """Operations: visible to system administrators (superusers) only."""

    list_display = ("period", "trigger", "status", "started_at", "finished_at", "rows_written",
                    "queries")
    list_filter = ("status", "trigger", "period")
    search_fields = ("error",)


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("target", "period", "actual", "target_value", "completion_rate",
                    "time_progress", "status", "rank", "rank_of")
    list_filter = ("period", "status", "is_soft", "target__plan")
    list_select_related = ("target__indicator", "target__org_unit", "target__department")
    search_fields = ("target__code", "target__org_unit__name", "target__indicator__name")

    def get_queryset(self, request):
        targets = Target.objects.for_user(request.user)
        return super().get_queryset(request).filter(target__in=targets)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and (request.user.is_superuser
                                           or request.user.memberships.exists())

    def has_module_permission(self, request):
        return self.has_view_permission(request)
