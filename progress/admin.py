from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from org.admin import ReadOnlyAdmin
from skills_portal.admin_filters import period_filter
from targets.admin import plan_filter
from targets.models import Target

from .choices import TRIGGER_LABELS, WarningColour
from .models import ProgressSnapshot, RollupRun, WarningLevel


class TriggerFilter(admin.SimpleListFilter):
    title = _("trigger")
    parameter_name = "trigger"

    def lookups(self, request, model_admin):
        return list(TRIGGER_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(trigger=self.value()) if self.value() else queryset


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyAdmin):
    """Operations: visible to system administrators (superusers) only."""

    list_display = ("period", "trigger_label", "status", "started_at", "finished_at",
                    "rows_written", "queries")
    list_filter = ("status", TriggerFilter, period_filter())
    search_fields = ("error",)
    exclude = ("trigger",)
    readonly_fields = ("trigger_label",)

    @admin.display(description=_("trigger"), ordering="trigger")
    def trigger_label(self, run):
        return TRIGGER_LABELS.get(run.trigger, run.trigger)


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("target", "period", "actual", "target_value", "completion_rate",
                    "time_progress", "status", "rank", "rank_of")
    list_filter = (period_filter(), "status", "is_soft", plan_filter("target__plan"))
    list_select_related = ("target__indicator", "target__org_unit", "target__department")
    search_fields = ("target__code", "target__org_unit__name", "target__indicator__name")
    exclude = ("run",)
    readonly_fields = ("roll_up_run",)

    @admin.display(description=_("roll-up run"))
    def roll_up_run(self, snapshot):
        return snapshot.run or "—"

    def get_queryset(self, request):
        targets = Target.objects.for_user(request.user)
        return super().get_queryset(request).filter(target__in=targets)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and (request.user.is_superuser
                                           or request.user.memberships.exists())

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(WarningLevel)
class WarningLevelAdmin(admin.ModelAdmin):
    """The early-warning thresholds (预警): the three levels are fixed, their thresholds are
    the administrators' to set. The next roll-up applies them."""

    list_display = ("code", "below")
    list_editable = ("below",)
    list_display_links = None
    ordering = ("below",)

    def has_add_permission(self, request):
        missing = set(WarningColour.values) - set(WarningLevel.objects.values_list("code", flat=True))
        return bool(missing) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
