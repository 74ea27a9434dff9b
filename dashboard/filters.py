import django_filters
from django.utils.translation import gettext_lazy as _

from org.filters import ID_BOUNDS
from skills_portal.choice_search import SearchSelect
from targets.filters import MonthFilter
from targets.models import Plan

from .models import Bulletin, Trigger


def _plans(request):
    return Plan.objects.for_user(request.user if request else None)


class BulletinFilter(django_filters.FilterSet):
    """One FilterSet for the bulletin list page and the API."""

    plan = django_filters.ModelChoiceFilter(queryset=_plans, to_field_name="code",
                                            label=_("Plan"), widget=SearchSelect("any_plan"))
    org_unit = django_filters.NumberFilter(field_name="org_unit_id", label=_("Org unit"),
                                          **ID_BOUNDS)
    month = MonthFilter(field_name="period", label=_("Month"))
    trigger = django_filters.ChoiceFilter(choices=Trigger.choices, label=_("Issued"))

    class Meta:
        model = Bulletin
        fields = ["plan", "org_unit", "month", "trigger"]


class BulletinApiFilter(BulletinFilter):
    """The API's common names: `period` (`month` stays as an alias)."""

    period = MonthFilter(field_name="period", label=_("Month"))
    period_after = MonthFilter(field_name="period", lookup_expr="gte", label=_("From month"))
    period_before = MonthFilter(field_name="period", lookup_expr="lte", label=_("To month"))
