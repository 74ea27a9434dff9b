from django.contrib import admin

from org.admin import ScopedAdmin
from skills_portal.admin_filters import period_filter

from .models import CertificateFigure


@admin.register(CertificateFigure)
class CertificateFigureAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("org_unit", "department", "period", "certificate_type", "level", "occupation",
                    "industry", "count", "is_demo")
    list_filter = (period_filter(), "certificate_type", "level", "industry", "is_demo")
    search_fields = ("org_unit__name", "department__name", "occupation")
    list_select_related = ("org_unit", "department")
    autocomplete_fields = ("org_unit", "department")
    # As the training figures' admin: through the (month, unit) index, one count.
    ordering = ("-period", "-org_unit_id", "certificate_type", "level")
    show_full_result_count = False
    readonly_fields = ("entered_by", "is_demo")
