"""Admin for competitions and awards: the same scoped querysets and the same services as the
pages. ID numbers are masked in the changelist, and on the change form for anyone outside the
recipient's own unit (they may replace the number, never read it)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from org.admin import ScopedAdmin

from . import services
from .models import Award, Competition


@admin.register(Competition)
class CompetitionAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("name", "level", "organiser_unit", "organiser_department", "start_date",
                    "end_date", "participants", "is_demo")
    list_filter = ("level", "is_demo", "organiser_unit__level", "start_date")
    search_fields = ("name", "occupations", "organiser_unit__name", "organiser_department__name")
    autocomplete_fields = ("organiser_unit", "organiser_department")
    list_select_related = ("organiser_unit", "organiser_department")
    readonly_fields = ("created_by", "is_demo", "created_at", "updated_at")
    date_hierarchy = "start_date"

    def save_model(self, request, obj, form, change):
        services.save_competition(user=request.user, competition=obj)

    def save_related(self, request, form, formsets, change):
        # No many-to-many fields: the service has saved and checked the scope already.
        admin.ModelAdmin.save_related(self, request, form, formsets, change)

    def delete_model(self, request, obj):
        services.delete_competition(user=request.user, competition=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_competition(user=request.user, competition=obj)


@admin.register(Award)
class AwardAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("recipient_name", "recipient_kind", "masked_id_number", "employer", "org_unit",
                    "competition", "medal", "honour_title", "honour_level", "awarded_on",
                    "is_demo")
    list_filter = ("medal", "honour_title", "honour_level", "recipient_kind",
                   "competition__level", "is_demo", "org_unit__level")
    # Never the ID number: a search box would confirm whether a number is on record.
    search_fields = ("recipient_name", "employer", "competition__name", "org_unit__name")
    autocomplete_fields = ("competition", "org_unit", "department")
    list_select_related = ("competition", "org_unit", "department")
    readonly_fields = ("masked_id_number", "created_by", "is_demo", "created_at", "updated_at")
    date_hierarchy = "awarded_on"

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return obj.masked_id_number or "—"

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "masked_id_number"]
        if obj is not None and obj.recipient_id_number and not obj.may_see_full_id(request.user):
            # Show the masked number; the form carries no ID field, so the stored one is kept.
            index = fields.index("recipient_id_number")
            fields[index] = "masked_id_number"
        return fields

    def save_model(self, request, obj, form, change):
        services.save_award(user=request.user, award=obj)

    def save_related(self, request, form, formsets, change):
        admin.ModelAdmin.save_related(self, request, form, formsets, change)

    def delete_model(self, request, obj):
        services.delete_award(user=request.user, award=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_award(user=request.user, award=obj)
