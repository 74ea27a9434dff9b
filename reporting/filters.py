"""FilterSets of the reporting workflow (the API's report list)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from org.filters import SubtreeFilter, YesNoFilter
from targets.filters import MonthFilter

from .choices import ReportStatus
from .models import MonthlyReport


class MonthlyReportFilter(django_filters.FilterSet):
    unit = SubtreeFilter()
    month = MonthFilter(field_name="period", label=_("Month (YYYY-MM)"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    is_late = YesNoFilter(label=_("late"))
    departments = YesNoFilter(
        field_name="department", lookup_expr="isnull", exclude=True,
        label=_("Department reports only"))

    class Meta:
        model = MonthlyReport
        fields = ["unit", "month", "status", "is_late"]
