import re

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from org.admin import ScopedAdmin
from skills_portal.admin_filters import few_of, period_filter

from .models import DataValue, Indicator, Plan, PlanTask, Target, ValidationRule
from .selectors import Coverage, attach_coverage, plans_by_relevance

# Plans a list filter offers (the user's own and those above first); others by search.
PLANS_OFFERED = 15


def _plan_choices(request, chosen):
    plans = list(plans_by_relevance(request.user).values_list("pk", "short_name")[:PLANS_OFFERED])
    if chosen and all(pk != chosen for pk, _name in plans):
        plans += Plan.objects.for_user(request.user).filter(pk=chosen).values_list(
            "pk", "short_name")
    return plans


def plan_filter(field: str = "plan"):
    """A list filter over the plans most relevant to the user (a national table has one per
    unit): for every admin whose rows belong to a plan."""
    return few_of(field, _("plan"), _plan_choices)


class HeadingsField(forms.CharField):
    """Other headings typed one per line (or separated by 、 , ；): a list of texts."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [w.strip() for w in re.split(r"[\n、,，;；]+", text) if w.strip()]


class IndicatorForm(forms.ModelForm):
    synonyms = HeadingsField(
        label=_("other headings"), required=False,
        help_text=_("One per line: other names an office writes for this indicator in a column "
                    "heading or an indicator cell. Imports match them besides the name and code."))

    class Meta:
        model = Indicator
        fields = ["synonyms"]  # the admin adds the rest


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdmin):
    form = IndicatorForm
    list_display = ("code", "name", "unit", "kind", "source", "measure", "is_active")
    list_filter = ("kind", "source", "unit", "is_active")
    search_fields = ("code", "name", "measure", "synonyms")
    autocomplete_fields = ("numerator", "denominator")


class PlanTaskInline(admin.TabularInline):
    model = PlanTask
    fields = ("number", "section", "title", "responsible_note")
    extra = 0
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(ScopedAdmin):
    write_roles = "targets"
    list_display = ("short_name", "doc_number", "issuer", "issue_date", "period_start",
                    "period_end", "parent", "is_reference")
    list_select_related = ("parent",)
    list_filter = ("is_reference", "issuer_unit__level")
    search_fields = ("title", "short_name", "doc_number", "issuer")
    autocomplete_fields = ("issuer_unit", "parent")
    inlines = [PlanTaskInline]


@admin.register(PlanTask)
class PlanTaskAdmin(ScopedAdmin):
    write_roles = "targets"
    list_display = ("plan", "number", "title", "section")
    list_filter = (plan_filter(),)
    list_select_related = ("plan",)
    search_fields = ("title", "summary", "number", "plan__short_name")
    autocomplete_fields = ("plan", "lead_departments", "responsible_departments")


@admin.register(Target)
class TargetAdmin(ScopedAdmin):
    write_roles = "targets"
    list_display = ("code", "indicator", "org_unit", "department", "window_display", "value",
                    "is_soft", "decomposition_coverage")
    list_filter = (plan_filter(), "window", "is_soft", "axis", "indicator__unit", "org_unit__level")
    search_fields = ("code", "indicator__name", "org_unit__name", "department__name", "quote")
    autocomplete_fields = ("plan", "indicator", "org_unit", "department", "parent", "task",
                           "implements", "group")
    list_select_related = ("plan", "indicator", "org_unit", "department")
    readonly_fields = ("decomposition_coverage", "implemented_by")

    def get_changelist(self, request, **kwargs):
        class CoverageChangeList(super().get_changelist(request, **kwargs)):
            def get_results(self, request):
                super().get_results(request)
                # Coverage of the page's targets only (one grouped query).
                attach_coverage(self.result_list, request.user)
        return CoverageChangeList

    @admin.display(description=_("window"))
    def window_display(self, obj):
        return obj.window_label

    @admin.display(description=_("decomposition coverage"))
    def decomposition_coverage(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        # The list attaches a page's coverage at once; the change form its object's.
        if not hasattr(obj, "coverages"):
            attach_coverage([obj], getattr(obj, "_viewer", None))
        coverages = obj.coverages
        return format_html_join(
            " · ", "{}：{}（{}）", ((c.axis_label, _pct(c), c.status_label) for c in coverages)
        ) or "—"


    @admin.display(description=_("implemented by targets of plans below"))
    def implemented_by(self, obj):
        """被下级方案目标落实: the targets of other plans that restate this one."""
        if obj is None or obj.pk is None:
            return "—"
        rows = Target.objects.for_user(obj._viewer).filter(implements=obj).select_related(
            "plan", "org_unit").order_by("org_unit__level", "org_unit__code")
        return format_html_join(
            "<br>", '<a href="{}">{} · {} · {}</a>',
            ((reverse("admin:targets_target_change", args=[t.pk]), t.plan.short_name,
              t.org_unit.name, t.value) for t in rows)) or "—"

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user  # the list above shows only what this user may see
        return obj


def _pct(coverage: Coverage) -> str:
    return f"{coverage.coverage_pct}%" if coverage.coverage_pct is not None else "—"


@admin.register(DataValue)
class DataValueAdmin(ScopedAdmin):
    write_roles = "values"
    list_display = ("indicator", "org_unit", "department", "period", "value", "is_demo",
                    "entered_by", "updated_at")
    list_filter = ("is_demo", "indicator", "org_unit__level", period_filter())
    search_fields = ("indicator__name", "org_unit__name", "department__name", "comment")
    autocomplete_fields = ("indicator", "org_unit", "department")
    readonly_fields = ("entered_by", "is_demo")
    date_hierarchy = "period"

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        obj.is_demo = False
        super().save_model(request, obj, form, change)


@admin.register(ValidationRule)
class ValidationRuleAdmin(ScopedAdmin):
    list_display = ("code", "name", "left", "operator", "right", "right_constant", "importance",
                    "is_active")
    list_filter = ("importance", "is_active")
    search_fields = ("code", "name", "message")
    autocomplete_fields = ("left", "right")
