"""FilterSets of the roll-up's tables: the progress list (API and export), roll-up runs and
roll-up requests."""

import django_filters
from django.utils.translation import gettext_lazy as _

from org.filters import SubtreeFilter, YesNoFilter, visible_units
from skills_portal.choice_search import SearchSelect
from targets.filters import MonthFilter, _departments, _indicators, _plans
from targets.models import Plan

from .choices import ProgressStatus, RollupReason, RollupRequestStatus, RollupStatus, WarningColour
from .models import ProgressSnapshot, RollupRequest, RollupRun


class ProgressFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_plans, field_name="target__plan",
                                            label=_("Plan"), to_field_name="code",
                                            widget=SearchSelect("plan"))
    indicator = django_filters.ModelChoiceFilter(queryset=_indicators, field_name="target__indicator",
                                                 label=_("Indicator"), to_field_name="code")
    unit = SubtreeFilter("target__org_unit")
    month = django_filters.DateFilter(field_name="period", label=_("Month"))
    status = django_filters.ChoiceFilter(choices=ProgressStatus.choices, label=_("Status"))
    # The API's names (also usable by the export): exact unit, subtree, department, months.
    org_unit = django_filters.ModelChoiceFilter(
        queryset=visible_units, field_name="target__org_unit", label=_("Org unit (only)"),
        widget=SearchSelect("org_unit"))
    subtree_of = SubtreeFilter("target__org_unit")
    department = django_filters.ModelChoiceFilter(
        queryset=_departments, field_name="target__department", label=_("Department"))
    period = MonthFilter(field_name="period", label=_("Month"))
    period_after = MonthFilter(field_name="period", lookup_expr="gte", label=_("From month"))
    period_before = MonthFilter(field_name="period", lookup_expr="lte", label=_("To month"))
    is_soft = YesNoFilter(label=_("Soft target (力争)"))
    warning = django_filters.ChoiceFilter(choices=WarningColour.choices, label=_("Early warning"))

    class Meta:
        model = ProgressSnapshot
        fields = ["plan", "indicator", "unit", "month", "status"]


class RollupRunFilter(django_filters.FilterSet):
    period = MonthFilter(field_name="period", label=_("Month"))
    status = django_filters.ChoiceFilter(choices=RollupStatus.choices, label=_("Status"))

    class Meta:
        model = RollupRun
        fields = ["period", "status"]


def _any_plan(request):
    return Plan.objects.for_user(request.user if request else None)


class RollupRequestFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_any_plan, field_name="plan",
                                            label=_("Plan"), to_field_name="code")
    status = django_filters.ChoiceFilter(choices=RollupRequestStatus.choices, label=_("Status"))
    reason = django_filters.ChoiceFilter(choices=RollupReason.choices,
                                         label=_("Reason for the roll-up"))

    class Meta:
        model = RollupRequest
        fields = ["plan", "status", "reason"]
