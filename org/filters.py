"""Filters shared by every app's FilterSets (list pages, API and exports), and the org tree's
own FilterSets."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from skills_portal.choice_search import SearchSelect
from skills_portal.clock import parse_month

from .choices import OrgLevel, Role, Sector
from .closure import OrgUnitClosure
from .models import Department, Membership, Option, OrgUnit, OrgUnitGroup, OrgUnitGroupMember

# Bounds for number filters: an id or a year outside them is a form error (a 400), not a
# database error (SQLite cannot bind an integer past 64 bits; a year past 9999 is no date).
ID_BOUNDS = {"min_value": 1, "max_value": 2**63 - 1}
YEAR_RANGE = {"min_value": 1949, "max_value": 2100}


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter's choices: all (全部), yes, no — not Django's "unknown" (未知)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]


class YesNoFilter(django_filters.BooleanFilter):
    """A BooleanFilter whose empty choice reads "all"; every app's yes/no filter uses it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyYesNoSelect)
        super().__init__(*args, **kwargs)


def search_any(queryset, value, fields):
    """Rows where any of `fields` contains `value` (a list page's free-text search box)."""
    value = (value or "").strip()
    if not value:
        return queryset
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": value})
    return queryset.filter(q)


def visible_units(request):
    return OrgUnit.objects.for_user(request.user if request else None)


class SubtreeFilter(django_filters.ModelChoiceFilter):
    """An org unit and every unit below it (one join on the closure table); `field_name` is
    the path from the filtered model to its org unit."""

    def __init__(self, field_name: str = "org_unit", **kwargs):
        kwargs.setdefault("queryset", visible_units)
        kwargs.setdefault("label", _("Org unit (with units below)"))
        kwargs.setdefault("widget", SearchSelect("org_unit"))
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__in": OrgUnitClosure.objects.filter(
            ancestor=value).values("descendant_id")})


def exact_unit(field_name: str = "org_unit") -> django_filters.ModelChoiceFilter:
    """The API's `org_unit`: that unit only (`subtree_of` takes the units below too)."""
    return django_filters.ModelChoiceFilter(field_name=field_name, queryset=visible_units,
                                            label=_("Org unit (only)"),
                                            widget=SearchSelect("org_unit"))


class MembershipFilter(django_filters.FilterSet):
    org_unit = exact_unit()
    subtree_of = SubtreeFilter()
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Role"))
    user = django_filters.CharFilter(field_name="user__username", label=_("Username"))

    class Meta:
        model = Membership
        fields = ["org_unit", "subtree_of", "role", "user"]


class FigureFilter(django_filters.FilterSet):
    """The monthly figure models of every domain."""

    unit = SubtreeFilter()
    month_from = django_filters.DateFilter(field_name="period", lookup_expr="gte",
                                           label=_("From month"))
    month_to = django_filters.DateFilter(field_name="period", lookup_expr="lte",
                                         label=_("To month"))


class OrgUnitFilter(django_filters.FilterSet):
    subtree_of = SubtreeFilter("id")
    parent = django_filters.ModelChoiceFilter(queryset=visible_units, label=_("Parent unit"),
                                               widget=SearchSelect("org_unit"))
    level = django_filters.ChoiceFilter(choices=OrgLevel.choices, label=_("Level"))
    code = django_filters.CharFilter(label=_("Division code"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = OrgUnit
        fields = ["subtree_of", "parent", "level", "code"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value)
                               | Q(code__startswith=value))


class DepartmentFilter(django_filters.FilterSet):
    org_unit = django_filters.ModelChoiceFilter(queryset=visible_units, label=_("Org unit (only)"),
                                                 widget=SearchSelect("org_unit"))
    subtree_of = SubtreeFilter()
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("Sector"))

    class Meta:
        model = Department
        fields = ["org_unit", "subtree_of", "sector"]


class MonthFormField(forms.CharField):
    """`YYYY-MM` → the first day of that month."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, e.g. 2024-03.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        month = parse_month(value.strip())
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{1,2}$", "example": "2024-03"})
class MonthFilter(django_filters.Filter):
    """A month given as YYYY-MM, compared with a month DateField (`lookup_expr` gte/lte/exact)."""

    field_class = MonthFormField


class OrgUnitGroupFilter(django_filters.FilterSet):
    group_set = django_filters.NumberFilter(field_name="group_set_id", label=_("Group type"),
                                            **ID_BOUNDS)
    code = django_filters.CharFilter(label=_("Code"))

    class Meta:
        model = OrgUnitGroup
        fields = ["group_set", "code"]


class OrgUnitGroupMemberFilter(django_filters.FilterSet):
    group = django_filters.NumberFilter(field_name="group_id", label=_("Group"), **ID_BOUNDS)
    org_unit = django_filters.NumberFilter(field_name="org_unit_id", label=_("Org unit"),
                                           **ID_BOUNDS)
    in_month = MonthFilter(method="filter_month", label=_("Member in month (YYYY-MM)"))

    class Meta:
        model = OrgUnitGroupMember
        fields = ["group", "org_unit", "in_month"]

    def filter_month(self, queryset, name, month):
        return queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month),
                               valid_from__lte=month)


class OptionFilter(django_filters.FilterSet):
    option_set = django_filters.CharFilter(field_name="option_set__code",
                                           label=_("Option set (code)"))

    class Meta:
        model = Option
        fields = ["option_set"]
