"""One FilterSet per model: the list pages use these now, the API and exports will too."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from skills_portal.filters import SubtreeFilter, visible_units

from .choices import IndicatorUnit, WindowKind
from .models import Indicator, Plan, ProgressSnapshot, ProgressStatus, Target


def _plans(request):
    return Plan.objects.for_user(request.user if request else None).filter(is_reference=False)


def _indicators(request):
    return Indicator.objects.for_user(request.user if request else None)


class TargetFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        queryset=_plans, field_name="plan", label=_("Plan"), to_field_name="code"
    )
    indicator = django_filters.ModelChoiceFilter(
        queryset=_indicators, label=_("Indicator"), to_field_name="code"
    )
    unit = SubtreeFilter()
    unit_only = django_filters.ModelChoiceFilter(
        queryset=visible_units, field_name="org_unit", label=_("Org unit (only)")
    )
    window = django_filters.ChoiceFilter(choices=WindowKind.choices, label=_("Window"))
    year = django_filters.NumberFilter(method="filter_year", label=_("Year in window"))
    indicator_unit = django_filters.ChoiceFilter(
        field_name="indicator__unit", choices=IndicatorUnit.choices, label=_("Unit of measure")
    )
    is_soft = django_filters.BooleanFilter(label=_("Soft target (力争)"))
    decomposed = django_filters.BooleanFilter(method="filter_decomposed",
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
        from django.db.models import Q

        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(indicator__name__icontains=value)
            | Q(org_unit__name__icontains=value) | Q(department__name__icontains=value)
            | Q(quote__icontains=value)
        )


class ProgressFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_plans, field_name="target__plan",
                                            label=_("Plan"), to_field_name="code")
    indicator = django_filters.ModelChoiceFilter(queryset=_indicators, field_name="target__indicator",
                                                 label=_("Indicator"), to_field_name="code")
    unit = SubtreeFilter("target__org_unit")
    month = django_filters.DateFilter(field_name="period", label=_("Month"))
    status = django_filters.ChoiceFilter(choices=ProgressStatus.choices, label=_("Status"))

    class Meta:
        model = ProgressSnapshot
        fields = ["plan", "indicator", "unit", "month", "status"]
