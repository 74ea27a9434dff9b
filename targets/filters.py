"""One FilterSet per model: the list pages use these now, the API and exports will too."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from org.filters import (
    YEAR_RANGE,
    MonthFilter,
    SubtreeFilter,
    YesNoFilter,
    exact_unit,
    search_any,
)
from org.models import Department
from skills_portal.choice_search import SearchSelect

from .choices import IndicatorKind, IndicatorSource, IndicatorUnit, WindowKind
from .models import DataValue, Indicator, Plan, PlanTask, Target


def _plans(request):
    return Plan.objects.for_user(request.user if request else None).filter(is_reference=False)


def _indicators(request):
    return Indicator.objects.for_user(request.user if request else None)


def _departments(request):
    return Department.objects.for_user(request.user if request else None)


class TargetFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        queryset=_plans, field_name="plan", label=_("Plan"), to_field_name="code",
        widget=SearchSelect("plan"))
    indicator = django_filters.ModelChoiceFilter(
        queryset=_indicators, label=_("Indicator"), to_field_name="code"
    )
    unit = SubtreeFilter()
    unit_only = exact_unit()
    window = django_filters.ChoiceFilter(choices=WindowKind.choices, label=_("Window"))
    year = django_filters.NumberFilter(method="filter_year", label=_("Year in window"),
                                       **YEAR_RANGE)
    indicator_unit = django_filters.ChoiceFilter(
        field_name="indicator__unit", choices=IndicatorUnit.choices, label=_("Unit of measure")
    )
    is_soft = YesNoFilter(label=_("Soft target (力争)"))
    decomposed = YesNoFilter(method="filter_decomposed",
                                              label=_("Has a decomposition"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Target
        fields = ["plan", "indicator", "unit", "unit_only", "window", "year", "is_soft"]

    def filter_year(self, queryset, name, value):
        if value is None:
            return queryset
        year = int(value)
        return queryset.filter(period_start__year__lte=year, period_end__year__gte=year)

    def filter_decomposed(self, queryset, name, value):
        if value is None:
            return queryset
        has_children = Exists(Target.objects.filter(parent=OuterRef("pk")))
        return queryset.filter(has_children) if value else queryset.exclude(has_children)

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("code", "indicator__name", "org_unit__name",
                                            "department__name", "quote"))


class TargetApiFilter(TargetFilter):
    """The target list page's filters plus the API's common names (the page's form shows only
    TargetFilter's)."""

    org_unit = exact_unit()
    subtree_of = SubtreeFilter()
    department = django_filters.ModelChoiceFilter(queryset=_departments, label=_("Department"))


class UnitMonthFilterSet(django_filters.FilterSet):
    """The API's filters for rows placed on a unit (and department) and month: the exact unit,
    a subtree, the department, a month or a range of months as YYYY-MM. Mixed into the figure
    FilterSets of the domain apps."""

    org_unit = exact_unit()
    subtree_of = SubtreeFilter()
    department = django_filters.ModelChoiceFilter(queryset=_departments, label=_("Department"))
    period = MonthFilter(field_name="period", label=_("Month"))
    period_after = MonthFilter(field_name="period", lookup_expr="gte", label=_("From month"))
    period_before = MonthFilter(field_name="period", lookup_expr="lte", label=_("To month"))


class IndicatorFilter(django_filters.FilterSet):
    unit = django_filters.ChoiceFilter(choices=IndicatorUnit.choices, label=_("Unit of measure"))
    kind = django_filters.ChoiceFilter(choices=IndicatorKind.choices, label=_("Kind"))
    source = django_filters.ChoiceFilter(choices=IndicatorSource.choices, label=_("Source"))
    is_active = YesNoFilter(label=_("Active"))

    class Meta:
        model = Indicator
        fields = ["unit", "kind", "source", "is_active"]


class PlanFilter(django_filters.FilterSet):
    issuer_unit = SubtreeFilter("issuer_unit")
    is_reference = YesNoFilter(label=_("Reference only"))

    class Meta:
        model = Plan
        fields = ["issuer_unit", "is_reference"]


class PlanTaskFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="plan__code", label=_("Plan"))
    department = django_filters.NumberFilter(method="filter_department",
                                             label=_("Department"))

    class Meta:
        model = PlanTask
        fields = ["plan", "department"]

    def filter_department(self, queryset, name, value):
        # Led or shared: a department's tasks either way.
        return queryset.filter(Q(lead_departments=value) | Q(responsible_departments=value)
                               ).distinct()


class DataValueFilter(UnitMonthFilterSet):
    indicator = django_filters.ModelChoiceFilter(
        queryset=_indicators, label=_("Indicator"), to_field_name="code")

    class Meta:
        model = DataValue
        fields = ["indicator", "org_unit", "subtree_of", "department", "period"]
