from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from org.admin import ReadOnly, ScopedAdmin
from skills_portal.admin_filters import period_filter
from targets.admin import plan_filter

from .models import Bulletin


@admin.register(Bulletin)
class BulletinAdmin(ReadOnly, ScopedAdmin):
    """Bulletins are kept as issued: browsable here, never edited (issue a new version from
    the dashboard instead)."""

    list_display = ("period", "plan", "org_unit", "version", "trigger", "issued_at", "issued_by",
                    "links")
    list_filter = (period_filter(), "trigger", plan_filter())
    list_select_related = ("plan", "org_unit", "issued_by")
    search_fields = ("org_unit__name", "plan__short_name")
    exclude = ("content",)
    readonly_fields = ("plan", "org_unit", "period", "version", "trigger", "run", "issued_at",
                       "issued_by", "links")

    @admin.display(description=_("Download"))
    def links(self, obj):
        return format_html('<a href="{}">.xlsx</a> · <a href="{}">{}</a>',
                           reverse("dashboard:bulletin_xlsx", args=[obj.pk]),
                           reverse("dashboard:bulletin_detail", args=[obj.pk]),
                           _("printable page"))
