"""One FilterSet per list: the pages use these, and so does the API. Text search never looks
at ID numbers (a search box would let anyone confirm a number)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from org import options
from org.filters import YEAR_RANGE, SubtreeFilter, exact_unit, search_any
from targets.filters import MonthFilter

from .choices import ClaimStatus, RuleKind, VoucherStatus
from .models import Claim, Hire, PersonCertificate, Scheme, StartupProject, Voucher


def _schemes(request):
    return Scheme.objects.for_user(request.user if request else None).select_related("plan")


class SchemeFilter(django_filters.FilterSet):
    rule_kind = django_filters.ChoiceFilter(choices=RuleKind.choices, label=_("Rule"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Scheme
        fields = ["plan", "rule_kind", "is_active"]

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("name", "code", "quote", "plan__short_name"))


class ClaimFilter(django_filters.FilterSet):
    scheme = django_filters.ModelChoiceFilter(queryset=_schemes, label=_("Scheme"))
    rule_kind = django_filters.ChoiceFilter(field_name="scheme__rule_kind",
                                            choices=RuleKind.choices, label=_("Rule"))
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices, label=_("Status"))
    year = django_filters.NumberFilter(field_name="submitted_on", lookup_expr="year",
                                       label=_("Year submitted"), **YEAR_RANGE)
    unit = SubtreeFilter()
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Claim
        fields = ["scheme", "rule_kind", "status", "year", "unit"]

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("payee_name", "enterprise_name", "enterprise_code",
                                         "scheme__name", "explanation", "payment_reference"))


class ClaimApiFilter(ClaimFilter):
    """The API's common names beside the page's (`unit` stays as an alias of `subtree_of`)."""

    org_unit = exact_unit()
    subtree_of = SubtreeFilter()
    period = MonthFilter(field_name="period", label=_("Month"))
    period_after = MonthFilter(field_name="period", lookup_expr="gte", label=_("From month"))
    period_before = MonthFilter(field_name="period", lookup_expr="lte", label=_("To month"))


class VoucherFilter(django_filters.FilterSet):
    scheme = django_filters.ModelChoiceFilter(queryset=_schemes, label=_("Scheme"))
    status = django_filters.ChoiceFilter(choices=VoucherStatus.choices, label=_("Status"))
    year = django_filters.NumberFilter(field_name="issued_on", lookup_expr="year",
                                       label=_("Year issued"), **YEAR_RANGE)
    unit = SubtreeFilter()
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Voucher
        fields = ["scheme", "status", "year", "unit"]

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("number", "person_name", "institution", "occupation"))



class VoucherApiFilter(VoucherFilter):
    org_unit = exact_unit()
    subtree_of = SubtreeFilter()

class PersonCertificateFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=lambda: list(options.choices("skill_level")),
                                        label=_("Level"))
    year = django_filters.NumberFilter(field_name="issued_on", lookup_expr="year",
                                       label=_("Year issued"), **YEAR_RANGE)
    unit = SubtreeFilter()
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = PersonCertificate
        fields = ["level", "year", "unit"]

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("person_name", "occupation", "certificate_number",
                                         "employer"))


class HireFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="hired_on", lookup_expr="year",
                                       label=_("Year hired"), **YEAR_RANGE)
    unit = SubtreeFilter()
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Hire
        fields = ["year", "unit"]

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("enterprise_name", "enterprise_code",
                                         "certificate__person_name"))


class StartupProjectFilter(django_filters.FilterSet):
    unit = SubtreeFilter()
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = StartupProject
        fields = ["unit"]

    def filter_text(self, queryset, name, value):
        return search_any(queryset, value, ("name", "founder_name", "enterprise_name"))
