from django.contrib import admin

from org.admin import ScopedAdmin

from .models import Programme, TrainingCarrier, TrainingFigure


@admin.register(Programme)
class ProgrammeAdmin(ScopedAdmin):
    write_roles = "targets"
    list_display = ("name", "plan", "is_active")
    list_filter = ("plan", "is_active")
    search_fields = ("name", "description")


@admin.register(TrainingFigure)
class TrainingFigureAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("org_unit", "department", "period", "target_group", "training_type",
                    "programme", "subsidised", "trained", "completed", "certified", "is_demo")
    list_filter = ("period", "training_type", "target_group", "subsidised", "programme", "is_demo")
    search_fields = ("org_unit__name", "department__name", "programme__name")
    list_select_related = ("org_unit", "department", "programme")
    autocomplete_fields = ("org_unit", "department")
    readonly_fields = ("entered_by", "is_demo")


@admin.register(TrainingCarrier)
class TrainingCarrierAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("name", "carrier_type", "level", "org_unit", "established_on", "closed_on")
    list_filter = ("carrier_type", "level")
    search_fields = ("name", "org_unit__name")
    autocomplete_fields = ("org_unit", "department")
