"""FilterSets of the reporting workflow (the API's report list)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from org.filters import SubtreeFilter, YesNoFilter, visible_units
from skills_portal.choice_search import SearchSelect
from targets.filters import MonthFilter

from .choices import ReportStatus
from .models import MonthlyReport


class MonthlyReportFilter(django_filters.FilterSet):
    # The API's shared vocabulary (#18): org_unit (that unit), subtree_of (with the units
    # below), period. `unit` and `month` are the older names, kept as aliases for version 1.
    org_unit = django_filters.ModelChoiceFilter(queryset=visible_units, label=_("Org unit"),
                                                widget=SearchSelect("org_unit"))
    subtree_of = SubtreeFilter()
    period = MonthFilter(field_name="period", label=_("Month (YYYY-MM)"))
    unit = SubtreeFilter()
    month = MonthFilter(field_name="period", label=_("Month (YYYY-MM)"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    is_late = YesNoFilter(label=_("late"))
    departments = YesNoFilter(
        field_name="department", lookup_expr="isnull", exclude=True,
        label=_("Department reports only"))

    class Meta:
        model = MonthlyReport
        fields = ["org_unit", "subtree_of", "period", "unit", "month", "status", "is_late"]
