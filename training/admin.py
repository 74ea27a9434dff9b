from django.contrib import admin

from org.admin import ScopedAdmin
from skills_portal.admin_filters import period_filter
from targets.admin import plan_filter

from .models import Programme, TrainingCarrier, TrainingFigure


@admin.register(Programme)
class ProgrammeAdmin(ScopedAdmin):
    write_roles = "targets"
    list_display = ("name", "plan", "is_active")
    list_filter = (plan_filter(), "is_active")
    list_select_related = ("plan",)
    search_fields = ("name", "description", "plan__short_name")
    autocomplete_fields = ("plan",)


@admin.register(TrainingFigure)
class TrainingFigureAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("org_unit", "department", "period", "target_group", "training_type",
                    "programme", "subsidised", "trained", "completed", "certified", "is_demo")
    list_filter = (period_filter(), "training_type", "target_group", "subsidised", "programme", "is_demo")
    search_fields = ("org_unit__name", "department__name", "programme__name")
    list_select_related = ("org_unit", "department", "programme")
    autocomplete_fields = ("org_unit", "department")
    # Newest month first through the (month, unit) index: ordering by the unit's own order
    # sorted every figure of the month (0.2 s at national scale), and a second count of the
    # whole table (the filtered count is shown) is skipped.
    ordering = ("-period", "-org_unit_id", "target_group", "training_type")
    show_full_result_count = False
    readonly_fields = ("entered_by", "is_demo")


@admin.register(TrainingCarrier)
class TrainingCarrierAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("name", "carrier_type", "level", "org_unit", "established_on", "closed_on")
    list_filter = ("carrier_type", "level")
    search_fields = ("name", "org_unit__name")
    autocomplete_fields = ("org_unit", "department")
